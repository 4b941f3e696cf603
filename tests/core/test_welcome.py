"""The welcome section of municipality.yml: what a first contact says, and what it must say."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from bot.profile import ProfileError
from bot.welcome import welcome_from
from tests.support import ROOT, project_municipality

FACTS = {"municipality_short": "Voorbeeldstad", "privacy_url": "https://example.nl/privacy"}
TOPICS = ["passport_renewal", "moving_address", "waste_collection", "report_issue"]


def section(**changes: Any) -> dict[str, Any]:
    welcome = {"text": "Welkom in {municipality_short}! Je praat met een digitale assistent. {privacy_url}"}
    welcome["topics"] = TOPICS
    return {"welcome": {**welcome, **changes}}


def test_the_welcome_fills_in_facts_and_names_its_topics_as_buttons() -> None:
    welcome = welcome_from(section(), FACTS, lambda intent: intent.upper())
    reply = welcome.reply(with_topics=True)
    assert reply.text == "Welkom in Voorbeeldstad! Je praat met een digitale assistent. https://example.nl/privacy"
    assert [(b.title, b.payload) for b in reply.buttons] == [(t.upper(), f"/{t}") for t in TOPICS]
    assert welcome.reply(with_topics=False).buttons == ()


def test_the_welcome_greets_by_the_first_name_a_channel_gives() -> None:
    data = section(text="Hoi{hello_name}! Je praat met een digitale assistent. {privacy_url}")
    welcome = welcome_from(data, FACTS, str)
    assert welcome.reply(with_topics=False, name="Anna").text.startswith("Hoi Anna! ")
    assert welcome.reply(with_topics=False, name="  ").text.startswith("Hoi! ")
    assert welcome.reply(with_topics=False, name="x" * 60).text.startswith("Hoi " + "x" * 40 + "! ")
    assert welcome.wordings == ("Hoi! Je praat met een digitale assistent. https://example.nl/privacy",)


@pytest.mark.parametrize(
    ("data", "facts", "problem"),
    [
        ({}, FACTS, "lacks the 'welcome' section"),
        (section(text="Welkom!"), FACTS, "names the privacy statement"),
        (section(text=[]), FACTS, "a text or a list of texts"),
        (section(topics=TOPICS[:3]), FACTS, "4 to 6 intents"),
        (section(topics=[*TOPICS, "events", "opening_hours", "marriage"]), FACTS, "4 to 6 intents"),
        (section(), {"municipality_short": "Voorbeeldstad"}, "facts.privacy_url is missing"),
    ],
    ids=["no-section", "no-privacy-link", "no-text", "three-topics", "seven-topics", "no-privacy-fact"],
)
def test_a_welcome_without_what_it_must_say_is_refused(data: dict, facts: dict, problem: str) -> None:
    with pytest.raises(ProfileError, match=problem):
        welcome_from(data, facts, str)


def test_an_english_welcome_has_the_same_topics_and_its_own_words() -> None:
    data = {
        **section(),
        "english": {"welcome": {"text": "Hi{hello_name}! A digital assistant answers. {privacy_url}"}},
    }
    welcome = welcome_from(data, FACTS, str, (FACTS, str.upper))
    english = welcome.in_language("en").reply(with_topics=True, name="Anna")
    assert english.text == "Hi Anna! A digital assistant answers. https://example.nl/privacy"
    assert [b.title for b in english.buttons] == [t.upper() for t in TOPICS]
    assert welcome.in_language("nl") is welcome and welcome_from(data, FACTS, str).english is None
    with pytest.raises(ProfileError, match=r"every english\.welcome\.text names the privacy statement"):
        welcome_from({**data, "english": {"welcome": {"text": "Hi!"}}}, FACTS, str, (FACTS, str))


def test_the_projects_welcome_offers_intents_the_dialogue_knows() -> None:
    intents = set(yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["intents"])
    welcome = project_municipality().welcome
    assert {button.payload.removeprefix("/") for button in welcome.topics} <= intents
    assert all("digitale assistent" in wording and "https://" in wording for wording in welcome.wordings)
