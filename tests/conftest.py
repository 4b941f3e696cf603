"""Fixtures: real databases, a trained model, real gateway processes."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, AsyncIterator, Iterator

import pytest
import sqlalchemy as sa
from hypothesis import settings as hypothesis_settings

from bot.settings import Settings
from bot.store import Database
from bot.throttle import KEY_PREFIX as RATE_KEY_PREFIX
from tests.fake_backends import FakeSignalen
from tests.support import (
    ACTION_TOKEN,
    REDIS_URL,
    ROOT,
    ScriptedEngine,
    Service,
    s3_settings,
    scratch_postgres_database,
    start_action_server,
    start_engine_side,
    start_gateway,
    start_s3_server,
    trained_model_for,
)

if TYPE_CHECKING:
    from playwright.async_api import Browser

    from tests.fake_engine import FakeEngine

# `make test` (and CI) explores the same examples every run: a failure there is
# a failure, never luck. `make fuzz` explores new ones, many more of them.
hypothesis_settings.register_profile("ci", derandomize=True, max_examples=100, print_blob=True)
hypothesis_settings.register_profile("fuzz", derandomize=False, max_examples=2000, print_blob=True)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REST_TOKEN = "test-rest-token"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def make_settings(database_url: str, **overrides: object) -> Settings:
    settings = Settings(
        root=ROOT,
        host="127.0.0.1",
        port=0,
        database_url=database_url,
        redis_url=None,
        action_endpoint=None,
        model_dir=ROOT / "models",
        profile_path=ROOT / "municipality.yml",
        rest_token=REST_TOKEN,
        session_secret="test-session-secret",
        engine_timeout=2.0,
        public_url="http://localhost",
        action_token=ACTION_TOKEN,
    )
    return dataclasses.replace(settings, **overrides)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A SQLite file and a scratch PostgreSQL database, without a schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.sqlite3'}"
    else:
        with scratch_postgres_database() as url:
            yield url


@dataclasses.dataclass(frozen=True)
class MigratedTemplates:
    sqlite_file: Path
    postgres_database: str


@pytest.fixture(scope="session")
def migrated_templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedTemplates]:
    """The schema migrated once per run; each test gets a copy (a file copy, or
    PostgreSQL's CREATE DATABASE … TEMPLATE), not a migration of its own."""
    sqlite_file = tmp_path_factory.mktemp("template") / "template.sqlite3"
    Database(f"sqlite:///{sqlite_file}").migrate()
    with scratch_postgres_database() as url:
        Database(url).migrate()
        yield MigratedTemplates(sqlite_file, sa.engine.make_url(url).database or "")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_templates: MigratedTemplates
) -> Iterator[str]:
    """Each storage test runs on a SQLite file and on a scratch PostgreSQL
    database, both with the schema of the newest migration."""
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(migrated_templates.sqlite_file, path)
        yield f"sqlite:///{path}"
    else:
        with scratch_postgres_database(migrated_templates.postgres_database) as url:
            yield url


@pytest.fixture
async def database(database_url: str) -> AsyncIterator[Database]:
    """The migrated database of :func:`database_url`, closed afterwards."""
    database = Database(database_url)
    yield database
    await database.close()


@pytest.fixture
async def signalen() -> AsyncIterator[FakeSignalen]:
    """A local server speaking Signalen's public API."""
    server = FakeSignalen()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture(scope="session", autouse=True)
def fresh_rate_limits() -> None:
    """Rate limits start from nothing: counts an earlier run left in the shared
    Redis (a window lasts up to an hour) must not refuse this run's citizens."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        for key in client.scan_iter(f"{RATE_KEY_PREFIX}*"):
            client.delete(key)
    finally:
        client.close()


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A local S3-compatible object store (moto in server mode), for the whole run."""
    server = start_s3_server(tmp_path_factory.mktemp("s3") / "moto.log")
    yield server
    server.stop()


@pytest.fixture
def s3_env(s3_server: Service) -> dict[str, str]:
    """The settings of a new bucket of its own on the local object store."""
    return s3_settings(s3_server, "voorbeeldstad")


