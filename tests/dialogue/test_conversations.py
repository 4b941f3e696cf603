"""Real conversations with the real gateway process on a trained model.

Runs once on SQLite with in-memory Rasa stores and once on PostgreSQL with
Redis as Rasa's tracker and lock store.
"""

from __future__ import annotations

import uuid

import aiohttp
import pytest
import redis
import sqlalchemy as sa

from tests.conftest import REST_TOKEN
from tests.support import REDIS_URL, Service, is_response, project_municipality

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {REST_TOKEN}"}


async def say(session: aiohttp.ClientSession, gateway: Service, sender: str, text: str) -> list[dict]:
    async with session.post(
        gateway.url + "/webhooks/rest/webhook", json={"sender": sender, "message": text}, headers=AUTH
    ) as response:
        assert response.status == 200, await response.text()
        return await response.json()


def stored_messages(gateway: Service, sender: str) -> list[tuple[str, str, str | None]]:
    engine = sa.create_engine(gateway.env["DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text(
                "SELECT m.direction, m.text, m.intent FROM messages m "
                "JOIN conversations c ON c.id = m.conversation_id "
                "WHERE c.sender = :sender ORDER BY m.id"
            ),
            {"sender": sender},
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


async def test_rest_conversation_in_dutch_is_answered_and_persisted(gateway: Service) -> None:
    sender = f"rest-{uuid.uuid4().hex[:8]}"
    async with aiohttp.ClientSession() as session:
        greeting = await say(session, gateway, sender, "hoi")
        urgent = await say(session, gateway, sender, "mijn paspoort is verlopen en ik vlieg vandaag")
        thanks = await say(session, gateway, sender, "top, dank je wel!")
    assert greeting[0]["recipient_id"] == sender
    # The first "hoi" of a conversation is answered by the welcome with its topics.
    welcome = project_municipality().welcome
    assert [(r["text"], len(r["buttons"])) for r in greeting] == [(welcome.wordings[0], len(welcome.topics))]
    urgent_text = " ".join(r["text"] for r in urgent)
    # Leaving today is too late for a spoedaanvraag on any day of the week: the
    # emergency document is the answer (tests/dialogue/test_dates.py covers the other days).
    assert "Je vertrekt vandaag" in urgent_text and "te laat" in urgent_text and "nooddocument" in urgent_text
    assert "{" not in urgent_text, "every placeholder is filled from the profile"
    assert thanks and thanks[0]["text"]
    rows = stored_messages(gateway, sender)
    assert [(d, i) for d, _, i in rows if d == "in"] == [
        ("in", "greet"),
        ("in", "passport_urgent"),
        ("in", "thank"),
    ]
    assert sum(1 for d, _, _ in rows if d == "out") == len(greeting) + len(urgent) + len(thanks)


async def test_gibberish_gets_an_honest_fallback_with_suggestions(gateway: Service) -> None:
    async with aiohttp.ClientSession() as session:
        sender = f"fb-{uuid.uuid4().hex[:8]}"
        await say(session, gateway, sender, "hoi")
        replies = await say(session, gateway, sender, "qwrtpz xlkj vbnm")
    assert is_response(replies[0]["text"], "utter_default"), replies[0]["text"]
    assert {b["payload"] for b in replies[0]["buttons"]} >= {"/passport_renewal", "/road_diversion"}


async def test_first_name_from_metadata_is_used_in_the_greeting(gateway: Service) -> None:
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            gateway.url + "/webhooks/rest/webhook",
            json={"sender": f"n-{uuid.uuid4().hex[:8]}", "message": "hallo", "metadata": {"first_name": "Anna"}},
            headers=AUTH,
        ) as response,
    ):
        text = (await response.json())[0]["text"]
    assert text.startswith("Hoi Anna, welkom bij de chat"), text


async def test_websocket_conversation_and_history(gateway: Service) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(gateway.url + "/webchat/ws") as socket:
            await socket.send_json({"type": "hello", "session": None})
            token = (await socket.receive_json(timeout=10))["session"]
            await socket.send_json({"type": "message", "text": "wat is er dit weekend te doen?"})
            assert (await socket.receive_json(timeout=10))["type"] == "typing"
            reply = await socket.receive_json(timeout=30)
            assert reply["type"] == "reply" and "agenda" in reply["text"]
        async with session.ws_connect(gateway.url + "/webchat/ws") as socket:
            await socket.send_json({"type": "hello", "session": token})
            history = (await socket.receive_json(timeout=10))["history"]
    assert history[0]["text"] == project_municipality().welcome.wordings[0]
    assert history[1] == {"from": "citizen", "text": "wat is er dit weekend te doen?", "buttons": [], "image": None}
    assert history[2]["from"] == "bot" and "agenda" in history[2]["text"]


async def test_readiness_reports_every_store(gateway: Service) -> None:
    async with aiohttp.ClientSession() as session, session.get(gateway.url + "/readyz") as response:
        checks = (await response.json())["checks"]
    expected = {"engine", "database"} | ({"redis"} if gateway.env.get("REDIS_URL") else set())
    assert set(checks) == expected and all(checks.values())


async def test_dialogue_state_lives_in_redis_when_configured(gateway: Service) -> None:
    if not gateway.env.get("REDIS_URL"):
        pytest.skip("this gateway keeps Rasa's tracker in memory")
    sender = f"redis-{uuid.uuid4().hex[:8]}"
    async with aiohttp.ClientSession() as session:
        await say(session, gateway, sender, "hoi")
    engine = sa.create_engine(gateway.env["DATABASE_URL"])
    with engine.connect() as connection:
        conversation = connection.execute(
            sa.text("SELECT id FROM conversations WHERE sender = :s"), {"s": sender}
        ).scalar_one()
    engine.dispose()
    assert redis.Redis.from_url(REDIS_URL).exists(f"dorpspomp:tracker:{conversation}")
