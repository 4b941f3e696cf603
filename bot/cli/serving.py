"""Starting Dorpspomp: the gateway alone, the engine service alone, or both
with the action server as ``make run`` does; the schema."""

from __future__ import annotations

import argparse
import asyncio
import signal
import subprocess
import time
import urllib.request
from typing import Callable, Optional
from urllib.parse import urlsplit

from bot.children import ending_with_this_process
from bot.cli.command import Command, engine_python, migrated_database
from bot.exiting import exit_soon
from bot.logs import importing_quietly
from bot.settings import Settings, load_or_create_secret
from bot.store import Database
from bot.webcare.staff import StaffStore

# Loading the model takes 10 to 20 s on two cores; a slow disk or a busy machine more.
ENGINE_START_SECONDS = 300


def _serve(settings: Settings, announce: Callable[[], None] = lambda: None) -> None:
    """The gateway until SIGINT or SIGTERM; ``announce`` once it listens."""
    import uvloop
    from aiohttp import web

    from bot.gateway import build_app

    # The gateway's many small awaits (SQL, the engine service, platforms) are
    # noticeably cheaper on uvloop.
    uvloop.install()
    web.run_app(
        build_app(settings),
        host=settings.host,
        port=settings.port,
        print=lambda _: announce(),
        # Requests still in flight when it stops get this long to finish.
        shutdown_timeout=settings.shutdown_seconds,
    )


def _engine_side(settings: Settings, action_endpoint: str) -> list[subprocess.Popen[bytes]]:
    """The action server and the engine service, in the engine's environment."""
    python = engine_python(settings)
    port = urlsplit(action_endpoint).port or 5055
    commands = ([str(python), "-m", "actions.server", "--port", str(port)], [str(python), "-m", "bot.cli", "engine"])
    return [subprocess.Popen(command, cwd=settings.root, preexec_fn=ending_with_this_process()) for command in commands]


def _wait_for_engine(settings: Settings, processes: list[subprocess.Popen[bytes]]) -> None:
    """Until the engine service answers (its model loaded), so that the first
    citizen after the URL is printed gets an answer, not an apology."""
    deadline = time.monotonic() + ENGINE_START_SECONDS
    while time.monotonic() < deadline:
        if any(process.poll() is not None for process in processes):
            raise SystemExit("the engine service or the action server stopped while starting; see above")
        try:
            with urllib.request.urlopen(settings.engine_url + "/healthz", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"the engine service did not answer within {ENGINE_START_SECONDS} s")


async def _staff_count(settings: Settings) -> int:
    async with migrated_database(settings) as database:
        return await StaffStore(database).count()


async def _development_admin(settings: Settings) -> Optional[str]:
    """On a database without staff, an admin "beheer" whose password is kept in
    ``var/webcare_password``, so a new user can open the inbox at once."""
    async with migrated_database(settings) as database:
        store = StaffStore(database)
        path = settings.root / "var" / "webcare_password"
        if await store.count() == 0:
            await store.add("beheer", "Beheerder Demo", "admin", load_or_create_secret(path), initials="BD")
        return path.read_text().strip() if path.exists() else None


def _require_staff_in_production(settings: Settings) -> None:
    """Production never makes an account by itself: an admin is set up on purpose."""
    if settings.production and asyncio.run(_staff_count(settings)) == 0:
        raise SystemExit(
            "DORPSPOMP_ENV=production and no staff accounts: create the first admin with "
            "'dorpspomp users add USERNAME --name \"Full Name\" --role admin' before starting"
        )


def run(settings: Settings, args: argparse.Namespace) -> None:
    """Action server, engine service and gateway together, as ``make run`` starts them."""
    if not settings.action_endpoint:
        raise SystemExit("ACTION_ENDPOINT is empty: 'dorpspomp run' starts the action server there")
    _require_staff_in_production(settings)
    password = None if settings.production else asyncio.run(_development_admin(settings))
    # Until the gateway's event loop takes SIGTERM over, it must still end in
    # the finally below, or the engine's processes would outlive this one.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    engine_side = _engine_side(settings, settings.action_endpoint)

    def announce() -> None:
        print(f"\nDorpspomp: open {settings.public_url}", flush=True)
        if not settings.production:
            print(f"Development REST token: {settings.rest_token}", flush=True)
        if password:
            print(f"Webcare inbox: {settings.public_url}/webcare (user 'beheer', password {password})", flush=True)
        print(flush=True)

    try:
        _wait_for_engine(settings, engine_side)
        _serve(settings, announce)
    finally:
        _stop(engine_side)
        exit_soon()


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=10)


def serve(settings: Settings, args: argparse.Namespace) -> None:
    _require_staff_in_production(settings)
    _serve(settings)
    exit_soon()


def engine(settings: Settings, args: argparse.Namespace) -> None:
    with importing_quietly():
        from bot.engine.service import serve as serve_engine

    serve_engine(settings)
    exit_soon()


def migrate(settings: Settings, args: argparse.Namespace) -> None:
    Database(settings.database_url).migrate()


COMMANDS = (
    Command("run", "start the action server, the engine service and the gateway", run),
    Command("serve", "start the gateway only", serve),
    Command("engine", "start the engine service only (Rasa, private)", engine, engine_env=True),
    Command("migrate", "bring the database schema up to date", migrate),
)
