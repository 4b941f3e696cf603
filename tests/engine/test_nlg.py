"""The response generator: the profile's facts, and English for a citizen who writes it."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.engine.nlg import ENGLISH_RESPONSES, ProfileResponseGenerator
from tests.support import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))


def generator(english: Path) -> ProfileResponseGenerator:
    endpoint = EndpointConfig(type="nlg", profile=str(ROOT / "municipality.yml"), english=str(english))
    return ProfileResponseGenerator(endpoint, DOMAIN)


def said_in(language: str) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("anna", [UserUttered("…", metadata={"language": language})])


async def test_a_citizen_who_writes_english_hears_english_with_english_facts() -> None:
    nlg = generator(ROOT / ENGLISH_RESPONSES)
    english = await nlg.generate("utter_iamabot", said_in("en"), "rest")
    assert english is not None and english["text"] == (
        "I'm a chatbot, the digital assistant of the municipality of Voorbeeldstad. Would you rather talk to a"
        " person? Call 14 0123, Monday to Friday from 8:30 to 17:00, Thursday until 20:00."
    )
    dutch = await nlg.generate("utter_report_what_to_change", said_in("nl"), "rest")
    assert dutch is not None and dutch["text"].startswith("Wat wil je aanpassen?")


async def test_a_response_without_english_is_said_in_dutch_rather_than_not_at_all(tmp_path: Path) -> None:
    # Every response of ours has English; a municipality's own response may not yet.
    english = yaml.safe_load((ROOT / ENGLISH_RESPONSES).read_text(encoding="utf-8"))
    del english["responses"]["utter_report_what_to_change"]
    (tmp_path / ENGLISH_RESPONSES).write_text(yaml.safe_dump(english, allow_unicode=True), encoding="utf-8")
    nlg = generator(tmp_path / ENGLISH_RESPONSES)
    dutch = await nlg.generate("utter_report_what_to_change", said_in("en"), "rest")
    assert dutch is not None and dutch["text"].startswith("Wat wil je aanpassen?")
    english_one = await nlg.generate("utter_iamabot", said_in("en"), "rest")
    assert english_one is not None and english_one["text"].startswith("I'm a chatbot")


async def test_without_the_english_file_every_response_is_dutch(tmp_path: Path) -> None:
    nlg = generator(tmp_path / ENGLISH_RESPONSES)
    said = await nlg.generate("utter_report_what_to_change", said_in("en"), "rest")
    assert said is not None and said["text"].startswith("Wat wil je aanpassen?")
