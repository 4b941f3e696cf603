"""The outbox: durable work items that a worker claims, retries and finishes.

A job is written in the same transaction as the thing it is about (a report,
later an outgoing platform message), so nothing is promised to a citizen that
is not also queued. Workers in any number of processes claim a job with a
lease; a worker that dies mid-job leaves a lease that runs out, and another
worker picks the job up again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.clock import utcnow
from bot.retries import AttemptFailed, RetryPolicy
from bot.store.database import Database
from bot.store.tables import outbox

PENDING, DONE, FAILED = "pending", "done", "failed"


@dataclass(frozen=True)
class Job:
    id: int
    kind: str
    subject_id: str
    attempts: int


async def enqueue(connection: AsyncConnection, kind: str, subject_id: str) -> None:
    """Queue a job inside the caller's transaction."""
    now = utcnow()
    await connection.execute(
        outbox.insert().values(
            kind=kind,
            subject_id=subject_id,
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
        now = utcnow()
        async with self._database.engine.connect() as connection:
            rows = (
                await connection.execute(
                    sa.select(outbox.c.id, outbox.c.subject_id, outbox.c.attempts)
                    .where(
                        outbox.c.kind == kind,
                        outbox.c.state == PENDING,
                        outbox.c.next_attempt_at <= now,
                        sa.or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now),
                    )
                    .order_by(outbox.c.next_attempt_at)
                    .limit(limit)
                )
            ).all()
        claimed = []
        for row in rows:
            # Conditional update: of several workers seeing the same row, one wins.
            async with self._database.transaction() as connection:
                result = await connection.execute(
                    outbox.update()
                    .where(
                        outbox.c.id == row.id,
                        outbox.c.state == PENDING,
                        sa.or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now),
                    )
                    .values(locked_until=now + self._lease)
                )
            if result.rowcount == 1:
                claimed.append(Job(row.id, kind, row.subject_id, row.attempts))
        return claimed

    async def release(self, jobs: list[Job]) -> None:
        """Give back the leases of jobs this worker will not finish (it is
        stopping): another process may take them at once, not after the lease."""
        if not jobs:
            return
        async with self._database.transaction() as connection:
            await connection.execute(
                outbox.update()
                .where(outbox.c.id.in_([job.id for job in jobs]), outbox.c.state == PENDING)
                .values(locked_until=None)
            )

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
        """One more attempt made; the lease ends with it."""
        async with self._database.transaction() as connection:
            await connection.execute(
                outbox.update()
                .where(outbox.c.id == job.id)
                .values(attempts=job.attempts + 1, locked_until=None, updated_at=utcnow(), **values)
            )

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
