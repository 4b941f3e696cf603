"""Rasa in the engine service's process, on the real trained model, and the
commands that need Rasa. These tests run in the engine's environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

from actions.emergency import may_be_emergency
from actions.handoff import likely_topics
from bot.engine.rasa_agent import RasaAgentEngine
from bot.engine.wire import EngineTurn
from tests.conftest import make_settings
from tests.support import REDIS_URL, ROOT, Service


async def test_the_agent_answers_understands_and_keeps_state_in_redis(
    trained_model: Path, action_server: Service, tmp_path: Path
) -> None:
    settings = make_settings(
        f"sqlite:///{tmp_path / 'x.sqlite3'}",
        redis_url=REDIS_URL,
        action_endpoint=action_server.url + "/webhook",
    )
    engine = await RasaAgentEngine.load(trained_model, settings, retention_days=90)
    conversation = uuid.uuid4().hex
    result = await engine.handle(conversation, EngineTurn("wat kost een nieuw paspoort?", "rest", {}))
    assert result.understanding.intent == "passport_renewal"
    assert result.understanding.confidence > 0.5
    text = " ".join(r.text for r in result.replies)
    assert "€ 84,45" in text and "{" not in text

    assert redis.Redis.from_url(REDIS_URL).exists(f"dorpspomp:tracker:{conversation}")

    parsed = await engine.parse("waarom is de Westerstraat dicht?")
    assert parsed.intent == "road_diversion"
    assert {"entity": "location", "value": "Westerstraat"}.items() <= parsed.entities[0].items()
    assert await engine.ready()
    assert await engine.model_version() == trained_model.name


def test_cli_parse_reads_lines_and_writes_json_lines(trained_model: Path) -> None:
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dorpspomp"), "parse"],
        input="hoi\n\nwat is er dit weekend te doen?\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "MODEL_DIR": str(trained_model.parent)},
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = [json.loads(line) for line in completed.stdout.splitlines()]
    assert [(line["text"], line["intent"]["name"]) for line in lines] == [
        ("hoi", "greet"),
        ("wat is er dit weekend te doen?", "events"),
    ]
    assert all(0 < line["intent"]["confidence"] <= 1 and isinstance(line["entities"], list) for line in lines)


def test_did_you_mean_offers_the_likeliest_topics_a_citizen_can_choose() -> None:
    labels = {"passport_renewal": "Paspoort", "drivers_license": "Rijbewijs", "human_handoff": "Medewerker"}
    ranking = [
        {"name": "nlu_fallback", "confidence": 0.55},
        {"name": "drivers_license", "confidence": 0.41},
        {"name": "greet", "confidence": 0.2},
        {"name": "human_handoff", "confidence": 0.1},
        {"name": "passport_renewal", "confidence": 0.09},
        {"name": "opening_hours", "confidence": 0.01},
    ]
    assert likely_topics(ranking, labels) == ["drivers_license", "passport_renewal"]
    gibberish = [{"name": "nlu_fallback", "confidence": 1.0}, *ranking[1:]]
    assert likely_topics(gibberish, labels) == []


def test_a_miss_with_an_emergency_among_the_guesses_may_be_one() -> None:
    car_in_the_water = [
        {"name": "nlu_fallback", "confidence": 0.3},
        {"name": "report_issue", "confidence": 0.47},
        {"name": "emergency", "confidence": 0.4},
    ]
    assert may_be_emergency(car_in_the_water)
    unlikely = [{"name": "report_issue", "confidence": 0.8}, {"name": "emergency", "confidence": 0.05}]
    far_down = [
        {"name": "nlu_fallback", "confidence": 0.3},
        *({"name": name, "confidence": 0.2} for name in ("events", "greet", "thank")),
        {"name": "emergency", "confidence": 0.15},
    ]
    assert not may_be_emergency(unlikely) and not may_be_emergency(far_down)
