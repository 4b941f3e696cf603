"""The incident notice: set and ended by an admin, mentioned once per conversation."""

from __future__ import annotations

import pytest

from bot.content.crisis import CrisisBulletin, CrisisNotices
from bot.content.topics import TopicLibrary
from bot.messages import IncomingMessage
from bot.profile import load_profile
from bot.language import LanguageGuesser
from bot.router import Router
from bot.store import ConversationStore, Database
from bot.webcare.notes import NoteStore
from tests.support import ROOT, ScriptedEngine, project_municipality, webcare_gate

PROFILE = load_profile(ROOT / "municipality.yml")
TOPICS = TopicLibrary.load(PROFILE.content_dir, PROFILE.facts)


async def test_a_new_notice_ends_the_previous_one(database: Database) -> None:
    notices = CrisisNotices(database)
    assert await notices.active() is None
    await notices.start("Brand bij de haven.", "", by="beheer")
    second = await notices.start("  Kookadvies voor drinkwater in Oost.  ", "https://example.nl/water", by="beheer")
    active = await notices.active()
    assert active is not None and (active.id, active.text) == (second.id, "Kookadvies voor drinkwater in Oost.")
    assert await notices.end() is True
    assert await notices.active() is None
    assert await notices.end() is False
    with pytest.raises(ValueError):
        await notices.start("   ", "", by="beheer")


async def test_every_conversation_hears_the_notice_once(database: Database) -> None:
    store, notices = ConversationStore(database), CrisisNotices(database)
    welcome = project_municipality().welcome
    router = Router(
        store,
        ScriptedEngine(),
        PROFILE,
        1.0,
        webcare_gate(database),
        NoteStore(database),
        welcome,
        LanguageGuesser(),
        CrisisBulletin(notices, TOPICS),
    )
    before = (await router.handle(IncomingMessage("rest", "anna", "hoi"))).replies
    assert [r.text for r in before] == list(welcome.wordings)

    await notices.start(
        "Grote brand bij de haven: houd ramen en deuren dicht.", "https://example.nl/brand", by="beheer"
    )
    notice = "Actueel: Grote brand bij de haven: houd ramen en deuren dicht. Meer informatie: https://example.nl/brand"
    first = (await router.handle(IncomingMessage("rest", "anna", "hoi"))).replies
    assert [r.text for r in first] == [notice, "Je zei: hoi", "Nog iets?"]
    again = (await router.handle(IncomingMessage("rest", "anna", "nog een vraag"))).replies
    assert notice not in [r.text for r in again]
    newcomer = (await router.handle(IncomingMessage("webchat", "bram", "hallo"))).replies
    assert [r.text for r in newcomer] == [notice, *welcome.wordings]

    # The notice is stored with the conversation, as the citizen saw it.
    history = await store.history(await store.conversation_for("rest", "anna"))
    assert notice in [m.text for m in history if m.direction == "out"]

    await notices.end()
    later = (await router.handle(IncomingMessage("rest", "carla", "hoi"))).replies
    assert notice not in [r.text for r in later]