@pytest.fixture(scope="session")
def trained_model() -> Path:
    """The model for the current training data, trained (in the engine's
    environment, where Rasa is) once if it is missing."""
    return trained_model_for(ROOT)


@pytest.fixture(scope="session")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    service = start_action_server(tmp_path_factory.mktemp("actions") / "actions.log")
    yield service
    service.stop()


@pytest.fixture(scope="session", params=["sqlite+memory", "postgresql+redis"])
def gateway(
    request: pytest.FixtureRequest,
    trained_model: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Service]:
    """The real gateway and its action server on free ports, once per storage configuration."""
    folder = tmp_path_factory.mktemp("gateway")
    env = {
        "DORPSPOMP_REST_TOKEN": REST_TOKEN,
        "DORPSPOMP_SECRET": "test-session-secret",
        "MODEL_DIR": str(trained_model.parent),
        "MEDIA_DIR": str(folder / "media"),
        "REDIS_URL": "",
        # Road works without dates, so answers do not change with the day the tests run.
        "ROADWORKS_FEED": str(ROOT / "tests" / "data" / "roadworks.geojson"),
    }
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite+memory":
            env["DATABASE_URL"] = f"sqlite:///{folder / 'gateway.sqlite3'}"
        else:
            env["DATABASE_URL"] = stack.enter_context(scratch_postgres_database())
            env["REDIS_URL"] = REDIS_URL
        engine = start_engine_side(stack, folder, env)
        service = start_gateway(folder / "gateway.log", {**env, **engine})
        stack.callback(service.stop)
        yield service


@pytest.fixture
async def browser() -> AsyncIterator["Browser"]:
    """Debian's headless Chromium; no tool may download a browser of its own."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        await browser.close()


@pytest.fixture
def fake_engine() -> Iterator["FakeEngine"]:
    """A local server speaking the engine service's API, on a thread of its own,
    for a gateway process whose engine a test controls."""
    from tests.fake_engine import running_fake_engine

    yield from running_fake_engine()


@pytest.fixture
async def citizen(gateway: Service) -> AsyncIterator["Citizen"]:
    """A new citizen at the real gateway's REST channel."""
    import aiohttp

    from tests.citizens import Citizen

    async with aiohttp.ClientSession() as session:
        yield Citizen(session, gateway)


@pytest.fixture
async def platforms(database_url: str, tmp_path: Path) -> AsyncIterator["Platforms"]:
    """The gateway with X, Messenger and Telegram against local fakes: on SQLite
    and on PostgreSQL with Redis."""
    from tests.platforms import Platforms, fake_platforms, platform_gateway

    redis_url = REDIS_URL if database_url.startswith("postgresql") else None
    engine = ScriptedEngine()
    async with fake_platforms() as fakes:
        async with platform_gateway(database_url, fakes, tmp_path, engine, redis_url) as client:
            yield Platforms(client, fakes, engine, database_url)


LEFTOVER_THREADS = pytest.StashKey[list[str]]()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """A thread that is no daemon and still runs after the last test would keep
    the interpreter from exiting, and CI would wait for its time-out without a
    word: name it and fail instead."""
    import threading

    leftover = [t for t in threading.enumerate() if not t.daemon and t is not threading.main_thread()]
    for thread in leftover:
        thread.join(timeout=10)
    stuck = [thread.name for thread in leftover if thread.is_alive()]
    if stuck:
        session.config.stash[LEFTOVER_THREADS] = stuck
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    stuck = config.stash.get(LEFTOVER_THREADS, [])
    if stuck:
        import faulthandler
        import os
        import sys

        faulthandler.dump_traceback(file=sys.stderr, all_threads=True)
        print(f"\nthreads still running after the last test: {', '.join(stuck)}", file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(int(pytest.ExitCode.TESTS_FAILED))


# A test that needs these is an integration test (a trained model, real processes)
# or a browser test, whatever its module says: `make test-fast` leaves it out.
INTEGRATION_FIXTURES = frozenset({"trained_model", "action_server", "gateway", "citizen"})
BROWSER_FIXTURES = frozenset({"browser"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & INTEGRATION_FIXTURES:
            item.add_marker(pytest.mark.integration)
        if fixtures & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
