"""The web chat websocket with a scripted engine: sessions, history, forgeries, bad frames."""
from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.gateway import build_app
from tests.conftest import make_settings
from tests.support import ScriptedEngine


@pytest.fixture
async def client(tmp_path):
    app = await build_app(make_settings(f"sqlite:///{tmp_path / 'ws.sqlite3'}"), ScriptedEngine())
    async with TestClient(TestServer(app)) as client:
        yield client


async def hello(client: TestClient, session=None):
    socket = await client.ws_connect("/webchat/ws")
    await socket.send_json({"type": "hello", "session": session})
    greeting = await socket.receive_json(timeout=5)
    assert greeting["type"] == "session"
    return socket, greeting


async def test_conversation_survives_a_reconnect(client: TestClient) -> None:
    socket, greeting = await hello(client)
    assert greeting["history"] == []
    await socket.send_json({"type": "message", "text": "hoi"})
    assert (await socket.receive_json(timeout=5))["type"] == "typing"
    first = await socket.receive_json(timeout=5)
    assert first == {"type": "reply", "text": "Je zei: hoi", "buttons": [{"title": "Ja", "payload": "/affirm"}], "image": None}
    assert (await socket.receive_json(timeout=5))["text"] == "Nog iets?"
    await socket.close()

    socket, again = await hello(client, greeting["session"])
    assert again["session"] == greeting["session"]
    assert [(t["from"], t["text"]) for t in again["history"]] == [
        ("citizen", "hoi"),
        ("bot", "Je zei: hoi"),
        ("bot", "Nog iets?"),
    ]
    await socket.close()


async def test_forged_session_gets_a_fresh_conversation(client: TestClient) -> None:
    socket, greeting = await hello(client)
    await socket.send_json({"type": "message", "text": "geheim"})
    for _ in range(3):
        await socket.receive_json(timeout=5)
    await socket.close()
    conversation = greeting["session"].split(".")[0]
    for forged in (conversation, conversation + ".AAAA", "x.y"):
        socket, other = await hello(client, forged)
        assert other["history"] == []
        assert other["session"].split(".")[0] != conversation
        await socket.close()


@pytest.mark.parametrize(
    "frame, error",
    [
        ("not json", "not a JSON object"),
        ('{"type": "shout"}', "unknown message type"),
        ('{"type": "message", "text": 5}', "text and payload must be strings"),
        ('{"type": "message", "text": "   "}', "empty message"),
        ('{"type": "message", "text": "' + "x" * 4001 + '"}', "at most 4000"),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays_open(client: TestClient, frame, error) -> None:
    socket, _ = await hello(client)
    await socket.send_str(frame)
    answer = await socket.receive_json(timeout=5)
    assert answer["type"] == "error" and error in answer["error"]
    await socket.send_json({"type": "message", "text": "nog steeds daar?"})
    assert (await socket.receive_json(timeout=5))["type"] == "typing"
    await socket.close()


async def test_message_before_hello_is_refused(client: TestClient) -> None:
    socket = await client.ws_connect("/webchat/ws")
    await socket.send_json({"type": "message", "text": "hoi"})
    assert (await socket.receive_json(timeout=5))["error"] == "say hello first"
    await socket.close()
