"""What every platform webhook shares: bad input refused clearly, unknown events
ignored, stale replays refused, a restart mid-retry delivering exactly once,
and a channel without credentials left off while the others run."""

from __future__ import annotations

import logging

import pytest

from bot.store import Database
from tests.platform_payloads import (
    TELEGRAM_SECRET,
    body,
    messenger_batch,
    messenger_signature,
    messenger_text,
    telegram_text,
    x_direct_message,
    x_mention,
    x_signature,
)
from tests.platforms import Platforms, fake_platforms, platform_gateway, until
from tests.support import ScriptedEngine, returning_citizens

WEBHOOKS = {
    "x": ("/webhooks/x", lambda raw: {"x-twitter-webhooks-signature": x_signature(raw)}),
    "messenger": ("/webhooks/messenger", lambda raw: {"X-Hub-Signature-256": messenger_signature(raw)}),
    "telegram": ("/webhooks/telegram", lambda raw: {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}),
}
UNKNOWN_EVENTS = {
    "x": {"for_user_id": "1500000000000000001", "favorite_events": [{"id": "1", "favorited_status": {}}]},
    "messenger": {
        "object": "page",
        "entry": [
            {
                "id": "1",
                "time": 1,
                "messaging": [
                    {"sender": {"id": "p"}, "recipient": {"id": "1"}, "timestamp": 1, "read": {"watermark": 1}}
                ],
            }
        ],
    },
    "telegram": {"update_id": 1, "edited_message": {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}}},
}
STALE = {
    "x": x_mention("hoi", age_ms=3 * 24 * 3600 * 1000),
    "messenger": messenger_batch([{**messenger_text("p-old", "hoi"), "timestamp": 1_500_000_000_000}]),
    "telegram": {**telegram_text(6001, "hoi")},
}
STALE["telegram"]["message"] = {**STALE["telegram"]["message"], "date": 1_500_000_000}


async def post(platforms: Platforms, platform: str, raw: bytes) -> int:
    path, sign = WEBHOOKS[platform]
    response = await platforms.client.post(path, data=raw, headers={"Content-Type": "application/json", **sign(raw)})
    return response.status


@pytest.mark.parametrize("platform", WEBHOOKS)
async def test_malformed_json_is_400(platforms: Platforms, platform: str) -> None:
    assert await post(platforms, platform, b'{"object": "page", "entry": [') == 400
    assert await post(platforms, platform, b"[1, 2, 3]") == 400


@pytest.mark.parametrize("platform", WEBHOOKS)
async def test_an_oversize_body_is_413(platforms: Platforms, platform: str) -> None:
    assert await post(platforms, platform, b'{"pad": "' + b"x" * (1024 * 1024 + 1) + b'"}') == 413


@pytest.mark.parametrize("platform", WEBHOOKS)
async def test_unknown_event_types_are_acknowledged_and_ignored(platforms: Platforms, platform: str) -> None:
    assert await post(platforms, platform, body(UNKNOWN_EVENTS[platform])) == 200
    assert platforms.engine.calls == []


@pytest.mark.parametrize("platform", WEBHOOKS)
async def test_a_replayed_old_delivery_is_refused(platforms: Platforms, platform: str) -> None:
    assert await post(platforms, platform, body(STALE[platform])) == 403
    assert platforms.engine.calls == []


async def test_a_restart_during_a_retry_delivers_exactly_once(database_url: str, tmp_path) -> None:
    async with fake_platforms() as fakes:
        fakes.telegram.fail_next(1000, status=503, path_contains="sendMessage")
        async with platform_gateway(database_url, fakes, tmp_path) as client:
            await returning_citizens(database_url, "telegram", "6002")
            await client.post(
                "/webhooks/telegram",
                json=telegram_text(6002, "hoi"),
                headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
            )
            await until(lambda: sum(1 for _, path in fakes.telegram.requests if "sendMessage" in path) >= 2)
        # The gateway is gone with its answer still pending; the platform recovers.
        fakes.telegram.failures.clear()
        assert fakes.telegram.messages() == []
        async with platform_gateway(database_url, fakes, tmp_path):
            await until(lambda: len(fakes.telegram.messages()) == 2)
        assert [m["text"] for m in fakes.telegram.messages()] == ["Je zei: hoi", "Nog iets?"]


async def test_a_channel_without_credentials_is_off_and_the_others_run(
    tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="channels.credentials")
    engine = ScriptedEngine()
    async with fake_platforms() as fakes:
        database_url = f"sqlite:///{tmp_path / 'partial.sqlite3'}"
        async with platform_gateway(database_url, fakes, tmp_path, engine, TELEGRAM_BOT_TOKEN="") as client:
            assert (await client.post("/webhooks/telegram", json=telegram_text(6003, "hoi"))).status == 404
            await returning_citizens(database_url, "messenger", "p-on")
            raw = body(messenger_batch([messenger_text("p-on", "hoi")]))
            headers = {"X-Hub-Signature-256": messenger_signature(raw), "Content-Type": "application/json"}
            assert (await client.post("/webhooks/messenger", data=raw, headers=headers)).status == 200
            await until(lambda: len(fakes.graph.sent) == 2)
    [line] = [r.getMessage() for r in caplog.records if "telegram" in r.getMessage()]
    assert line == "channel telegram disabled: set TELEGRAM_BOT_TOKEN to enable it"


async def test_with_storage_gone_the_citizen_still_hears_an_apology(database_url: str, tmp_path) -> None:
    async with fake_platforms() as fakes, platform_gateway(database_url, fakes, tmp_path) as client:
        database = Database(database_url)
        async with database.transaction() as connection:
            for table in ("platform_messages", "deliveries", "message_flags", "messages"):
                await connection.exec_driver_sql(f"DROP TABLE {table}")
        await database.close()
        await client.post(
            "/webhooks/telegram",
            json=telegram_text(6004, "hoi"),
            headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET},
        )
        await until(lambda: fakes.telegram.messages())
    [apology] = fakes.telegram.messages()
    assert apology["chat_id"] == "6004" and "storing" in apology["text"]


WRONG_TYPES = {
    # Found by the fuzzing: a list where the platform documents a string reached storage.
    "telegram": telegram_text(6005, "hoi") | {"message": telegram_text(6005, "hoi")["message"] | {"text": ["hoi"]}},
    "messenger": messenger_batch(
        [
            messenger_text("p-type", "ja", quick_reply="/affirm")
            | {"message": {"mid": "m_1", "quick_reply": {"payload": {"x": 1}}}}
        ]
    ),
    "x": x_direct_message("hoi")
    | {
        "direct_message_events": [
            x_direct_message("hoi")["direct_message_events"][0] | {"created_timestamp": "1" + "0" * 30}
        ]
    },
}


@pytest.mark.parametrize("platform", WEBHOOKS)
async def test_fields_of_the_wrong_type_are_400_and_reach_nothing(platforms: Platforms, platform: str) -> None:
    assert await post(platforms, platform, body(WRONG_TYPES[platform])) == 400
    assert platforms.engine.calls == []
