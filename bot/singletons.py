"""Background work that must run in exactly one process at a time, however
many gateway replicas there are: the report-status poller, X mention polling,
the retention job.

On PostgreSQL the process that holds the work's advisory lock runs it. The
lock lives with that process's database session, so when the process dies
(or loses the database) the lock goes with it and another replica takes over
on its next round: no renewal, no lease to tune. On SQLite, which one process
uses at a time, the work simply runs here.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Awaitable, Callable, Optional, Protocol

import sqlalchemy as sa
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.store.database import Database

logger = logging.getLogger(__name__)


class Singletons(Protocol):
    async def holds(self, name: str) -> bool:
        """Whether this process runs ``name`` now (taking it over if nobody does)."""

    async def close(self) -> None:
        """Let every lock go (a stopping process hands its work over at once)."""


class OnlyProcess:
    """SQLite: this process is the only one."""

    async def holds(self, name: str) -> bool:
        return True

    async def close(self) -> None:
        return None


def lock_key(name: str) -> int:
    """PostgreSQL advisory locks are named by a 64-bit number."""
    return int.from_bytes(hashlib.sha256(f"dorpspomp:{name}".encode()).digest()[:8], "big", signed=True)


class AdvisoryLocks:
    """PostgreSQL: session-level advisory locks on one connection of this process."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self._connection: Optional[AsyncConnection] = None
        self._held: set[str] = set()

    async def holds(self, name: str) -> bool:
        try:
            connection = await self._session()
            if name not in self._held:
                taken = await connection.scalar(sa.select(sa.func.pg_try_advisory_lock(lock_key(name))))
                if taken:
                    self._held.add(name)
                    logger.info("this process now runs %s", name)
            # No transaction is left open between rounds; the lock is the session's.
            await connection.commit()
        except SQLAlchemyError:
            logger.warning("lost the database session of the singleton locks; trying again next round")
            await self.close()
            return False
        return name in self._held

    async def _session(self) -> AsyncConnection:
        """The session holding the locks, checked alive: a dead one held nothing."""
        if self._connection is not None:
            await self._connection.execute(sa.select(1))
            return self._connection
        self._connection = await self._database.engine.connect()
        return self._connection

    async def close(self) -> None:
        connection, self._connection = self._connection, None
        self._held.clear()
        if connection is None:
            return
        try:
            # The connection goes back to the pool: it must hold nothing there.
            await connection.execute(sa.select(sa.func.pg_advisory_unlock_all()))
            await connection.commit()
            await connection.close()
        except SQLAlchemyError:
            # A broken session: dropped, not pooled; the server lets its locks go.
            await connection.invalidate()


def create_singletons(database: Database) -> Singletons:
    return OnlyProcess() if database.is_sqlite else AdvisoryLocks(database)


def on_one_process(
    singletons: Singletons, name: str, step: Callable[[], Awaitable[object]]
) -> Callable[[], Awaitable[None]]:
    """``step`` as a round that runs only in the process holding ``name``."""

    async def round_() -> None:
        if await singletons.holds(name):
            await step()

    return round_
