"""The web chat websocket with a scripted engine: sessions, history, forgeries, bad frames,
photos, shared locations and news pushed to an open chat."""

from __future__ import annotations

import io

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from bot.contract import Language
from bot.gateway import OUTREACH, build_app
from bot.messages import Reply
from tests.conftest import make_settings
from tests.support import ScriptedEngine, project_municipality

WELCOME = project_municipality().welcome


@pytest.fixture
def engine() -> ScriptedEngine:
    return ScriptedEngine()


@pytest.fixture
async def client(tmp_path, engine: ScriptedEngine):
    settings = make_settings(f"sqlite:///{tmp_path / 'ws.sqlite3'}", media_dir=tmp_path / "media")
    app = await build_app(settings, engine)
    async with TestClient(TestServer(app)) as client:
        yield client


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "blue").save(buffer, "PNG")
    return buffer.getvalue()


async def hello(client: TestClient, session=None, **more):
    socket = await client.ws_connect("/webchat/ws")
    await socket.send_json({"type": "hello", "session": session, **more})
    greeting = await socket.receive_json(timeout=5)
    assert greeting["type"] == "session"
    return socket, greeting


@pytest.mark.parametrize(
    ("device", "language"),
    [
        ("en-GB", Language.ENGLISH),
        ("en", Language.ENGLISH),
        ("nl-NL", Language.DUTCH),
        ("fr", Language.DUTCH),
        (7, Language.DUTCH),
    ],
)
async def test_the_welcome_follows_the_browsers_language(client: TestClient, device: object, language: str) -> None:
    socket, greeting = await hello(client, language=device)
    assert [turn["text"] for turn in greeting["history"]] == [WELCOME.in_language(language).wordings[0]]
    await socket.close()


async def test_conversation_survives_a_reconnect(client: TestClient) -> None:
    socket, greeting = await hello(client)
    # A new conversation opens with the welcome and its topics, before a word is typed.
    assert greeting["history"] == [
        {
            "from": "bot",
            "text": WELCOME.wordings[0],
            "buttons": [{"title": b.title, "payload": b.payload} for b in WELCOME.topics],
            "image": None,
        }
    ]
    await socket.send_json({"type": "message", "text": "hoi"})
    assert (await socket.receive_json(timeout=5))["type"] == "typing"
    first = await socket.receive_json(timeout=5)
    assert first == {
        "type": "reply",
        "text": "Je zei: hoi",
        "buttons": [{"title": "Ja", "payload": "/affirm"}],
        "image": None,
    }
    assert (await socket.receive_json(timeout=5))["text"] == "Nog iets?"
    await socket.close()

    socket, again = await hello(client, greeting["session"])
    assert again["session"] == greeting["session"]
    assert [(t["from"], t["text"]) for t in again["history"]] == [
        ("bot", WELCOME.wordings[0]),
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
        assert [turn["text"] for turn in other["history"]] == [WELCOME.wordings[0]]  # a new conversation
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


async def upload(client: TestClient, session: str, body: bytes, content_type: str = "image/png"):
    return await client.post(
        "/webchat/upload", data=body, headers={"Authorization": f"Bearer {session}", "Content-Type": content_type}
    )


async def test_a_photo_is_uploaded_then_sent_with_a_message(client: TestClient, engine: ScriptedEngine) -> None:
    socket, greeting = await hello(client)
    response = await upload(client, greeting["session"], png())
    assert response.status == 201
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    photo = (await response.json())["photo"]
    await socket.send_json({"type": "message", "photos": [photo]})
    assert (await socket.receive_json(timeout=5))["type"] == "typing"
    await socket.receive_json(timeout=5)
    _, message = engine.calls[-1]
    assert message.engine_text == "/report_issue", "a bare photo starts (or adds to) a report"
    assert message.engine_metadata["attachments"] == [
        {"kind": "image", "url": f"media:{photo}", "mime_type": "image/png"}
    ]
    await socket.receive_json(timeout=5)
    await socket.close()
    socket, again = await hello(client, greeting["session"])
    assert again["history"][1] == {
        "from": "citizen",
        "text": "",
        "buttons": [],
        "image": None,
        "photos": 1,
        "location": False,
    }
    await socket.close()


async def test_a_shared_location_reaches_the_engine(client: TestClient, engine: ScriptedEngine) -> None:
    socket, _ = await hello(client)
    await socket.send_json({"type": "message", "location": {"latitude": 52.2, "longitude": 5.9}})
    assert (await socket.receive_json(timeout=5))["type"] == "typing"
    await socket.receive_json(timeout=5)
    _, message = engine.calls[-1]
    assert message.engine_metadata["location"] == {"latitude": 52.2, "longitude": 5.9}
    await socket.close()


@pytest.mark.parametrize(
    "frame, error",
    [
        ({"type": "message", "location": {"latitude": "noord", "longitude": 5}}, "numeric latitude"),
        ({"type": "message", "location": {"latitude": 95, "longitude": 5}}, "not a point on earth"),
        ({"type": "message", "photos": ["0" * 32 + ".png"]}, "unknown photo"),
        ({"type": "message", "photos": "a.png"}, "photos must be a list"),
    ],
)
async def test_garbage_locations_and_photos_get_an_error(client: TestClient, frame, error) -> None:
    socket, _ = await hello(client)
    await socket.send_json(frame)
    answer = await socket.receive_json(timeout=5)
    assert answer["type"] == "error" and error in answer["error"]
    await socket.close()


async def test_uploads_that_are_not_small_real_photos_are_refused(client: TestClient, tmp_path) -> None:
    socket, greeting = await hello(client)
    session = greeting["session"]
    fake = await upload(client, session, b"\xff\xd8\xff\xe0 not really a jpeg" * 10, "image/jpeg")
    assert fake.status == 415 and "geen foto" in (await fake.json())["error"]
    huge = await upload(client, session, b"\0" * (10 * 1024 * 1024 + 1), "image/jpeg")
    assert huge.status == 413 and "10 MB" in (await huge.json())["error"]
    gif = io.BytesIO()
    Image.new("RGB", (4, 4)).save(gif, "GIF")
    assert (await upload(client, session, gif.getvalue(), "image/gif")).status == 415
    assert (await upload(client, "forged.token", png())).status == 401
    assert (await client.post("/webchat/upload", data=png())).status == 401
    assert not any((tmp_path / "media").glob("*")), "nothing refused is kept"
    await socket.close()


async def test_news_is_pushed_to_an_open_chat_and_kept_in_its_history(client: TestClient) -> None:
    socket, greeting = await hello(client)
    conversation = greeting["session"].split(".")[0]
    app = client.server.app
    await app[OUTREACH].push(conversation, [Reply("Je melding is ingepland.")])
    assert (await socket.receive_json(timeout=5))["text"] == "Je melding is ingepland."
    await socket.close()
    await app[OUTREACH].push(conversation, [Reply("Nu afgehandeld.")])  # nobody is connected
    socket, again = await hello(client, greeting["session"])
    assert [t["text"] for t in again["history"]] == [WELCOME.wordings[0], "Je melding is ingepland.", "Nu afgehandeld."]
    await socket.close()
