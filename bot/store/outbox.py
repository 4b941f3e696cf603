"""The outbox: durable work items that a worker claims, retries and finishes.

A job is written in the same transaction as the thing it is about (a report,
later an outgoing platform message), so nothing is promised to a citizen that
is not also queued. Workers in any number of processes claim a job with a
lease; a worker that dies mid-job leaves a lease that runs out, and another
worker picks the job up again. Each claim is numbered (a fencing token): a
worker whose lease ran out and was taken over can neither renew it nor record
an outcome, so it stops before sending twice. Jobs of one sequence (the
deliveries of one conversation) are due one at a time, oldest first, in
every process together: a later answer never overtakes an earlier one, not
even one that waits for a retry. Finished jobs go after a while.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import AsyncIterator, Optional

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.background import repeat, running
from bot.clock import utcnow
from bot.retries import AttemptFailed, RetryPolicy
from bot.store.database import Database
from bot.store.tables import outbox

logger = logging.getLogger(__name__)

PENDING, DONE, FAILED = "pending", "done", "failed"
# Done jobs are kept this long (to see what happened lately), then deleted.
KEEP_DONE_JOBS = timedelta(days=7)


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    subject_id: str
    attempts: int
    # Which claim of the job this is; only its holder may renew or finish it.
    claim: int


async def enqueue(connection: AsyncConnection, kind: str, subject_id: str, sequence: Optional[str] = None) -> None:
    """Queue a job inside the caller's transaction; after the pending jobs of its ``sequence``."""
    now = utcnow()
    await connection.execute(
        outbox.insert().values(
            kind=kind,
            subject_id=subject_id,
            sequence=sequence,
            state=PENDING,
            attempts=0,
            next_attempt_at=now,
            created_at=now,
            updated_at=now,
        )
    )


