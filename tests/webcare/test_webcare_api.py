"""The webcare inbox over HTTP with a scripted engine: who may do what, CSRF,
lock-out, and the whole hand-off from the citizen's chat to a colleague and back."""

from __future__ import annotations

import io
from typing import Any, AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from PIL import Image

from bot.audit import AuditLog
from bot.gateway import ROUTER, build_app
from bot.learning.review import ReviewQueue
from bot.store import Database
from bot.webcare.staff import MAX_FAILED_LOGINS, StaffStore
from tests.conftest import make_settings
from tests.support import STAFF_PASSWORD as PASSWORD
from tests.support import Agent, ScriptedEngine

CONVERSATION = "0" * 32


@pytest.fixture
async def client(tmp_path) -> AsyncIterator[TestClient]:
    url = f"sqlite:///{tmp_path / 'webcare.sqlite3'}"
    database = Database(url)
    database.migrate()
    staff = StaffStore(database)
    await staff.add("anna", "Anna de Kok", "agent", PASSWORD)
    await staff.add("bram", "Bram Visser", "agent", PASSWORD)
    await staff.add("carla", "Carla Smit", "admin", PASSWORD)
    await database.close()
    app = await build_app(make_settings(url, media_dir=tmp_path / "media"), ScriptedEngine())
    async with TestClient(TestServer(app)) as client:
        yield client


@pytest.fixture
async def agents(client: TestClient) -> AsyncIterator[tuple[Agent, Agent]]:
    anna, bram = Agent(str(client.make_url(""))), Agent(str(client.make_url("")))
    assert (await anna.login("anna")).status == 303
    assert (await bram.login("bram")).status == 303
    yield anna, bram
    await anna.close()
    await bram.close()


async def citizen(client: TestClient):
    socket = await client.ws_connect("/webchat/ws")
    await socket.send_json({"type": "hello", "session": None})
    session = await socket.receive_json(timeout=5)
    return socket, session["session"].split(".")[0]


async def say(socket, text: str) -> dict[str, Any]:
    """What the citizen sees first after sending ``text``: a reply, or the 'received' notice."""
    await socket.send_json({"type": "message", "text": text})
    assert (await socket.receive_json(timeout=5))["type"] == "typing"
    return await socket.receive_json(timeout=5)


async def next_event(socket, kind: str) -> dict[str, Any]:
    while True:
        event = await socket.receive_json(timeout=5)
        if event["type"] == kind:
            return event


async def test_every_inbox_route_needs_a_session(client: TestClient) -> None:
    base = f"/webcare/api/conversations/{CONVERSATION}"
    for path in ("/webcare", "/webcare/canned"):
        response = await client.get(path, allow_redirects=False)
        assert (response.status, response.headers["Location"]) == (303, f"/webcare/login?next={path}")
    for method, path in [
        ("GET", "/webcare/api/queue"),
        ("GET", "/webcare/api/staff"),
        ("GET", base),
        ("GET", "/webcare/ws"),
        ("GET", "/webcare/api/media/" + "0" * 32 + ".png"),
        ("POST", base + "/claim"),
        ("POST", base + "/transfer"),
        ("POST", base + "/reply"),
        ("POST", base + "/flag"),
        ("POST", base + "/notes"),
        ("POST", base + "/close"),
    ]:
        response = await client.request(method, path, json={})
        assert response.status == 401, (method, path)
        assert "error" in await response.json()
    for path in ("/webcare/logout", "/webcare/canned"):
        assert (await client.post(path, allow_redirects=False)).status == 303


async def test_a_forged_csrf_token_is_refused(client: TestClient, agents: tuple[Agent, Agent]) -> None:
    anna, _ = agents
    path = anna.url(f"/webcare/api/conversations/{CONVERSATION}/notes")
    for headers in ({}, {"X-CSRF-Token": "forged"}):
        async with anna.http.post(path, json={"text": "x"}, headers=headers) as response:
            assert response.status == 403
    async with anna.http.post(anna.url("/webcare/logout"), data={"csrf": "forged"}, allow_redirects=False) as response:
        assert response.status == 403
    outsider = Agent(str(client.make_url("")))
    async with outsider.http.post(
        outsider.url("/webcare/login"), data={"csrf": "guess", "username": "anna", "password": PASSWORD}
    ) as response:
        assert response.status == 403, "a login form needs its own CSRF cookie"
    await outsider.close()


async def test_agents_cannot_reach_admin_pages_and_admins_edit_canned_answers(
    client: TestClient, agents: tuple[Agent, Agent]
) -> None:
    anna, _ = agents
    async with anna.http.get(anna.url("/webcare/canned")) as response:
        assert response.status == 403
    carla = Agent(str(client.make_url("")))
    await carla.login("carla")
    saved = await carla.http.post(
        carla.url("/webcare/canned"),
        data={"csrf": carla.csrf, "title": "Groet", "text": "Hoi {first_name}, je spreekt met {agent_name}."},
    )
    assert saved.status == 200 and "Groet" in await saved.text()
    refused = await carla.http.post(
        carla.url("/webcare/canned"), data={"csrf": carla.csrf, "title": "Fout", "text": "Hoi {voornaam}"}
    )
    assert refused.status == 400 and "Onbekende plaatshouder" in await refused.text()
    await carla.close()


