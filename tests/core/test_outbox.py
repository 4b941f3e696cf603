"""The outbox across workers, on SQLite and PostgreSQL: a job is claimed by
one worker at a time; a worker whose lease ran out and was taken over can
neither renew it nor record an outcome; done jobs go after a while. "A lease
that ran out" is a lease of minus one second, not a wait."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa

from bot.clock import utcnow
from bot.store import Database
from bot.store.outbox import DONE, FAILED, PENDING, Job, Outbox, enqueue
from bot.store.tables import outbox

KIND = "deliver"


async def queue(database: Database, count: int) -> None:
    async with database.transaction() as connection:
        for number in range(count):
            await enqueue(connection, KIND, str(number))


async def states(database: Database) -> dict[str, str]:
    async with database.engine.connect() as connection:
        rows = await connection.execute(sa.select(outbox.c.subject_id, outbox.c.state))
        return {row.subject_id: row.state for row in rows}


async def test_workers_claiming_at_once_share_the_jobs_without_overlap(database: Database) -> None:
    await queue(database, 30)
    workers = [Outbox(database) for _ in range(4)]
    claimed: list[str] = []
    while rounds := [
        job.subject_id for jobs in await asyncio.gather(*(w.claim(KIND, 10) for w in workers)) for job in jobs
    ]:
        claimed += rounds
    assert sorted(claimed, key=int) == [str(n) for n in range(30)]  # each exactly once


async def test_a_worker_whose_lease_was_taken_over_cannot_act_or_record(database: Database) -> None:
    await queue(database, 1)
    slow, other = Outbox(database, lease_seconds=-1), Outbox(database)
    [stale] = await slow.claim(KIND)
    [current] = await other.claim(KIND)  # the lease ran out: taken over
    assert current.claim == stale.claim + 1
    assert not await slow.holds(stale)
    await slow.complete(stale)  # too late: not recorded
    assert (await states(database))["0"] == PENDING
    assert await other.holds(current)
    await other.complete(current)
    assert (await states(database))["0"] == DONE
    assert not await other.holds(current)  # done: nothing more to act on


async def test_done_jobs_go_after_a_while_and_failed_ones_stay(database: Database) -> None:
    await queue(database, 3)
    worker = Outbox(database)
    first, second, third = await worker.claim(KIND)
    await worker.complete(first)
    await worker.fail(second, "refused for good")
    await worker.complete(third)
    async with database.transaction() as connection:
        await connection.execute(
            outbox.update()
            .where(outbox.c.id.in_([first.id, second.id]))
            .values(updated_at=utcnow() - timedelta(days=8))
        )
    assert await worker.forget_done(utcnow() - timedelta(days=7)) == 1
    assert await states(database) == {second.subject_id: FAILED, third.subject_id: DONE}


async def queue_in(database: Database, sequence: str, *subjects: str) -> None:
    async with database.transaction() as connection:
        for subject in subjects:
            await enqueue(connection, KIND, subject, sequence=sequence)


async def claim_all(workers: list[Outbox]) -> dict[str, Job]:
    """What the workers claim at once, by subject."""
    return {job.subject_id: job for jobs in await asyncio.gather(*(w.claim(KIND) for w in workers)) for job in jobs}


async def make_due_now(database: Database, subject: str) -> None:
    async with database.transaction() as connection:
        await connection.execute(outbox.update().where(outbox.c.subject_id == subject).values(next_attempt_at=utcnow()))


async def test_one_conversations_jobs_are_done_one_at_a_time_in_order_by_all_processes(database: Database) -> None:
    await queue_in(database, "anna", "anna-1", "anna-2", "anna-3")
    await queue_in(database, "bert", "bert-1")
    await queue(database, 2)  # jobs of no sequence keep no order among them
    workers = [Outbox(database) for _ in range(3)]
    first = await claim_all(workers)
    assert sorted(first) == ["0", "1", "anna-1", "bert-1"]
    assert await claim_all(workers) == {}, "anna-2 waits while anna-1 is being sent"

    # anna-1 failed and waits an hour for its retry: anna-2 does not overtake it.
    await workers[0].retry_later(first["anna-1"], 3600, "platform busy")
    await workers[0].complete(first["bert-1"])
    assert await claim_all(workers) == {}

    await make_due_now(database, "anna-1")
    again = await claim_all(workers)
    assert list(again) == ["anna-1"]
    await workers[1].complete(again["anna-1"])
    assert list(await claim_all(workers)) == ["anna-2"]

    # The process sending anna-2 dies: its lease runs out and anna-2 is taken
    # over; anna-3 still waits its turn.
    async with database.transaction() as connection:
        await connection.execute(outbox.update().values(locked_until=utcnow() - timedelta(seconds=1)))
    assert sorted(await claim_all(workers)) == ["0", "1", "anna-2"]
