"""Web chat messages carry the widget's id: kept before the ack, answered once
however often they are sent again, and answered by another gateway when the
one that took them died (a scripted engine; the real widget in test_browser.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.clock import utcnow
from bot.gateway import CHANNELS, build_app
from bot.store import Database
from bot.store.inbox import PlatformInbox
from bot.store.tables import platform_inbox
from tests.conftest import make_settings
from tests.support import ScriptedEngine

ID = "5f1c0a9e2b7d4c3a8e6f1b2c3d4e5f60"


@pytest.fixture
def engine() -> ScriptedEngine:
    return ScriptedEngine()


@pytest.fixture
async def client(database_url: str, tmp_path, engine: ScriptedEngine):
    app = await build_app(make_settings(database_url, media_dir=tmp_path / "media"), engine)
    async with TestClient(TestServer(app)) as client:
        yield client


async def hello(client: TestClient, session: Any = None):
    socket = await client.ws_connect("/webchat/ws")
    await socket.send_json({"type": "hello", "session": session})
    greeting = await socket.receive_json(timeout=5)
    assert greeting["type"] == "session"
    return socket, greeting


async def frames_until_reply(socket, count: int) -> list[dict[str, Any]]:
    frames = []
    while len([f for f in frames if f["type"] == "reply"]) < count:
        frames.append(await socket.receive_json(timeout=5))
    return frames


async def test_a_message_is_acknowledged_once_kept_and_answered_once_however_often_it_comes(
    client: TestClient, engine: ScriptedEngine
) -> None:
    socket, greeting = await hello(client)
    await socket.send_json({"type": "message", "id": ID, "text": "hoi"})
    frames = await frames_until_reply(socket, 2)
    assert [f["type"] for f in frames] == ["ack", "typing", "reply", "reply"]
    assert frames[0] == {"type": "ack", "id": ID}
    await socket.close()

    # The ack was lost with the connection: the widget sends it again, twice.
    socket, _ = await hello(client, greeting["session"])
    for _ in range(2):
        await socket.send_json({"type": "message", "id": ID, "text": "hoi"})
        assert await socket.receive_json(timeout=5) == {"type": "ack", "id": ID}
    await socket.send_json({"type": "message", "id": "another-message-1", "text": "nog een vraag"})
    assert [f["type"] for f in await frames_until_reply(socket, 2)] == ["ack", "typing", "reply", "reply"]
    await socket.close()

    assert [message.text for _, message in engine.calls] == ["hoi", "nog een vraag"]
    _, last = await hello(client, greeting["session"])
    citizen = [(t.get("id"), t["text"]) for t in last["history"] if t["from"] == "citizen"]
    assert citizen == [(ID, "hoi"), ("another-message-1", "nog een vraag")]


async def test_an_id_counts_only_within_its_own_session(client: TestClient, engine: ScriptedEngine) -> None:
    first, _ = await hello(client)
    await first.send_json({"type": "message", "id": ID, "text": "van de eerste"})
    await frames_until_reply(first, 2)
    second, _ = await hello(client)
    await second.send_json({"type": "message", "id": ID, "text": "van de tweede"})
    frames = await frames_until_reply(second, 2)
    assert frames[2]["text"] == "Je zei: van de tweede"
    assert [message.text for _, message in engine.calls] == ["van de eerste", "van de tweede"]


@pytest.mark.parametrize("bad", ["short", "x" * 65, "../../etc", 12345678, "id with spaces"])
async def test_malformed_ids_are_refused_and_nothing_is_kept(client: TestClient, engine: ScriptedEngine, bad) -> None:
    socket, _ = await hello(client)
    await socket.send_json({"type": "message", "id": bad, "text": "hoi"})
    answer = await socket.receive_json(timeout=5)
    assert answer["type"] == "error" and "id must be" in answer["error"]
    assert engine.calls == []


async def test_a_message_whose_gateway_died_before_answering_is_answered_by_another(
    client: TestClient, engine: ScriptedEngine, database_url: str
) -> None:
    socket, greeting = await hello(client)
    conversation_id = greeting["session"].split(".")[0]
    # What a gateway killed right after its ack leaves: the message kept, unanswered, its lease running out.
    database = Database(database_url)
    try:
        frame = {"type": "message", "id": ID, "text": "was er iemand?"}
        dying = PlatformInbox(database, lease=timedelta(0))
        assert (
            await dying.accept(
                "webchat",
                f"{conversation_id}:{ID}",
                conversation_id,
                {"conversation_id": conversation_id, "frame": frame},
            )
            is not None
        )
        # The widget had its ack and does not send it again; this gateway's recovery round answers.
        assert await client.app[CHANNELS].get("webchat").recover() == 1
        replies = [await socket.receive_json(timeout=5) for _ in range(2)]
        assert [r["text"] for r in replies] == ["Je zei: was er iemand?", "Nog iets?"]
        assert await client.app[CHANNELS].get("webchat").recover() == 0, "answered: not again"
        # Had the widget not had its ack, sending it now changes nothing.
        await socket.send_json(frame)
        assert await socket.receive_json(timeout=5) == {"type": "ack", "id": ID}
        assert [message.text for _, message in engine.calls] == ["was er iemand?"]
    finally:
        await database.close()


async def test_a_message_answered_just_before_its_gateway_died_is_not_answered_again(
    client: TestClient, engine: ScriptedEngine, database_url: str
) -> None:
    socket, _ = await hello(client)
    await socket.send_json({"type": "message", "id": ID, "text": "hoi"})
    await frames_until_reply(socket, 2)
    # Killed after the answer was kept and sent, before the receipt was marked answered.
    database = Database(database_url)
    try:
        async with database.transaction() as connection:
            await connection.execute(
                platform_inbox.update().values(answered_at=None, claimed_until=utcnow() - timedelta(seconds=1))
            )
    finally:
        await database.close()
    assert await client.app[CHANNELS].get("webchat").recover() == 1
    assert await client.app[CHANNELS].get("webchat").recover() == 0
    assert [message.text for _, message in engine.calls] == ["hoi"]
