"""Hand-offs, staff and canned responses on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from bot.clock import utcnow
from bot.messages import IncomingMessage
from bot.store import ConversationStore, Database
from bot.webcare.canned import CannedError, CannedStore
from bot.webcare.handoffs import ASSIGNED, BACK_TO_BOT, CLOSED, QUEUED, RESOLVED, HandoffStore, NewCitizenMessage
from bot.webcare.staff import MAX_FAILED_LOGINS, StaffError, StaffStore, initials_of

PASSWORD = "correct horse battery"


@pytest.fixture
async def conversation(database: Database) -> str:
    store = ConversationStore(database)
    conversation = await store.create_conversation("webchat")
    await store.record_incoming(conversation, IncomingMessage("webchat", conversation, "mens aub"))
    return conversation


async def two_agents(database: Database):
    staff = StaffStore(database)
    return (
        await staff.add("anna", "Anna de Kok", "agent", PASSWORD),
        await staff.add("bram", "Bram Visser", "agent", PASSWORD),
    )


async def test_the_hand_off_goes_bot_queued_assigned_resolved(database: Database, conversation: str) -> None:
    handoffs = HandoffStore(database)
    anna, bram = await two_agents(database)
    opened = await handoffs.open(conversation, "human_handoff", "passport_urgent")
    assert (opened.state, opened.reason, opened.topic, opened.channel) == (
        QUEUED,
        "human_handoff",
        "passport_urgent",
        "webchat",
    )
    assert (await handoffs.open(conversation, "complaint", None)).id == opened.id, "one open hand-off per conversation"
    assert [h.id for h in await handoffs.waiting()] == [opened.id]

    assert await handoffs.claim(opened.id, anna.id)
    assert not await handoffs.claim(opened.id, bram.id)
    assert await handoffs.transfer(opened.id, anna.id, bram.id)
    assert not await handoffs.transfer(opened.id, anna.id, bram.id), "only the owner hands it on"
    current = await handoffs.active(conversation)
    assert (current.state, current.staff_initials) == (ASSIGNED, "BV")
    assert [h.id for h in await handoffs.assigned()] == [opened.id]

    newest = max(m.id for m in await ConversationStore(database).history(conversation))
    assert not await handoffs.resolve(opened.id, anna.id, CLOSED, newest), "anna no longer owns it"
    assert await handoffs.resolve(opened.id, bram.id, BACK_TO_BOT, newest)
    assert await handoffs.active(conversation) is None
    done = await handoffs.latest(conversation)
    assert (done.state, done.outcome) == (RESOLVED, BACK_TO_BOT)
    assert [h.id for h in await handoffs.recently_resolved()] == [opened.id]

    again = await handoffs.open(conversation, "complaint", "complaint")
    assert again.id != opened.id and again.state == QUEUED, "a conversation can go to webcare again"


async def test_two_colleagues_claiming_at_once_one_wins(database: Database, conversation: str) -> None:
    handoffs = HandoffStore(database)
    anna, bram = await two_agents(database)
    handoff = await handoffs.open(conversation, "human_handoff", None)
    results = await asyncio.gather(*(handoffs.claim(handoff.id, who.id) for who in (anna, bram, anna, bram)))
    assert results.count(True) == 1
    assert (await handoffs.active(conversation)).staff_id in (anna.id, bram.id)


async def test_a_message_arriving_during_the_hand_back_is_never_skipped(database: Database, conversation: str) -> None:
    store, handoffs = ConversationStore(database), HandoffStore(database)
    anna, _ = await two_agents(database)
    handoff = await handoffs.open(conversation, "human_handoff", None)
    await handoffs.claim(handoff.id, anna.id)
    seen = max(m.id for m in await store.history(conversation))
    await store.record_incoming(conversation, IncomingMessage("webchat", conversation, "nog één ding!"))
    with pytest.raises(NewCitizenMessage):
        await handoffs.resolve(handoff.id, anna.id, BACK_TO_BOT, seen)
    assert (await handoffs.active(conversation)).state == ASSIGNED
    newest = max(m.id for m in await store.history(conversation))
    assert await handoffs.resolve(handoff.id, anna.id, BACK_TO_BOT, newest)


async def test_a_rating_counts_once_for_the_newest_hand_back(database: Database, conversation: str) -> None:
    store, handoffs = ConversationStore(database), HandoffStore(database)
    anna, _ = await two_agents(database)
    assert not await handoffs.rate(conversation, 5), "nothing to rate before a hand-back"
    handoff = await handoffs.open(conversation, "human_handoff", None)
    await handoffs.claim(handoff.id, anna.id)
    await handoffs.replied(handoff.id)
    await handoffs.resolve(handoff.id, anna.id, BACK_TO_BOT, max(m.id for m in await store.history(conversation)))
    assert await handoffs.rate(conversation, 4)
    assert not await handoffs.rate(conversation, 1)
    assert (await handoffs.latest(conversation)).id == handoff.id


async def test_staff_log_in_with_argon2_and_are_locked_out_after_failures(database: Database) -> None:
    staff = StaffStore(database)
    member = await staff.add("Anna", "Anna de Kok", "admin", PASSWORD)
    assert (member.username, member.initials, member.is_admin) == ("anna", "AK", True)
    with pytest.raises(StaffError):
        await staff.add("anna", "Anna Twee", "agent", PASSWORD)
    with pytest.raises(StaffError):
        await staff.add("kort", "Kort Wachtwoord", "agent", "geheim")
    with pytest.raises(StaffError):
        await staff.add("baas", "De Baas", "superuser", PASSWORD)

    result = await staff.login("anna", PASSWORD)
    session = await staff.session(result.token)
    assert session.member.id == member.id and len(session.csrf_token) > 20
    await staff.logout(result.token)
    assert await staff.session(result.token) is None
    assert (await staff.login("nobody", PASSWORD)).token is None

    for _ in range(MAX_FAILED_LOGINS - 1):
        assert not (await staff.login("anna", "wrong password")).locked
    assert (await staff.login("anna", "wrong password")).locked
    assert (await staff.login("anna", PASSWORD)).locked, "even the right password waits out the lock"
    later = utcnow() + timedelta(minutes=16)
    assert (await staff.login("anna", PASSWORD, now=later)).token
    assert await staff.unlock("anna")


def test_initials_come_from_the_capitalised_words() -> None:
    assert initials_of("Anna de Kok") == "AK"
    assert initials_of("jan jansen") == "JJ"


async def test_canned_responses_fill_placeholders_and_refuse_unknown_ones(database: Database) -> None:
    canned = CannedStore(database)
    await canned.save("Groet", "Hoi {first_name}, met {agent_name} van {municipality}.")
    with pytest.raises(CannedError):
        await canned.save("Fout", "Hoi {voornaam}")
    with pytest.raises(CannedError):
        await canned.save("Groet", "dubbel")
    [greeting] = await canned.all()
    assert greeting.fill({"first_name": "Anna", "agent_name": "Bram", "municipality": "Voorbeeldstad"}) == (
        "Hoi Anna, met Bram van Voorbeeldstad."
    )
    await canned.delete(greeting.id)
    assert await canned.all() == []


async def test_a_reset_password_or_a_disabled_account_ends_its_sessions(database: Database) -> None:
    staff = StaffStore(database)
    anna = await staff.add("anna", "Anna de Kok", "agent", PASSWORD)
    token = (await staff.login("anna", PASSWORD)).token
    assert await staff.set_password("anna", "a brand new passphrase")
    assert await staff.session(token) is None
    assert (await staff.login("anna", PASSWORD)).token is None
    token = (await staff.login("anna", "a brand new passphrase")).token
    with pytest.raises(StaffError):
        await staff.set_password("anna", "short")

    assert await staff.disable("anna")
    assert await staff.session(token) is None
    assert (await staff.login("anna", "a brand new passphrase")).token is None
    assert await staff.all() == [], "a colleague who left is no transfer target"
    assert (await staff.initials())[anna.id] == "AK", "old replies keep their signature"
    assert not await staff.disable("nobody")
