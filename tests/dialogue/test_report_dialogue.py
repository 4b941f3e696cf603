"""Making a public-space report in the chat, end to end through the REST channel:
the real gateway, the trained model and the action server on a real database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import sqlalchemy as sa

from bot.contract import SOMETHING_ELSE, Entity, Intent
from tests.conftest import REST_TOKEN
from tests.support import BIN, Service, is_response, project_municipality

pytestmark = pytest.mark.integration
AUTH = {"Authorization": f"Bearer {REST_TOKEN}"}
REFERENCE = re.compile(r"M-\d{4}-\d{6}")
CHANGE_LOCATION = '/inform{"report_change": "report_location"}'
CHOOSE_SOMETHING_ELSE = "/inform" + json.dumps({Entity.REPORT_CATEGORY: SOMETHING_ELSE})
# The model is unsure of this one's kind: a sign, a light or paving?
UNSURE = "het straatnaambord is van de gevel gevallen"
# Long, about the street, and not a message the model can place.
UNPLACED = "sinds de nieuwe bewoners er zijn is het elke avond onrustig bij ons"


class Citizen:
    """One sender on the REST channel, keeping every reply for the assertions."""

    def __init__(self, session: aiohttp.ClientSession, gateway: Service) -> None:
        self.session = session
        self.gateway = gateway
        self.sender = f"citizen-{uuid.uuid4().hex[:10]}"

    async def says(self, text: str, **metadata: Any) -> str:
        body = {"sender": self.sender, "message": text, "metadata": metadata}
        async with self.session.post(self.gateway.url + "/webhooks/rest/webhook", json=body, headers=AUTH) as response:
            assert response.status == 200, await response.text()
            replies = await response.json()
        self.last_buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
        text = "\n".join(r.get("text", "") for r in replies)
        assert text.strip(), f"no answer to {text!r}"
        assert "{" not in text, f"unfilled placeholder in {text!r}"
        return text


@pytest.fixture
async def citizen(gateway: Service) -> Any:
    async with aiohttp.ClientSession() as session:
        yield Citizen(session, gateway)


def asks_where(text: str) -> bool:
    """The bot's last words are one of its questions for the report's place."""
    return is_response(text.splitlines()[-1], "utter_ask_report_location")


def stored_reports(gateway: Service) -> list[dict[str, Any]]:
    engine = sa.create_engine(gateway.env["DATABASE_URL"])
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT * FROM reports ORDER BY id")).mappings().all()
    engine.dispose()
    return [dict(row) for row in rows]


async def test_one_sentence_gives_category_description_and_place(citizen: Citizen, gateway: Service) -> None:
    photo_question = await citizen.says("de lantaarnpaal voor Kerkstraat 12 is kapot")
    assert "foto" in photo_question.lower()
    assert "/deny" in citizen.last_buttons
    contact_question = await citizen.says("/deny")
    assert "e-mail" in contact_question
    summary = await citizen.says("anna@example.nl")
    assert "Klopt dit?" in summary
    assert "Straatverlichting" in summary and "Kerkstraat 12" in summary and "anna@example.nl" in summary
    assert "/affirm" in citizen.last_buttons and "/cancel" in citizen.last_buttons
    thanks = await citizen.says("/affirm")
    reference = REFERENCE.search(thanks)
    assert reference, thanks
    assert "5 werkdagen" in thanks and "anna@example.nl" in thanks

    (report,) = [r for r in stored_reports(gateway) if r["reference"] == reference.group(0)]
    assert report["service_code"] == "wegen/straatverlichting"
    assert report["address"] == "Kerkstraat 12"
    assert report["description"] == "de lantaarnpaal voor Kerkstraat 12 is kapot"
    assert (report["latitude"], report["longitude"]) == (52.2003, 5.8991)
    assert report["contact_email"] == "anna@example.nl"
    assert report["status"] == "ontvangen" and report["forward_state"] == "kept"

    status = await citizen.says(f"wat is de status van {reference.group(0)}?")
    assert reference.group(0) in status and "ontvangen" in status


async def test_nobody_reads_the_status_of_someone_elses_report(gateway: Service) -> None:
    async with aiohttp.ClientSession() as session:
        reporter, stranger = Citizen(session, gateway), Citizen(session, gateway)
        await reporter.says("er ligt een losse stoeptegel voor Dorpsstraat 8")
        await reporter.says("/deny")
        await reporter.says("/deny")
        reference = REFERENCE.search(await reporter.says("/affirm"))
        assert reference
        answer = await stranger.says(f"wat is de status van melding {reference.group(0)}?")
        assert "niet vinden" in answer
        assert "stoeptegel" not in answer.lower() and "Dorpsstraat" not in answer
        assert "niet vinden" in await stranger.says("wat is de status van melding M-2026-999999?")
        assert "geen meldingen" in await stranger.says("welke meldingen heb ik gedaan?")
        assert reference.group(0) in await reporter.says("welke meldingen heb ik gedaan?")


async def test_an_opener_without_details_is_asked_step_by_step_with_buttons(citizen: Citizen) -> None:
    question = await citizen.says("ik wil iets melden")
    assert "aan de hand" in question
    await citizen.says("iets raars")
    # A description the model cannot place gets the main categories as buttons…
    assert '/inform{"report_category": "wegen"}' in citizen.last_buttons
    await citizen.says('/inform{"report_category": "wegen"}')
    # …then the sub-categories of the one chosen.
    assert '/inform{"report_category": "wegen/verkeersbord"}' in citizen.last_buttons
    where = await citizen.says('/inform{"report_category": "wegen/verkeersbord"}')
    assert asks_where(where), where
    assert "foto" in (await citizen.says("Molenstraat 3")).lower()


async def test_an_unsure_kind_is_asked_with_the_likeliest_ones_as_buttons(citizen: Citizen) -> None:
    question = await citizen.says(UNSURE)
    assert is_response(question.splitlines()[-1], "utter_ask_report_likely_category"), question
    offered, last = citizen.last_buttons[:-1], citizen.last_buttons[-1]
    assert 2 <= len(offered) <= 3 and last == CHOOSE_SOMETHING_ELSE
    assert '/inform{"report_category": "wegen/verkeersbord"}' in offered
    where = await citizen.says('/inform{"report_category": "wegen/verkeersbord"}')
    assert asks_where(where), where
    await citizen.says("Molenstraat 3")
    await citizen.says("/deny")
    summary = await citizen.says("/deny")
    label = project_municipality().reports.label("wegen/verkeersbord")
    assert f"Klopt dit?\n• Wat: {label}\n• Omschrijving: {UNSURE}\n" in summary, summary


async def test_something_else_than_the_likeliest_kinds_shows_them_all(citizen: Citizen) -> None:
    await citizen.says(UNSURE)
    await citizen.says(CHOOSE_SOMETHING_ELSE)
    assert '/inform{"report_category": "wegen"}' in citizen.last_buttons
    assert CHOOSE_SOMETHING_ELSE not in citizen.last_buttons
    # "Overig" has one kind only: chosen with it.
    assert asks_where(await citizen.says('/inform{"report_category": "overig"}'))


async def test_a_long_message_the_bot_cannot_place_is_offered_as_a_report(citizen: Citizen) -> None:
    offer = await citizen.says(UNPLACED)
    assert is_response(offer.splitlines()[-1], "utter_offer_report"), offer
    assert citizen.last_buttons == [f"/{Intent.REPORT_ISSUE}", f"/{Intent.HUMAN_HANDOFF}"]
    # Yes: the message itself is the report's description, and names its likeliest kinds.
    kind = await citizen.says(f"/{Intent.REPORT_ISSUE}")
    assert is_response(kind.splitlines()[-1], "utter_ask_report_likely_category"), kind
    likeliest = citizen.last_buttons[0]
    code = json.loads(likeliest.removeprefix("/inform"))[Entity.REPORT_CATEGORY]
    assert asks_where(await citizen.says(likeliest))
    await citizen.says("Molenstraat 3")
    await citizen.says("/deny")
    summary = await citizen.says("/deny")
    label = project_municipality().reports.label(code)
    assert f"Klopt dit?\n• Wat: {label}\n• Omschrijving: {UNPLACED}\n" in summary, summary


async def test_a_question_mid_form_is_answered_and_the_form_goes_on(citizen: Citizen) -> None:
    await citizen.says("ik wil een melding doen")
    where = await citizen.says("er is graffiti gespoten op de muur")
    assert asks_where(where), where
    answer = await citizen.says("wat kost een paspoort?")
    assert "€ 84,45" in answer
    assert asks_where(answer), "the form asks its question again"
    assert "foto" in (await citizen.says("bij de bibliotheek")).lower()


async def test_typed_answers_work_as_well_as_buttons(citizen: Citizen) -> None:
    where = await citizen.says("er is graffiti gespoten op de muur")
    assert asks_where(where), where
    assert "foto" in (await citizen.says("bij het station")).lower()
    assert "e-mail" in await citizen.says("geen foto")
    summary = await citizen.says("anoniem")
    assert "Klopt dit?" in summary and "Waar: station" in summary and "Contact: anoniem" in summary


async def test_a_field_is_corrected_from_the_summary(citizen: Citizen) -> None:
    await citizen.says("de lantaarnpaal voor Kerkstraat 12 is kapot")
    await citizen.says("/deny")
    summary = await citizen.says("/deny")
    assert "Kerkstraat 12" in summary
    where = await citizen.says(CHANGE_LOCATION)
    assert asks_where(where), where
    summary = await citizen.says("Molenstraat 6")
    assert "Klopt dit?" in summary and "Waar: Molenstraat 6" in summary


async def test_cancel_at_any_time_leaves_nothing_behind(citizen: Citizen, gateway: Service) -> None:
    before = len(stored_reports(gateway))
    await citizen.says("er staat een fietswrak bij het station")
    stopped = await citizen.says("laat maar")
    assert is_response(stopped.splitlines()[-1], "utter_report_cancelled"), stopped
    assert len(stored_reports(gateway)) == before
    # The next report starts empty, not with the stopped one's answers.
    assert "aan de hand" in await citizen.says("ik wil iets melden")


async def test_an_anonymous_report_is_told_how_to_follow_it(citizen: Citizen) -> None:
    await citizen.says("er ligt een dode kat op de Parkweg")
    await citizen.says("/deny")
    summary = await citizen.says("/deny")
    assert "anoniem" in summary
    thanks = await citizen.says("/affirm")
    reference = REFERENCE.search(thanks)
    assert reference and thanks.count(reference.group(0)) == 2, "the number, and how to ask about it"


async def test_a_place_outside_the_municipality_is_refused_kindly(citizen: Citizen) -> None:
    await citizen.says("er zit een gat in de weg")
    outside = await citizen.says("/report_issue", location={"latitude": 52.3731, "longitude": 4.8922})
    assert "buiten Voorbeeldstad" in outside
    inside = await citizen.says("/report_issue", location={"latitude": 52.2004, "longitude": 5.8993})
    assert "foto" in inside.lower()
    await citizen.says("/deny")
    summary = await citizen.says("/deny")
    assert "in de buurt van" in summary


async def test_garbage_coordinates_and_unknown_streets_get_a_clear_answer(citizen: Citizen) -> None:
    await citizen.says("er zit een gat in de weg")
    garbage = await citizen.says("/report_issue", location={"latitude": "noord", "longitude": 999})
    assert "kan ik niet lezen" in garbage
    unknown = await citizen.says("Nergenshuizerweg 4")
    assert "niet vinden" in unknown and "Nergenshuizerweg 4" in unknown
    assert "foto" in (await citizen.says("Kerkstraat 2")).lower()


async def test_an_invalid_contact_is_asked_again(citizen: Citizen) -> None:
    await citizen.says("de glasbak aan de Molenstraat puilt uit")
    await citizen.says("/deny")
    again = await citizen.says("anna@@example")
    assert "geen goed e-mailadres" in again
    summary = await citizen.says("06 12345678")
    assert "+31612345678" in summary


async def test_an_emergency_sends_the_citizen_to_112_and_starts_no_form(citizen: Citizen) -> None:
    answer = await citizen.says("ik ruik gas in de straat")
    assert "112" in answer
    assert "Waar" not in answer and "foto" not in answer.lower()
    assert "112" in await citizen.says("er staat een auto in brand")


async def test_a_message_that_may_be_an_emergency_names_112_before_anything_else(citizen: Citizen) -> None:
    # The model hesitates between a report and an emergency: a car may have people in it.
    unsure = await citizen.says("er rijdt een auto de sloot in")
    assert is_response(unsure.splitlines()[-1], "utter_maybe_emergency"), unsure
    assert citizen.last_buttons == [f"/{Intent.REPORT_ISSUE}", f"/{Intent.HUMAN_HANDOFF}"]
    # Taken for a report, with an emergency close behind (someone may sit in that car):
    # 112 first, then the form.
    report = await citizen.says("er ligt een boom op een auto in de Kerkstraat")
    lines = report.splitlines()
    hint = next(i for i, line in enumerate(lines) if is_response(line, "utter_report_emergency_hint"))
    assert hint == len(lines) - 2, report


async def test_an_emergency_mid_form_stops_the_form(citizen: Citizen) -> None:
    await citizen.says("er ligt een losse stoeptegel")
    answer = await citizen.says("er is brand!")
    assert "112" in answer
    greeting = await citizen.says("hoi")
    assert "Waar is het" not in greeting and "foto" not in greeting.lower()


async def test_a_public_conversation_is_never_asked_for_contact_details(citizen: Citizen) -> None:
    await citizen.says("de lantaarnpaal voor Kerkstraat 12 is kapot", public=True)
    summary = await citizen.says("/deny", public=True)
    assert "Klopt dit?" in summary and "e-mail" not in summary


async def test_the_parse_api_and_cli_name_the_category_of_report_texts(gateway: Service, trained_model: Path) -> None:
    async with aiohttp.ClientSession() as session:

        async def parse(text: str) -> dict[str, Any]:
            async with session.post(gateway.url + "/api/nlu/parse", json={"text": text}, headers=AUTH) as response:
                assert response.status == 200
                return await response.json()

        report = await parse("de lantaarnpaal voor Kerkstraat 12 is kapot")
        greeting = await parse("hoi")
    assert report["intent"]["name"] == "report_issue"
    assert report["report_category"]["code"] == "wegen/straatverlichting"
    assert 0.5 <= report["report_category"]["confidence"] <= 1.0
    assert report["report_category"]["main"]["code"] == "wegen"
    assert greeting["report_category"] is None

    cli = subprocess.run(
        [str(BIN / "dorpspomp"), "parse"],
        input="er ligt hondenpoep op het speelveld\nhoi\n",
        capture_output=True,
        text=True,
        env={**os.environ, "MODEL_DIR": str(trained_model.parent)},
        timeout=300,
        check=True,
    )
    lines = [json.loads(line) for line in cli.stdout.splitlines()]
    assert lines[0]["report_category"]["code"] == "overlast/hondenpoep"
    assert lines[1]["report_category"] is None