async def test_repeated_wrong_passwords_lock_the_account(client: TestClient) -> None:
    outsider = Agent(str(client.make_url("")))
    for _ in range(MAX_FAILED_LOGINS - 1):
        assert (await outsider.login("anna", "not the password")).status == 401
    assert (await outsider.login("anna", "not the password")).status == 429
    assert (await outsider.login("anna")).status == 429
    await outsider.close()


async def test_a_colleague_takes_over_replies_and_hands_back(client: TestClient, agents: tuple[Agent, Agent]) -> None:
    anna, bram = agents
    live = await anna.http.ws_connect(anna.url("/webcare/ws"))
    socket, conversation = await citizen(client)

    assert (await say(socket, "mens aub"))["text"] == "Ik zet je door naar een collega."
    await next_event(live, "queue")
    queue = await anna.get("/webcare/api/queue")
    [waiting] = queue["waiting"]
    assert (waiting["conversation_id"], waiting["reason"], waiting["sla"]) == (conversation, "human_handoff", "green")

    assert await say(socket, "hallo? ik vlieg morgen") == {"type": "received"}, "the bot stays silent"
    assert (await next_event(live, "conversation"))["conversation_id"] == conversation

    base = f"/webcare/api/conversations/{conversation}"
    await anna.post(base + "/reply", {"text": "Ik help je"}, status=409)
    results = [await anna.post(base + "/claim", {}, status=200), await bram.post(base + "/claim", {}, status=409)]
    assert results[0] == {"ok": True}
    view = await anna.get(base)
    assert view["handoff"]["state"] == "assigned" and view["handoff"]["staff"] == "AK"
    # The chat opened with the welcome.
    assert [m["from"] for m in view["messages"]] == ["bot", "citizen", "bot", "citizen"]
    assert view["messages"][3]["intent"] == "greet", "what the bot understood is shown"
    assert view["collected"] == [
        {"label": "Omschrijving", "value": "losse tegel"},
        {"label": "Soort melding", "value": "Bestrating: gat, losse tegel, verzakking"},
        {"label": "Plek", "value": "Kerkstraat 12"},
    ], "what the half-made report holds, in words; not Rasa's bookkeeping"
    assert view["public"] is False and view["reply_limit"] == 4000

    await anna.post(base + "/reply", {"text": "Hoi! Ik ben Anna en ik help je verder."})
    assert (await socket.receive_json(timeout=5))["text"] == "Hoi! Ik ben Anna en ik help je verder. ^AK"
    await anna.post(base + "/notes", {"text": "Vlucht morgen; spoedaanvraag uitgelegd."})
    await bram.post(base + "/notes", {"text": "x" * 5000}, status=413)
    await anna.post(base + "/transfer", {"to": 999}, status=400)
    view = await bram.get(base)
    assert [n["text"] for n in view["notes"]] == ["Vlucht morgen; spoedaanvraag uitgelegd."]
    assert view["messages"][-1]["from"] == "staff" and view["messages"][-1]["staff"] == "AK"
    # A question the bot should learn goes to the admins' review queue.
    await anna.post(base + "/flag", {"message_id": view["messages"][3]["id"]})
    await anna.post(
        base + "/flag", {"message_id": view["messages"][2]["id"]}, status=404
    )  # the bot's, not the citizen's

    seen = max(m["id"] for m in view["messages"] if m["from"] == "citizen")
    assert await say(socket, "dank je!") == {"type": "received"}
    await anna.post(base + "/close", {"last_seen": seen, "back_to_bot": True}, status=409)
    seen = max(m["id"] for m in (await anna.get(base))["messages"] if m["from"] == "citizen")
    await anna.post(base + "/close", {"last_seen": seen, "back_to_bot": True})
    back = await socket.receive_json(timeout=5)
    assert "Anna" in back["text"]
    rating = await socket.receive_json(timeout=5)
    assert [b["title"] for b in rating["buttons"]] == ["1", "2", "3", "4", "5"]
    assert rating["buttons"][3]["payload"] == '/rate_service{"rating": "4"}'

    assert (await say(socket, "wat kost een paspoort"))["text"] == "Je zei: wat kost een paspoort", (
        "the bot answers again"
    )
    queue = await anna.get("/webcare/api/queue")
    assert queue["waiting"] == [] and queue["assigned"] == []
    assert queue["resolved"][0]["outcome"] == "back_to_bot"
    await live.close()
    await socket.close()

    database = Database(client.server.app[ROUTER].store.database.url)
    try:
        flagged = await ReviewQueue(database, below_confidence=0.1).candidates()
        entries = await AuditLog(database).latest()
    finally:
        await database.close()
    assert [(c.text, c.reason) for c in flagged] == [("hallo? ik vlieg morgen", "flagged")]
    assert [(e.actor, e.action) for e in reversed(entries) if e.action != "login"] == [
        ("anna", "claim"),
        ("anna", "reply"),
        ("anna", "flag"),
        ("anna", "close"),
    ]


