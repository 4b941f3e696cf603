"""English for a citizen who writes it: the language a message is in, the
English parts of the topic files and profile, responses.en.yml beside domain.yml,
and a conversation through a real gateway and engine."""

from __future__ import annotations

import re
import string
from datetime import date
from typing import Any

import pytest
import yaml

from bot.content.roadworks import describe, parse_roadworks
from bot.contract import Language
from bot.dates import DateSpan, day_label, relative_day_label, span_label
from bot.language import LanguageGuesser
from tests.citizens import Citizen
from tests.support import ROOT, project_municipality

ENGLISH = Language.ENGLISH
TODAY = date(2026, 12, 3)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Hi, how can I renew my passport?", "en"),
        ("There is a huge pothole in the Kerkstraat", "en"),
        ("thank you", "en"),
        ("er ligt een losse stoeptegel voor mijn deur", "nl"),
        ("Mevr. zegt dat de container al 3 weken vol is", "nl"),
        ("scheve lantaarnpaal", "nl"),
        # Too little to tell: the conversation keeps its language.
        ("ok", None),
        ("yes", None),
        ("hoi", None),
        ("Kerkstraat 12", None),
        ("7311 AB", None),
    ],
)
def test_a_language_is_named_only_when_the_message_says_enough(text: str, language: str | None) -> None:
    assert LanguageGuesser().sure_of(text) == language


def test_dates_in_english_say_their_year_when_far_away() -> None:
    assert day_label(date(2026, 12, 18), TODAY, ENGLISH) == "Friday 18 December"
    assert day_label(date(2027, 12, 18), TODAY, ENGLISH) == "Saturday 18 December 2027"
    assert relative_day_label(date(2026, 12, 4), TODAY, ENGLISH) == "tomorrow"
    span = DateSpan(date(2026, 12, 5), date(2026, 12, 6))
    assert span_label(span, TODAY, ENGLISH) == "from Saturday 5 December to Sunday 6 December"


def test_topics_answer_in_english_where_their_file_has_it_and_in_dutch_otherwise() -> None:
    topics = project_municipality().topics
    passport = topics.answer("passport_renewal", ENGLISH).text
    assert passport.startswith("You apply for a new passport") and "€ 84,45" in passport
    assert "after 5 working days" in passport, "the English wording of a fact"
    assert topics.answer("passport_renewal").text.startswith(("Een nieuw paspoort", "Je paspoort"))
    # No English in the marriage topic: the Dutch answer, rather than none.
    marriage = topics.get("marriage")
    assert marriage.english is None
    assert topics.answer("marriage", ENGLISH).text in {topics.fill(marriage, wording) for wording in marriage.full}


def test_road_works_in_english_read_well_for_every_feed_entry() -> None:
    topics = project_municipality().topics
    works = parse_roadworks((ROOT / "content" / "roadworks.geojson").read_bytes())
    said = {work.street: describe(work, TODAY, topics, language=ENGLISH) for work in works}
    assert said["Singel"].startswith(
        "Work is going on in the Singel: er komt nieuw asfalt en een vrijliggend fietspad."
        " The road is closed until Saturday 18 December 2027."
    )
    assert "The road is closed until further notice." in said["Havenkade"]


def test_report_categories_have_english_names() -> None:
    reports = project_municipality().reports
    assert set(reports.english_labels) == set(reports.categories) | set(reports.main_categories)
    assert reports.mains(ENGLISH)["wegen"] == "Roads and traffic"
    assert reports.label("wegen/bestrating", ENGLISH) == "Paving: hole, loose tile, subsidence"


def _placeholders(response: dict[str, Any]) -> set[str]:
    texts = [response.get("text") or "", *(b["title"] for b in response.get("buttons") or ())]
    return {name for text in texts for _, name, _, _ in string.Formatter().parse(text) if name}


def test_english_responses_mirror_the_dutch_ones() -> None:
    dutch = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    english = yaml.safe_load((ROOT / "responses.en.yml").read_text(encoding="utf-8"))["responses"]
    assert set(english) <= set(dutch), "only responses the dialogue has"
    for name, variants in english.items():
        fills = set().union(*(_placeholders(v) for v in dutch[name]))
        payloads = {b["payload"] for v in dutch[name] for b in v.get("buttons") or ()}
        for variant in variants:
            assert _placeholders(variant) <= fills, name
            assert {b["payload"] for b in variant.get("buttons") or ()} <= payloads, name
            assert variant.get("custom") == dutch[name][0].get("custom"), name


@pytest.mark.integration
async def test_a_citizen_who_writes_english_is_answered_in_english_through_a_report(citizen: Citizen) -> None:
    passport = await citizen.says("Hi, how can I renew my passport?")
    welcome, answer = passport.split("\n", 1)
    # The first message was English: so is the welcome.
    assert welcome == project_municipality().welcome.in_language(ENGLISH).wordings[0]
    assert welcome.startswith("Hi, welcome to the chat of the municipality of Voorbeeldstad!")
    assert answer.startswith("You apply for a new passport") and "€ 84,45" in answer
    road = await citizen.says("Is the Westerstraat closed?")
    assert road.startswith("Work is going on in the Westerstraat: de riolering wordt vervangen."), road
    report = await citizen.says("There is a huge pothole in the Kerkstraat")
    photo_question = "Do you have a photo? Send it here, so our colleague sees right away what is wrong."
    assert report == photo_question + " No photo is fine too."
    assert citizen.last_buttons == ["/deny"]
    contact = await citizen.says("/deny")
    assert contact.startswith("Would you like to hear when it has been fixed?")
    summary = await citizen.says("/deny")
    assert summary == (
        "Is this right?\n• What: Paving: hole, loose tile, subsidence\n"
        "• Description: There is a huge pothole in the Kerkstraat\n• Where: Kerkstraat\n"
        "• Photo: none\n• Contact: anonymous"
    ), summary
    sent = await citizen.says("/affirm")
    reference = re.match(r"Thank you! Your report has reference number (M-\d{4}-\d{6})\.", sent)
    assert reference, sent
    assert "working days" in sent
    status = await citizen.says(f"any update on my report {reference.group(1)}?")
    assert status == (
        f"Your report {reference.group(1)} (Paving: hole, loose tile, subsidence, Kerkstraat) "
        "is received, not picked up yet."
    ), status