class Outbox:
    def __init__(self, database: Database, lease_seconds: float = 120.0) -> None:
        self._database = database
        self._lease = timedelta(seconds=lease_seconds)

    async def claim(self, kind: str, limit: int = 20) -> list[Job]:
        """Jobs of ``kind`` that are due, each leased to this caller alone."""
        if self._database.is_sqlite:
            return await self._claim_one_by_one(kind, limit)
        return await self._claim_skipping_locked(kind, limit)

    def _due(self, kind: str, now: datetime) -> sa.ColumnElement[bool]:
        earlier = outbox.alias("earlier")
        waits_for_earlier = (
            sa.select(earlier.c.id)
            .where(earlier.c.sequence == outbox.c.sequence, earlier.c.state == PENDING, earlier.c.id < outbox.c.id)
            .exists()
        )
        return sa.and_(
            outbox.c.kind == kind,
            outbox.c.state == PENDING,
            outbox.c.next_attempt_at <= now,
            sa.or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now),
            sa.or_(outbox.c.sequence.is_(None), ~waits_for_earlier),
        )

    async def _claim_skipping_locked(self, kind: str, limit: int) -> list[Job]:
        """PostgreSQL: one statement; rows another worker is claiming are passed over, not waited for."""
        now = utcnow()
        due = (
            sa.select(outbox.c.id)
            .where(self._due(kind, now))
            .order_by(outbox.c.next_attempt_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        async with self._database.transaction() as connection:
            rows = (
                await connection.execute(
                    outbox.update()
                    .where(outbox.c.id.in_(due.scalar_subquery()))
                    .values(locked_until=now + self._lease, claim=outbox.c.claim + 1)
                    .returning(outbox.c.id, outbox.c.subject_id, outbox.c.attempts, outbox.c.claim)
                )
            ).all()
        return [Job(row.id, kind, row.subject_id, row.attempts, row.claim) for row in rows]

    async def _claim_one_by_one(self, kind: str, limit: int) -> list[Job]:
        """SQLite has one writer at a time: a conditional update per row is enough."""
        now = utcnow()
        async with self._database.engine.connect() as connection:
            ids = (
                await connection.scalars(
                    sa.select(outbox.c.id).where(self._due(kind, now)).order_by(outbox.c.next_attempt_at).limit(limit)
                )
            ).all()
        claimed = []
        for job_id in ids:
            async with self._database.transaction() as connection:
                result = await connection.execute(
                    outbox.update()
                    .where(outbox.c.id == job_id, self._due(kind, now))
                    .values(locked_until=now + self._lease, claim=outbox.c.claim + 1)
                )
                if result.rowcount == 1:
                    row = (
                        await connection.execute(
                            sa.select(outbox.c.subject_id, outbox.c.attempts, outbox.c.claim).where(
                                outbox.c.id == job_id
                            )
                        )
                    ).one()
                    claimed.append(Job(job_id, kind, row.subject_id, row.attempts, row.claim))
        return claimed

    def _held(self, job: Job) -> sa.ColumnElement[bool]:
        return sa.and_(outbox.c.id == job.id, outbox.c.claim == job.claim, outbox.c.state == PENDING)

    async def holds(self, job: Job) -> bool:
        """Renew the lease before acting on the job; False when it ran out and
        another worker took the job over (do not act then)."""
        now = utcnow()
        async with self._database.transaction() as connection:
            result = await connection.execute(
                outbox.update()
                .where(self._held(job), outbox.c.locked_until >= now)
                .values(locked_until=now + self._lease)
            )
        return bool(result.rowcount == 1)

    @contextlib.asynccontextmanager
    async def holding(self, job: Job) -> AsyncIterator[None]:
        """The job's lease renewed while the block works on it (a slow platform),
        so only a process that died loses it. The block checks :meth:`holds`
        before each step it must not repeat."""
        async with running(repeat(lambda: self.holds(job), self._lease.total_seconds() / 3, "renewing a lease")):
            yield

    async def release(self, jobs: list[Job]) -> None:
        """Give back the leases of jobs this worker will not finish (it is
        stopping): another process may take them at once, not after the lease."""
        if not jobs:
            return
        async with self._database.transaction() as connection:
            for job in jobs:
                await connection.execute(outbox.update().where(self._held(job)).values(locked_until=None))

    async def complete(self, job: Job) -> None:
        await self._record_attempt(job, state=DONE, last_error=None)

    async def fail(self, job: Job, error: str) -> None:
        await self._record_attempt(job, state=FAILED, last_error=error[:2000])

    async def settle_failure(self, job: Job, error: AttemptFailed, policy: RetryPolicy) -> Optional[float]:
        """After a failed attempt: the job comes back after a delay (returned) while
        the error allows and attempts remain, else it has failed for good (None)."""
        if error.retryable and job.attempts + 1 < policy.max_attempts:
            delay = policy.delay(job.attempts, error.retry_after)
            await self.retry_later(job, delay, str(error))
            return delay
        await self.fail(job, str(error))
        return None

    async def retry_later(self, job: Job, delay_seconds: float, error: str) -> None:
        await self._record_attempt(
            job, next_attempt_at=utcnow() + timedelta(seconds=delay_seconds), last_error=error[:2000]
        )

    async def _record_attempt(self, job: Job, **values: object) -> None:
        """One more attempt made; the lease ends with it. Not recorded by a
        worker whose claim was taken over: the new holder records its own."""
        async with self._database.transaction() as connection:
            result = await connection.execute(
                outbox.update()
                .where(self._held(job))
                .values(attempts=job.attempts + 1, locked_until=None, updated_at=utcnow(), **values)
            )
        if result.rowcount != 1:
            logger.warning("outbox job %s (%s) was taken over; its outcome here is not recorded", job.id, job.kind)

    async def forget_done(self, before: datetime) -> int:
        """Delete jobs done before ``before`` (failed ones stay: they are listed for a person)."""
        async with self._database.transaction() as connection:
            result = await connection.execute(
                outbox.delete().where(outbox.c.state == DONE, outbox.c.updated_at < before)
            )
        return int(result.rowcount or 0)

    async def backlog(self, kind: str) -> int:
        async with self._database.engine.connect() as connection:
            return int(
                await connection.scalar(
                    sa.select(sa.func.count())
                    .select_from(outbox)
                    .where(outbox.c.kind == kind, outbox.c.state == PENDING)
                )
                or 0
            )
