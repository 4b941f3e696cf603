"""Nothing a platform delivered is lost: a delivery is kept before it is
acknowledged, refused when it cannot be kept (so the platform delivers it
again), and a kept message whose answer died with its process is answered
by the recovery round, once, with an apology when it waited long."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
import sqlalchemy as sa

from bot.clock import utcnow
from bot.gateway import CHANNELS
from bot.municipality import load_municipality
from bot.settings import Settings
from bot.store import Database
from bot.store.inbox import PlatformInbox
from bot.store.tables import platform_inbox
from tests.fake_engine import FakeEngine
from tests.platform_payloads import TELEGRAM_SECRET, telegram_text
from tests.platforms import Platforms, fake_platforms, until
from tests.support import ROOT, start_gateway

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
LATE_ANSWER = load_municipality(Settings.from_env({"DORPSPOMP_HOME": str(ROOT)})).profile.texts["late_answer"]


def sent_to(platforms: Platforms, chat_id: int) -> list[str]:
    return [m["text"] for m in platforms.fakes.telegram.messages() if m["chat_id"] == str(chat_id)]


async def test_a_delivery_that_cannot_be_kept_is_not_acknowledged(platforms: Platforms) -> None:
    engine = sa.create_engine(platforms.database_url)
    with engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE platform_inbox"))
    engine.dispose()
    response = await platforms.client.post("/webhooks/telegram", json=telegram_text(6001, "hoi"), headers=HEADERS)
    assert response.status == 500  # the platform will deliver it again
    assert platforms.engine.calls == []


async def test_a_message_a_dead_process_kept_is_answered_once_with_an_apology(platforms: Platforms) -> None:
    await platforms.returning("telegram", "6002")
    update = telegram_text(6002, "is het stadhuis open?")
    telegram = platforms.client.app[CHANNELS].platforms["telegram"]
    [event] = telegram.events(update)
    message = event.message
    # Kept by a process that died before answering, ten minutes ago.
    database = Database(platforms.database_url)
    try:
        dead = PlatformInbox(database, lease=timedelta(seconds=-1))
        kept = await dead.accept("telegram", message.platform_message_id, message.sender, event.to_json())
        assert kept is not None
        async with database.transaction() as connection:
            await connection.execute(
                platform_inbox.update()
                .where(platform_inbox.c.id == kept.id)
                .values(received_at=utcnow() - timedelta(minutes=10))
            )
    finally:
        await database.close()

    # The gateway's own recovery round comes every few seconds; this one need not wait for it.
    await telegram.recover()
    await until(lambda: len(sent_to(platforms, 6002)) == 3)
    apology, answer, _ = sent_to(platforms, 6002)
    assert apology in LATE_ANSWER and answer == "Je zei: is het stadhuis open?"
    assert await telegram.recover() == 0

    # The platform delivers it again (it never heard a 200 from the dead process):
    # acknowledged, not answered twice.
    response = await platforms.client.post("/webhooks/telegram", json=update, headers=HEADERS)
    assert response.status == 200
    await platforms.client.post("/webhooks/telegram", json=telegram_text(6002, "dank je"), headers=HEADERS)
    await until(lambda: len(sent_to(platforms, 6002)) == 5)
    assert sent_to(platforms, 6002).count("Je zei: is het stadhuis open?") == 1
    assert len(platforms.engine.calls) == 2


@pytest.mark.integration
async def test_a_gateway_killed_right_after_acknowledging_loses_nothing(
    tmp_path: Path, fake_engine: FakeEngine
) -> None:
    """The case from the field: Telegram got its 200, the process was killed
    before answering. The restarted gateway answers the message, once, and
    a redelivery of it is not answered again."""
    engine = fake_engine
    async with fake_platforms() as fakes:
        env = {
            **fakes.env(),
            **engine.env,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.sqlite3'}",
            "REDIS_URL": "",
            "MEDIA_DIR": str(tmp_path / "media"),
            "DORPSPOMP_REST_TOKEN": "rest",
            "DORPSPOMP_SECRET": "secret",
            # A killed process holds nothing for long: the restarted one takes over.
            "INBOX_LEASE_SECONDS": "1",
        }
        update = telegram_text(7001, "hoi")
        engine.holding = True  # the first gateway never gets its answer
        # Started from threads: the fake Telegram on this loop must answer getMe meanwhile.
        first = await asyncio.to_thread(start_gateway, tmp_path / "first.log", env)
        async with aiohttp.ClientSession() as http:
            async with http.post(first.url + "/webhooks/telegram", json=update, headers=HEADERS) as response:
                assert response.status == 200
            # Killed while the engine thinks: the message is stored, its answer is not.
            await until(lambda: engine.received)
            first.process.kill()
            first.process.wait()
            engine.holding = False

            second = await asyncio.to_thread(start_gateway, tmp_path / "second.log", env)
            try:

                def answers(text: str) -> int:
                    return [m["text"] for m in fakes.telegram.messages() if m["chat_id"] == "7001"].count(text)

                await until(lambda: answers("Je zei: hoi") == 1, timeout=60)
                async with http.post(second.url + "/webhooks/telegram", json=update, headers=HEADERS) as again:
                    assert again.status == 200
                later = telegram_text(7001, "nog iets")
                async with http.post(second.url + "/webhooks/telegram", json=later, headers=HEADERS) as response:
                    assert response.status == 200
                await until(lambda: answers("Je zei: nog iets") == 1, timeout=60)
                assert answers("Je zei: hoi") == 1
                # Stored once, although two processes began to answer it.
                database = sa.create_engine(env["DATABASE_URL"])
                with database.connect() as connection:
                    said = connection.execute(
                        sa.text("SELECT text FROM messages WHERE direction = 'in' ORDER BY id")
                    ).scalars()
                    assert list(said) == ["hoi", "nog iets"]
                database.dispose()
            finally:
                await asyncio.to_thread(second.stop)
