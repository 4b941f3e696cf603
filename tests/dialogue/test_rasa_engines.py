"""The engine adapters on the real trained model: Rasa in-process, and a real `rasa run` server."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from pathlib import Path

import pytest
import redis

from bot.engine import DialogueEngine
from bot.engine.rasa_inprocess import RasaAgentEngine
from bot.engine.rasa_remote import RemoteRasaEngine
from bot.messages import IncomingMessage
from tests.conftest import make_settings
from tests.support import BIN, REDIS_URL, ROOT, Service, start_rasa_server

pytestmark = pytest.mark.integration


async def test_inprocess_engine_answers_understands_and_keeps_state_in_redis(
    trained_model: Path, action_server: Service, tmp_path: Path
) -> None:
    settings = make_settings(
        f"sqlite:///{tmp_path / 'x.sqlite3'}",
        redis_url=REDIS_URL,
        action_endpoint=action_server.url + "/webhook",
    )
    engine = await RasaAgentEngine.load(trained_model, settings, retention_days=90)
    conversation = uuid.uuid4().hex
    result = await engine.handle(conversation, IncomingMessage("rest", "anna", "wat kost een nieuw paspoort?"))
    assert result.understanding.intent == "passport_renewal"
    assert result.understanding.confidence > 0.5
    text = " ".join(r.text for r in result.replies)
    assert "€ 84,45" in text and "{" not in text

    assert redis.Redis.from_url(REDIS_URL).exists(f"dorpspomp:tracker:{conversation}")

    parsed = await engine.parse("waarom is de Westerstraat dicht?")
    assert parsed.intent == "road_diversion"
    assert {"entity": "location", "value": "Westerstraat"}.items() <= parsed.entities[0].items()
    assert await engine.ready()
    await hands_off_and_resumes(engine)
    await reports_are_private_and_ask_where(engine)


async def reports_are_private_and_ask_where(engine: DialogueEngine) -> None:
    """A report's turns are private (a public channel moves them to a private
    message), and the question for the place asks channels for a location control."""
    conversation = uuid.uuid4().hex
    turns = [
        "er ligt een kapotte stoeptegel op de stoep",
        '/inform{"report_category": "wegen"}',
        '/inform{"report_category": "wegen/bestrating"}',
    ]
    for text in turns:
        # The category buttons are tapped: their payloads, not typed text.
        tapped = {"payload": text} if text.startswith("/") else {"text": text}
        result = await engine.handle(conversation, IncomingMessage("telegram", "dina", **tapped))
        assert result.private
    [question] = result.replies
    assert question.request_location and "plek" in question.text
    small_talk = await engine.handle(uuid.uuid4().hex, IncomingMessage("x", "eva", "hoi", public=True))
    assert not small_talk.private


async def hands_off_and_resumes(engine: DialogueEngine) -> None:
    """Rasa pauses for a colleague, reads but does not answer, and answers again once resumed."""
    conversation = uuid.uuid4().hex
    result = await engine.handle(conversation, IncomingMessage("rest", "cees", "ik wil een medewerker spreken"))
    assert (result.paused, result.handoff_reason) == (True, "human_handoff")
    assert any("collega" in r.text for r in result.replies)
    silent = await engine.handle(conversation, IncomingMessage("rest", "cees", "wat kost een paspoort?"))
    assert silent.paused and silent.replies == ()
    await engine.resume(conversation)
    answered = await engine.handle(conversation, IncomingMessage("rest", "cees", "wat kost een paspoort?"))
    assert not answered.paused and answered.handoff_reason is None
    assert any("84,45" in r.text for r in answered.replies)
    assert "handoff_reason" not in await engine.slots(conversation)


@pytest.fixture(scope="module")
def rasa_server(trained_model: Path, action_server: Service, tmp_path_factory: pytest.TempPathFactory):
    service = start_rasa_server(trained_model, action_server.url + "/webhook", tmp_path_factory.mktemp("rasa"))
    yield service
    service.stop()


async def test_remote_engine_against_a_real_rasa_server(rasa_server: Service, tmp_path: Path) -> None:
    engine = RemoteRasaEngine(rasa_server.url, token=None, timeout=30)
    try:
        assert await engine.ready()
        result = await engine.handle(
            uuid.uuid4().hex, IncomingMessage("rest", "bram", "ik vlieg morgen en mijn paspoort is verlopen")
        )
        assert result.understanding.intent == "passport_urgent"
        assert any("spoed" in r.text.lower() for r in result.replies)
        assert (await engine.parse("doei")).intent == "goodbye"
        await hands_off_and_resumes(engine)
        await reports_are_private_and_ask_where(engine)
    finally:
        await engine.close()


def test_cli_parse_reads_lines_and_writes_json_lines(trained_model: Path) -> None:
    completed = subprocess.run(
        [str(BIN / "dorpspomp"), "parse"],
        input="hoi\n\nwat is er dit weekend te doen?\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "RASA_URL": "", "MODEL_DIR": str(trained_model.parent)},
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [(l["text"], l["intent"]["name"]) for l in lines] == [
        ("hoi", "greet"),
        ("wat is er dit weekend te doen?", "events"),
    ]
    assert all(0 < l["intent"]["confidence"] <= 1 and isinstance(l["entities"], list) for l in lines)
