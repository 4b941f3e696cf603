"""A gateway with every platform channel, pointed at local fake platforms."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import AsyncIterator, Callable, Optional

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from bot.clock import utcnow
from bot.gateway import SENDER, build_app
from bot.retries import RetryPolicy
from bot.store import Database
from bot.store.tables import messages
from tests.conftest import make_settings
from tests.fake_platforms import FakeGraph, FakeTelegram, FakeX
from tests.platform_payloads import (
    INSTAGRAM_APP_SECRET,
    MESSENGER_APP_SECRET,
    MESSENGER_VERIFY_TOKEN,
    TELEGRAM_SECRET,
    WHATSAPP_APP_SECRET,
    WHATSAPP_NUMBER_ID,
    WHATSAPP_VERIFY_TOKEN,
    X_ACCOUNT_ID,
    X_CONSUMER_SECRET,
)
from tests.support import ScriptedEngine, returning_citizens

# Short retries: the tests wait for outcomes, never for a fixed time.
FAST_RETRIES = RetryPolicy(base_seconds=0.05, cap_seconds=0.5, max_attempts=10)


@dataclass
class Platforms:
    """What a platform test works with: the gateway's client, the fakes, the engine."""

    client: TestClient
    fakes: "Fakes"
    engine: ScriptedEngine
    database_url: str

    async def returning(self, channel: str, *senders: str) -> None:
        await returning_citizens(self.database_url, channel, *senders)


@dataclass
class Fakes:
    telegram: FakeTelegram
    graph: FakeGraph
    x: FakeX

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "X_CONSUMER_KEY": "x-consumer-key",
            "X_CONSUMER_SECRET": X_CONSUMER_SECRET,
            "X_ACCESS_TOKEN": "x-access-token",
            "X_ACCESS_TOKEN_SECRET": "x-access-token-secret",
            "X_USER_ID": X_ACCOUNT_ID,
            "X_API_URL": self.x.url,
            "MESSENGER_APP_SECRET": MESSENGER_APP_SECRET,
            "MESSENGER_PAGE_TOKEN": self.graph.page_token,
            "MESSENGER_VERIFY_TOKEN": MESSENGER_VERIFY_TOKEN,
            "MESSENGER_GRAPH_URL": self.graph.url,
            # The local Graph fake serves the photos too.
            "MESSENGER_MEDIA_HOSTS": "127.0.0.1",
            "INSTAGRAM_APP_SECRET": INSTAGRAM_APP_SECRET,
            "INSTAGRAM_PAGE_TOKEN": self.graph.page_token,
            "INSTAGRAM_VERIFY_TOKEN": "instagram-verify-token",
            "INSTAGRAM_GRAPH_URL": self.graph.url,
            "INSTAGRAM_MEDIA_HOSTS": "127.0.0.1",
            "WHATSAPP_APP_SECRET": WHATSAPP_APP_SECRET,
            "WHATSAPP_ACCESS_TOKEN": self.graph.whatsapp_token,
            "WHATSAPP_VERIFY_TOKEN": WHATSAPP_VERIFY_TOKEN,
            "WHATSAPP_PHONE_NUMBER_ID": WHATSAPP_NUMBER_ID,
            "WHATSAPP_GRAPH_URL": self.graph.url,
            "WHATSAPP_MEDIA_HOSTS": "127.0.0.1",
            "TELEGRAM_BOT_TOKEN": self.telegram.token,
            "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "TELEGRAM_API_URL": self.telegram.url,
            **extra,
        }


@contextlib.asynccontextmanager
async def fake_platforms() -> AsyncIterator[Fakes]:
    fakes = Fakes(FakeTelegram(), FakeGraph(), FakeX())
    for fake in (fakes.telegram, fakes.graph, fakes.x):
        await fake.start()
    try:
        yield fakes
    finally:
        for fake in (fakes.telegram, fakes.graph, fakes.x):
            await fake.stop()


@contextlib.asynccontextmanager
async def platform_gateway(
    database_url: str,
    fakes: Fakes,
    tmp_path: Path,
    engine: Optional[ScriptedEngine] = None,
    redis_url: Optional[str] = None,
    **env: str,
) -> AsyncIterator[TestClient]:
    settings = make_settings(
        database_url, media_dir=tmp_path / "media", platforms=fakes.env(**env), redis_url=redis_url
    )
    app: web.Application = await build_app(settings, engine or ScriptedEngine())
    app[SENDER].policy = FAST_RETRIES
    async with TestClient(TestServer(app)) as client:
        yield client


async def silence(platforms: Platforms, conversation_id: str, hours: float) -> None:
    """As if the citizen last wrote ``hours`` ago: the platforms' messaging windows count from then."""
    database = Database(platforms.database_url)
    async with database.transaction() as connection:
        await connection.execute(
            messages.update()
            .where(messages.c.conversation_id == conversation_id)
            .values(created_at=utcnow() - timedelta(hours=hours))
        )
    await database.close()


async def until(condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Wait for background work (answering, the outbox) to show its outcome;
    ``condition`` may be a coroutine function."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await _holds(condition):
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


async def _holds(condition: Callable[[], object]) -> bool:
    outcome = condition()
    return bool(await outcome if asyncio.iscoroutine(outcome) else outcome)
