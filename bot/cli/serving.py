"""Starting Dorpspomp: the gateway alone, the engine service alone, or both
with the action server as ``make run`` does; the schema."""

from __future__ import annotations

import argparse
import asyncio
import subprocess
from typing import Optional
from urllib.parse import urlsplit

from bot.cli.command import Command, engine_python, migrated_database
from bot.settings import Settings, load_or_create_secret
from bot.store import Database
from bot.webcare.staff import StaffStore


def _serve(settings: Settings) -> None:
    import uvloop
    from aiohttp import web

    from bot.gateway import build_app

    # Rasa's own server runs on uvloop too; the engine's many small awaits are
    # noticeably cheaper on it.
    uvloop.install()
    web.run_app(build_app(settings), host=settings.host, port=settings.port, print=None)


def _engine_side(settings: Settings, action_endpoint: str) -> list[subprocess.Popen[bytes]]:
    """The action server and the engine service, in the engine's environment."""
    python = engine_python(settings)
    port = urlsplit(action_endpoint).port or 5055
    return [
        subprocess.Popen([str(python), "-m", "actions.server", "--port", str(port)], cwd=settings.root),
        subprocess.Popen([str(python), "-m", "bot.cli", "engine"], cwd=settings.root),
    ]


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
    engine_side = _engine_side(settings, settings.action_endpoint)
    print(f"\nDorpspomp: open {settings.public_url}", flush=True)
    if not settings.production:
        print(f"Development REST token: {settings.rest_token}", flush=True)
    if password:
        print(f"Webcare inbox: {settings.public_url}/webcare (user 'beheer', password {password})", flush=True)
    print(flush=True)
    try:
        _serve(settings)
    finally:
        for process in engine_side:
            process.terminate()
        for process in engine_side:
            process.wait(timeout=10)


def serve(settings: Settings, args: argparse.Namespace) -> None:
    _require_staff_in_production(settings)
    _serve(settings)


def engine(settings: Settings, args: argparse.Namespace) -> None:
    from bot.engine.service import serve as serve_engine

    serve_engine(settings)


def migrate(settings: Settings, args: argparse.Namespace) -> None:
    Database(settings.database_url).migrate()


COMMANDS = (
    Command("run", "start the action server, the engine service and the gateway", run),
    Command("serve", "start the gateway only", serve),
    Command("engine", "start the engine service only (Rasa, private)", engine, engine_env=True),
    Command("migrate", "bring the database schema up to date", migrate),
)
