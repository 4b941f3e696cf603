"""What every command of the ``dorpspomp`` command line is: a name, a help
line, its arguments and its handler, side by side in the module of its group."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import AsyncIterator, Awaitable, Callable

from bot.municipality import Municipality, load_municipality
from bot.settings import Settings
from bot.store import Database

Handler = Callable[[Settings, argparse.Namespace], None]
DatabaseHandler = Callable[[Settings, Municipality, Database, argparse.Namespace], Awaitable[None]]


def no_arguments(_: argparse.ArgumentParser) -> None:
    return None


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    run: Handler
    arguments: Callable[[argparse.ArgumentParser], None] = no_arguments
    # Needs Rasa: run in the engine's environment (Python 3.10), whichever
    # environment's ``dorpspomp`` was called.
    engine_env: bool = False


@contextlib.asynccontextmanager
async def migrated_database(settings: Settings) -> AsyncIterator[Database]:
    """The database with its schema up to date, closed afterwards."""
    database = Database(settings.database_url)
    try:
        await asyncio.to_thread(database.migrate)
        yield database
    finally:
        await database.close()


def with_database(handler: DatabaseHandler) -> Handler:
    """A handler that works on the database and the municipality's settings."""

    def run(settings: Settings, args: argparse.Namespace) -> None:
        async def work() -> None:
            async with migrated_database(settings) as database:
                await handler(settings, load_municipality(settings), database, args)

        asyncio.run(work())

    return run


def engine_python(settings: Settings) -> Path:
    """The engine environment's interpreter (Rasa lives there, not here)."""
    python = settings.engine_python
    if not python.exists():
        raise SystemExit(f"the engine environment is missing ({python}): 'make run' sets it up, or set ENGINE_PYTHON")
    return python
