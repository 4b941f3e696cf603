"""Every hand-off trigger with the trained model, through the REST channel of the
real gateway and action server, on SQLite and on PostgreSQL with Redis."""

from __future__ import annotations

import aiohttp
import pytest

from bot.clock import utcnow
from bot.contract import HandoffReason
from bot.webcare.hours import TeamHours
from tests.citizens import Citizen
from tests.support import Agent, Service, add_colleague, is_response, project_municipality

pytestmark = pytest.mark.integration
TEAM_HOURS = TeamHours(project_municipality().webcare)


async def handed_off(citizen: Citizen, text: str) -> str:
    """What the citizen hears on saying ``text``, checked to end with the hand-off
    message that fits the team's hours: the wait in minutes while the team works,
    when it answers otherwise."""
    open_before = TEAM_HOURS.is_open(utcnow())
    answer = await citizen.says(text)
    open_after = TEAM_HOURS.is_open(utcnow())
    last = answer.splitlines()[-1]
    # Only when the team's hours began or ended during the call are both right.
    expected = {"utter_handoff_open" if open_ else "utter_handoff_closed" for open_ in (open_before, open_after)}
    assert any(is_response(last, response) for response in expected), answer
    return answer


async def test_asking_for_a_person_queues_the_conversation_and_silences_the_bot(citizen: Citizen) -> None:
    assert citizen.handoff() is None
    await handed_off(citizen, "ik wil een medewerker spreken")
    handoff = citizen.handoff()
    assert (handoff["reason"], handoff["topic"], handoff["state"]) == (HandoffReason.HUMAN_HANDOFF, None, "queued")
    assert await citizen.says("hallo, is daar iemand?") == "", "the bot stays silent while webcare has it"
    assert await citizen.says("wat kost een paspoort") == ""


async def test_a_complaint_is_acknowledged_and_goes_to_a_colleague(citizen: Citizen) -> None:
    await handed_off(citizen, "ik wil een klacht indienen over hoe ik aan de balie ben behandeld")
    assert citizen.handoff()["reason"] == HandoffReason.COMPLAINT


async def test_social_support_is_acknowledged_before_a_colleague_is_offered(gateway: Service) -> None:
    async with aiohttp.ClientSession() as session:
        accepts, declines = Citizen(session, gateway), Citizen(session, gateway)
        offer = await accepts.says("ik kan mijn huur niet meer betalen")
        assert "vervelend" in offer.lower() and "doorverbinden" in offer
        assert accepts.handoff() is None, "nothing is queued before the citizen says yes"
        await handed_off(accepts, "ja graag")
        assert accepts.handoff()["reason"] == HandoffReason.SOCIAL_SUPPORT

        await declines.says("ik heb schulden en weet niet wat ik moet doen")
        assert "14 0123" in await declines.says("nee")
        assert declines.handoff() is None


async def test_the_second_miss_in_a_row_goes_to_a_colleague(citizen: Citizen) -> None:
    await citizen.says("qwrtpz xlkj vbnm")
    assert "/human_handoff" in citizen.last_buttons, "the first miss offers a colleague"
    assert citizen.handoff() is None
    await handed_off(citizen, "zxcvb mnbvc plkj")
    assert citizen.handoff()["reason"] == HandoffReason.FALLBACK


async def test_a_report_that_fits_no_category_is_sent_and_a_colleague_looks(citizen: Citizen) -> None:
    await citizen.says("ik wil iets melden")
    await citizen.says("iets raars")
    # The citizen taps "Iets anders" among the categories the bot offers.
    [other] = [payload for payload in citizen.last_buttons if '"overig' in payload]
    await citizen.says(other)
    await citizen.says("Molenstraat 3")
    await citizen.says("/deny")
    await citizen.says("/deny")
    thanks = await handed_off(citizen, "/affirm")
    assert "M-" in thanks and "persoonlijk" in thanks
    assert citizen.handoff()["reason"] == HandoffReason.REPORT_OTHER


async def test_after_a_colleague_hands_back_the_bot_answers_and_takes_a_rating(
    citizen: Citizen, gateway: Service
) -> None:
    agent = Agent(gateway.url)
    assert (await agent.login(await add_colleague(gateway.env["DATABASE_URL"]))).status == 303

    await citizen.says("mag ik een mens spreken")
    assert await citizen.says("mijn paspoort is gestolen") == ""
    base = f"/webcare/api/conversations/{citizen.handoff()['conversation_id']}"
    await agent.post(base + "/claim", {})
    view = await agent.get(base)
    assert view["messages"][-1]["text"] == "mijn paspoort is gestolen"
    assert view["messages"][-1]["intent"], "the inbox shows what the model made of it"
    await agent.post(base + "/reply", {"text": "Vervelend! Doe eerst aangifte bij de politie."})
    seen = max(m["id"] for m in view["messages"] if m["from"] == "citizen")
    await agent.post(base + "/close", {"last_seen": seen, "back_to_bot": True})
    await agent.close()

    assert "84,45" in await citizen.says("wat kost een paspoort?"), "the bot answers again"
    thanks = await citizen.says('/rate_service{"rating": "4"}')
    assert is_response(thanks, "utter_rating_thanks"), thanks
    assert citizen.handoff(open_only=False)["satisfaction"] == 4
