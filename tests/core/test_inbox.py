"""The inbox of platform messages, on SQLite and PostgreSQL: a message is kept
once, held by whoever answers it, and taken again only when its answer was
lost; a "lease that ran out" is a lease of minus one second, not a wait."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import sqlalchemy as sa

from bot.clock import utcnow
from bot.store import Database
from bot.store.inbox import MAX_ATTEMPTS, PlatformInbox
from bot.store.tables import platform_inbox

EVENT = {"message": {"channel": "telegram", "sender": "42", "text": "hoi"}, "sent_at": "2026-12-02T10:00:00+00:00"}
RAN_OUT = timedelta(seconds=-1)


async def test_a_redelivery_is_dropped_while_answered_or_being_answered(database: Database) -> None:
    inbox = PlatformInbox(database)
    receipt = await inbox.accept("telegram", "m1", "42", EVENT)
    assert receipt is not None and receipt.event == EVENT and receipt.attempts == 1
    assert await inbox.accept("telegram", "m1", "42", EVENT) is None  # being answered
    await inbox.answered(receipt)
    assert await inbox.accept("telegram", "m1", "42", EVENT) is None  # answered
    # The same id on another platform is another message.
    assert await inbox.accept("x", "m1", "42", EVENT) is not None


async def test_a_message_whose_answer_was_lost_is_taken_again_by_a_redelivery(database: Database) -> None:
    crashed, restarted = PlatformInbox(database, RAN_OUT), PlatformInbox(database)
    first = await crashed.accept("telegram", "m2", "42", EVENT)
    again = await restarted.accept("telegram", "m2", "42", EVENT)
    assert first is not None and again is not None
    assert (again.id, again.attempts, again.event) == (first.id, 2, EVENT)
    assert await restarted.accept("telegram", "m2", "42", EVENT) is None  # now held again


async def test_the_recovery_round_takes_each_lost_message_once_and_gives_up_in_the_end(database: Database) -> None:
    crashed = PlatformInbox(database, RAN_OUT)
    lost = [await crashed.accept("telegram", f"lost-{n}", "42", EVENT) for n in range(3)]
    held = await PlatformInbox(database).accept("telegram", "held", "42", EVENT)
    answered = await crashed.accept("telegram", "answered", "42", EVENT)
    assert answered is not None and held is not None
    await crashed.answered(answered)
    await crashed.accept("x", "other-channel", "42", EVENT)

    first, second = PlatformInbox(database), PlatformInbox(database)
    taken = await asyncio.gather(first.due("telegram"), second.due("telegram"))
    ids = sorted(r.id for round_ in taken for r in round_)
    assert ids == sorted(r.id for r in lost if r is not None)  # each once, across both

    # A message that keeps failing is tried MAX_ATTEMPTS times in all.
    failing = PlatformInbox(database, RAN_OUT)
    await failing.accept("messenger", "failing", "42", EVENT)
    attempts = 1
    while taken_again := await failing.due("messenger"):
        attempts += 1
        assert taken_again[0].last_attempt == (attempts == MAX_ATTEMPTS)
    assert attempts == MAX_ATTEMPTS


async def test_two_processes_keeping_the_same_delivery_answer_it_once(database: Database) -> None:
    results = await asyncio.gather(*(PlatformInbox(database).accept("x", "same", "42", EVENT) for _ in range(6)))
    assert len([r for r in results if r is not None]) == 1


async def test_messages_are_forgotten_after_the_redelivery_window(database: Database) -> None:
    inbox = PlatformInbox(database)
    old = await inbox.accept("telegram", "old", "42", EVENT)
    recent = await inbox.accept("telegram", "recent", "42", EVENT)
    assert old is not None and recent is not None
    async with database.transaction() as connection:
        await connection.execute(
            platform_inbox.update()
            .where(platform_inbox.c.id == old.id)
            .values(received_at=utcnow() - timedelta(hours=40))
        )
    assert await inbox.forget_older_than(utcnow() - timedelta(hours=36)) == 1
    async with database.engine.connect() as connection:
        kept = (await connection.scalars(sa.select(platform_inbox.c.platform_message_id))).all()
    assert kept == ["recent"]
