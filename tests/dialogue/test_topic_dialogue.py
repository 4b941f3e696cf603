"""Service questions with the trained model, through the real gateway and action
server: answers from the topic files and the feeds, on SQLite and on PostgreSQL
with Redis."""

from __future__ import annotations

from datetime import time

import pytest

from bot.clock import utcnow
from bot.dates import find_span, urgent_advice
from tests.citizens import Citizen
from tests.support import project_municipality

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    "question, expected",
    [
        ("wat kost een uittreksel uit de brp?", "€ 16,20"),
        ("heb ik een vergunning nodig voor een dakkapel", "omgevingswet.overheid.nl/checken"),
        ("mijn rijbewijs verloopt, hoe verleng ik het", "€ 52,90"),
        ("ik wil bezwaar maken tegen de WOZ-waarde", "6 weken"),
    ],
)
async def test_service_questions_are_answered_from_the_topic_files(
    citizen: Citizen, question: str, expected: str
) -> None:
    answer = await citizen.says(question)
    assert expected in answer and "{" not in answer


@pytest.mark.parametrize(
    "question, expected",
    [
        ("waar komen straks die nieuwe ondergrondse containers te staan?", "voorbeeldstad.nl/afvalkalender"),
        ("wat hoort er eigenlijk allemaal bij het plastic afval?", "voorbeeldstad.nl/afvalkalender"),
        ("waarom moeten bewoners hier opeens betalen om te parkeren?", "voorbeeldstad.nl/parkeren"),
    ],
)
async def test_policy_questions_get_the_topics_answer_not_a_report_form(
    citizen: Citizen, question: str, expected: str
) -> None:
    answer = await citizen.says(question)
    assert expected in answer, answer


def urgent_advice_now(question: str) -> str:
    """Which answer the urgent passport gets at this moment: "in_time" or "too_late"."""
    municipality = project_municipality()
    now = utcnow().astimezone(municipality.webcare.timezone)
    deadline = time.fromisoformat(municipality.profile.facts["urgent_deadline"].zfill(5))
    country = municipality.webcare.holiday_country or "NL"
    return urgent_advice(find_span(question, now, country), now, deadline, country)[0]


async def test_the_urgent_passport_answer_works_out_the_days(citizen: Citizen) -> None:
    question = "ik vlieg overmorgen naar Barcelona en mijn paspoort is verlopen"
    before = urgent_advice_now(question)
    answer = await citizen.says(question)
    after = urgent_advice_now(question)
    assert "Je vertrekt overmorgen" in answer
    # In time for a spoedaanvraag (every such wording names the surcharge) or too
    # late (the emergency document), as today's date and the deadline decide;
    # both are right only when the deadline passed during the call.
    said = {"in_time": "spoedtoeslag" in answer, "too_late": "nooddocument" in answer}
    assert any(said[advice] for advice in {before, after}), (before, answer)
    assert not any(said[advice] for advice in said.keys() - {before, after}), (before, answer)


async def test_road_works_come_from_the_feed(citizen: Citizen) -> None:
    answer = await citizen.says("waarom is de Westerstraat dicht?")
    assert "riolering" in answer and "Parkweg" in answer
    unknown = await citizen.says("is de Lindelaan afgesloten?")
    assert "Lindelaan" in unknown and "voorbeeldstad.nl/wegwerkzaamheden" in unknown


async def test_events_come_from_the_calendar(citizen: Citizen) -> None:
    # The weekly Saturday market is always on, this weekend or the next.
    assert "Weekmarkt" in await citizen.says("wat is er dit weekend te doen?")


async def test_the_waste_calendar_asks_the_postcode_once(citizen: Citizen) -> None:
    assert "postcode" in await citizen.says("wanneer wordt het gft opgehaald?")
    answer = await citizen.says("7315 AB")
    assert "GFT (groene container)" in answer and "Oud papier" not in answer
    again = await citizen.says("en wanneer komt het oud papier?")
    assert "Oud papier (blauwe container)" in again and "postcode?" not in again


async def test_a_postcode_outside_the_municipality_is_asked_again(citizen: Citizen) -> None:
    await citizen.says("afvalkalender")
    answer = await citizen.says("1012 AB")
    assert "1012 AB" in answer and "postcode" in answer.lower()


async def test_a_crisis_question_without_a_notice_gets_the_honest_answer(citizen: Citizen) -> None:
    answer = await citizen.says("waarom gaan de sirenes af?")
    assert "112" in answer and "crisis.nl" in answer
