"""Connections to the SQL database and its migrations.

One URL configures both: ``sqlite:///path`` or ``postgresql://…``. The running
application talks through an async driver (aiosqlite, asyncpg); Alembic
migrates through the matching sync driver before the application starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from pathlib import Path
from typing import Any, AsyncIterator

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool

MIGRATIONS = Path(__file__).parent / "migrations"
logger = logging.getLogger(__name__)


_ASYNC_DRIVERS = {"sqlite": "sqlite+aiosqlite", "postgresql": "postgresql+asyncpg"}
# SQLAlchemy's default PostgreSQL driver: psycopg 3 for the gateway's SQLAlchemy 2,
# psycopg2 for the 1.4 that Rasa's environment keeps (pyproject.toml's extras).
_SYNC_DRIVERS = {"sqlite": "sqlite", "postgresql": "postgresql"}


def _backend(url: URL) -> str:
    backend = url.get_backend_name()
    if backend == "postgres":
        backend = "postgresql"
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database {backend!r}: use sqlite:/// or postgresql://")
    return backend


def _with_driver(database_url: str, drivers: dict[str, str]) -> URL:
    url = make_url(database_url.replace("postgres://", "postgresql://", 1))
    return url.set(drivername=drivers[_backend(url)])


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Foreign keys are off by default. The busy timeout makes a writer wait for
    # another (the gateway, for a CLI command) instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def inserted_id(result: sa.engine.CursorResult) -> int:
    """The primary key of the row an INSERT made."""
    key = result.inserted_primary_key
    assert key is not None  # an INSERT of one row always has one
    return int(key[0])


class Database:
    """The async engine of the application, created from one database URL."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        async_url = _with_driver(database_url, _ASYNC_DRIVERS)
        self.is_sqlite = async_url.get_backend_name() == "sqlite"
        if self.is_sqlite and async_url.database:
            Path(async_url.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLAlchemy 1.4 gives aiosqlite file databases a NullPool: a new connection
        # (and thread) per statement. A real pool makes a query ten times cheaper.
        pool = {"poolclass": AsyncAdaptedQueuePool} if self.is_sqlite else {}
        # Parameters are citizens' words: an error's message must not repeat them.
        self.engine: AsyncEngine = create_async_engine(async_url, future=True, hide_parameters=True, **pool)
        # Every aiosqlite connection opened, so that close() reaches them all.
        self._sqlite_connections: "weakref.WeakSet[Any]" = weakref.WeakSet()
        if self.is_sqlite:
            sa.event.listen(self.engine.sync_engine, "connect", _enable_sqlite_pragmas)
            sa.event.listen(self.engine.sync_engine, "do_connect", self._open_sqlite)
        self._write_lock = asyncio.Lock() if self.is_sqlite else None

    @contextlib.asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction. SQLite allows one writer at a time; queueing writers
        here, instead of in SQLite's busy handler (which sleeps and polls), keeps
        latency flat under concurrent conversations."""
        async with contextlib.AsyncExitStack() as stack:
            if self._write_lock is not None:
                await stack.enter_async_context(self._write_lock)
            yield await stack.enter_async_context(self.engine.begin())

    def migrate(self) -> None:
        """Bring the schema to the newest revision (blocking; call before serving)."""
        sync_engine = sa.create_engine(_with_driver(self.url, _SYNC_DRIVERS), future=True, hide_parameters=True)
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        try:
            with sync_engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    # Several gateway processes may start at once; one migrates.
                    connection.execute(sa.text("SELECT pg_advisory_xact_lock(4242001)"))
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
            if sync_engine.dialect.name == "sqlite":
                # WAL lets readers go on while a write commits, and it stays with
                # the file. Switching needs the file to itself, so it happens here,
                # before anything else opens it: connections that switched it as
                # they opened beside a running gateway failed now and then with
                # "database is locked" (CI runs).
                with sync_engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        finally:
            sync_engine.dispose()

    async def ping(self) -> None:
        async with self.engine.connect() as connection:
            await connection.execute(sa.text("SELECT 1"))

    def _open_sqlite(self, dialect: Any, _record: object, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> Any:
        """Opens a connection as SQLAlchemy would, and remembers it before the
        pool's first-connect and pragma steps, where a cancelled task drops it."""
        connection = dialect.connect(*cargs, **cparams)
        self._sqlite_connections.add(connection.driver_connection)
        return connection

    async def close(self) -> None:
        await self.engine.dispose()
        # A task cancelled while the pool opened a connection for it (a worker
        # stopped as the gateway shuts down) leaves that connection outside the
        # pool, where dispose() cannot reach it. Its aiosqlite thread is no
        # daemon: left running, it keeps the process from ever exiting.
        for connection in list(self._sqlite_connections):
            try:
                await connection.close()  # returns at once when already closed
            except Exception:
                logger.warning("a leftover SQLite connection did not close cleanly", exc_info=True)
