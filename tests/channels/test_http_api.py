"""The gateway's HTTP surface with a scripted engine: REST channel, NLU API, errors, pages."""

from __future__ import annotations

import json

import pytest
from aiohttp.test_utils import TestClient, TestServer

from bot.gateway import build_app
from tests.conftest import REST_TOKEN, make_settings
from tests.support import ScriptedEngine, project_municipality

AUTH = {"Authorization": f"Bearer {REST_TOKEN}"}


@pytest.fixture
async def client(tmp_path):
    app = await build_app(make_settings(f"sqlite:///{tmp_path / 'api.sqlite3'}"), ScriptedEngine())
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_rest_webhook_answers_in_rasa_shape(client: TestClient) -> None:
    response = await client.post("/webhooks/rest/webhook", json={"sender": "anna", "message": "hoi"}, headers=AUTH)
    assert response.status == 200
    welcome = project_municipality().welcome
    assert await response.json() == [
        {
            "recipient_id": "anna",
            "text": welcome.wordings[0],
            "buttons": [{"title": b.title, "payload": b.payload} for b in welcome.topics],
        }
    ]
    response = await client.post("/webhooks/rest/webhook", json={"sender": "anna", "message": "hoi"}, headers=AUTH)
    assert await response.json() == [
        {"recipient_id": "anna", "text": "Je zei: hoi", "buttons": [{"title": "Ja", "payload": "/affirm"}]},
        {"recipient_id": "anna", "text": "Nog iets?"},
    ]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": REST_TOKEN}, {"Authorization": "Basic eDp5"}],
    ids=["missing", "wrong", "no-scheme", "basic"],
)
async def test_rest_webhook_without_the_token_is_401(client: TestClient, headers) -> None:
    response = await client.post("/webhooks/rest/webhook", json={"sender": "a", "message": "hoi"}, headers=headers)
    assert response.status == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert "error" in await response.json()


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[1, 2]",
        b"\xff\xfe",
        json.dumps({"message": "hoi"}).encode(),
        json.dumps({"sender": "", "message": "hoi"}).encode(),
        json.dumps({"sender": "a", "message": 5}).encode(),
        json.dumps({"sender": "a", "message": "x", "metadata": []}).encode(),
    ],
    ids=["broken", "array", "not-utf8", "no-sender", "empty-sender", "number", "bad-metadata"],
)
async def test_malformed_requests_are_400_with_a_json_error(client: TestClient, body: bytes) -> None:
    response = await client.post("/webhooks/rest/webhook", data=body, headers=AUTH)
    assert response.status == 400
    assert (await response.json())["error"]


async def test_text_over_4000_characters_is_413(client: TestClient) -> None:
    response = await client.post("/webhooks/rest/webhook", json={"sender": "a", "message": "x" * 4001}, headers=AUTH)
    assert response.status == 413


async def test_oversize_body_is_413(client: TestClient) -> None:
    response = await client.post("/webhooks/rest/webhook", data=b"x" * 200_000, headers=AUTH)
    assert response.status == 413


async def test_unknown_route_is_404_json_and_wrong_method_405(client: TestClient) -> None:
    response = await client.get("/nope")
    assert response.status == 404
    assert (await response.json())["error"] == "Not Found"
    response = await client.get("/webhooks/rest/webhook")
    assert response.status == 405


async def test_nlu_parse_needs_the_token_and_answers_intent(client: TestClient) -> None:
    assert (await client.post("/api/nlu/parse", json={"text": "hoi"})).status == 401
    response = await client.post("/api/nlu/parse", json={"text": "hoi"}, headers=AUTH)
    assert await response.json() == {
        "text": "hoi",
        "intent": {"name": "greet", "confidence": 0.93},
        "entities": [],
        "report_category": None,
    }
    assert (await client.post("/api/nlu/parse", json={"txt": "hoi"}, headers=AUTH)).status == 400
    assert (await client.post("/api/nlu/parse", json={"text": "x" * 4001}, headers=AUTH)).status == 413


async def test_failing_engine_still_answers_the_citizen(tmp_path) -> None:
    from bot.engine import EngineError

    app = await build_app(
        make_settings(f"sqlite:///{tmp_path / 'f.sqlite3'}"), ScriptedEngine(fail=EngineError("down"))
    )
    async with TestClient(TestServer(app)) as client:
        response = await client.post("/webhooks/rest/webhook", json={"sender": "a", "message": "hoi"}, headers=AUTH)
        assert response.status == 200
        welcome, reply = await response.json()
        assert welcome["text"] == project_municipality().welcome.wordings[0]
        assert "14 0123" in reply["text"]


async def test_demo_page_embeds_the_widget_and_health_answers(client: TestClient) -> None:
    page = await (await client.get("/")).text()
    assert '<script src="/widget.js"' in page and "Gemeente Voorbeeldstad" in page
    widget = await client.get("/widget.js")
    assert widget.status == 200 and "javascript" in widget.headers["Content-Type"]
    assert (await (await client.get("/healthz")).json())["status"] == "alive"
    ready = await client.get("/readyz")
    assert ready.status == 200
    assert (await ready.json())["checks"] == {"engine": True, "database": True}