async def test_bad_requests_to_the_api_get_clear_errors(client: TestClient, agents: tuple[Agent, Agent]) -> None:
    anna, _ = agents
    base = anna.url(f"/webcare/api/conversations/{CONVERSATION}")
    headers = {"X-CSRF-Token": anna.csrf, "Content-Type": "application/json"}
    async with anna.http.post(base + "/reply", data="{not json", headers=headers) as response:
        assert response.status == 400
    async with anna.http.post(base + "/close", json={"last_seen": "x"}, headers=headers) as response:
        assert response.status == 400
    async with anna.http.get(base) as response:
        assert response.status == 404
    async with anna.http.post(base + "/claim", json={}, headers=headers) as response:
        assert response.status == 409


async def test_a_bot_that_cannot_resume_queues_the_citizen_again(
    client: TestClient, agents: tuple[Agent, Agent]
) -> None:
    anna, _ = agents
    engine = client.server.app[ROUTER].engine

    async def broken_resume(conversation_id: str) -> None:
        raise ConnectionError("tracker store down")

    engine.resume = broken_resume
    socket, conversation = await citizen(client)
    await say(socket, "mens aub")
    base = f"/webcare/api/conversations/{conversation}"
    await anna.post(base + "/claim", {})
    seen = max(m["id"] for m in (await anna.get(base))["messages"] if m["from"] == "citizen")
    await anna.post(base + "/close", {"last_seen": seen, "back_to_bot": False})
    assert (await anna.get("/webcare/api/queue"))["waiting"] == []

    waiting = await say(socket, "hallo?")
    assert "collega" in waiting["text"], "still paused: the citizen hears a colleague will answer"
    assert [w["conversation_id"] for w in (await anna.get("/webcare/api/queue"))["waiting"]] == [conversation]
    await socket.close()


async def test_a_colleague_sees_the_citizens_photos_and_nobody_else_does(
    client: TestClient, agents: tuple[Agent, Agent]
) -> None:
    anna, _ = agents
    socket = await client.ws_connect("/webchat/ws")
    await socket.send_json({"type": "hello", "session": None})
    session = (await socket.receive_json(timeout=5))["session"]
    conversation = session.split(".")[0]
    await say(socket, "mens aub")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    uploaded = await client.post(
        "/webchat/upload", data=buffer.getvalue(), headers={"Authorization": f"Bearer {session}"}
    )
    photo = (await uploaded.json())["photo"]
    await socket.send_json({"type": "message", "photos": [photo]})
    assert (await socket.receive_json(timeout=5))["type"] == "typing"
    assert (await socket.receive_json(timeout=5)) == {"type": "received"}

    view = await anna.get(f"/webcare/api/conversations/{conversation}")
    assert view["messages"][-1]["photos"] == [photo]
    async with anna.http.get(anna.url(f"/webcare/api/media/{photo}")) as response:
        assert response.status == 200 and response.headers["Content-Type"] == "image/png"
        assert response.headers["Cache-Control"] == "private, no-store"
    async with anna.http.get(anna.url("/webcare/api/media/" + "0" * 32 + ".png")) as response:
        assert response.status == 404
    assert (await client.get(f"/webcare/api/media/{photo}")).status == 401
    await socket.close()


async def test_an_admin_moves_a_conversation_from_a_colleague_who_is_away(
    client: TestClient, agents: tuple[Agent, Agent], tmp_path
) -> None:
    anna, bram = agents
    carla = Agent(str(client.make_url("")))
    await carla.login("carla")
    socket, conversation = await citizen(client)
    await say(socket, "mens aub")
    base = f"/webcare/api/conversations/{conversation}"
    staff = {s["initials"]: s["id"] for s in await carla.get("/webcare/api/staff")}
    await carla.post(base + "/transfer", {"to": staff["CS"]}, status=409)  # nobody has it yet
    await anna.post(base + "/claim", {})
    await bram.post(base + "/transfer", {"to": staff["BV"]}, status=409)  # an agent cannot take it
    await carla.post(base + "/transfer", {"to": staff["AK"]}, status=400)  # anna has it already
    await carla.post(base + "/transfer", {"to": staff["CS"]})
    assert (await carla.get(base))["handoff"]["staff"] == "CS"
    await anna.post(base + "/reply", {"text": "nog even"}, status=409)
    database = Database(f"sqlite:///{tmp_path / 'webcare.sqlite3'}")
    assert await StaffStore(database).disable("bram")
    await database.close()
    await carla.post(base + "/transfer", {"to": staff["BV"]}, status=400)  # bram has left
    assert (await carla.get(base))["handoff"]["staff"] == "CS"
    await carla.close()
    await socket.close()
