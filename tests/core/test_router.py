"""The router with a real store and an engine that answers, fails or hangs."""

from __future__ import annotations

import pytest

from bot.contract import Language
from bot.engine import EngineError
from bot.language import LanguageGuesser
from bot.messages import Answer, IncomingMessage
from bot.profile import load_profile
from bot.router import Router
from bot.store import ConversationStore, Database
from bot.webcare.notes import NoteStore
from tests.support import ROOT, ScriptedEngine, project_municipality, webcare_gate

PROFILE = load_profile(ROOT / "municipality.yml")
WELCOME = project_municipality().welcome


@pytest.fixture
async def store(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'router.sqlite3'}")
    database.migrate()
    yield ConversationStore(database)
    await database.close()


def router_with(store: ConversationStore, engine, engine_timeout: float) -> Router:
    return Router(
        store,
        engine,
        PROFILE,
        engine_timeout,
        webcare_gate(store.database),
        NoteStore(store.database),
        WELCOME,
        LanguageGuesser(),
    )


async def test_answer_and_both_sides_are_persisted(store: ConversationStore) -> None:
    engine = ScriptedEngine()
    router = router_with(store, engine, engine_timeout=1)
    await router.handle(IncomingMessage("rest", "anna", "hoi"))
    answer = await router.handle(IncomingMessage("rest", "anna", "open?"))
    assert [r.text for r in answer.replies] == ["Je zei: open?", "Nog iets?"]
    assert answer.conversation_id == await store.conversation_for("rest", "anna")
    conversation = await store.conversation_for("rest", "anna")
    assert engine.calls[1][0] == conversation
    assert engine.calls[1][1].channel == "rest"
    history = await store.history(conversation)
    assert [(m.direction, m.intent) for m in history] == [
        ("in", "greet"),
        ("out", None),
        ("in", "opening_hours"),
        ("out", None),
        ("out", None),
    ]


WELCOME_TEXT = (
    "Hoi, welkom bij de chat van de gemeente Voorbeeldstad! Je praat met een digitale assistent;"
    " wil je liever een mens, dan neemt een collega het over."
    " Wat we met je berichten doen: https://www.voorbeeldstad.nl/privacy-chat"
)
WELCOME_TOPICS = [
    ("Paspoort of ID-kaart", "/passport_renewal"),
    ("Verhuizing doorgeven", "/moving_address"),
    ("Afvalkalender", "/waste_collection"),
    ("Iets melden op straat", "/report_issue"),
    ("Wegwerkzaamheden", "/road_diversion"),
    ("Openingstijden en contact", "/opening_hours"),
]


async def test_a_first_greeting_is_answered_by_the_welcome_with_its_topics(store: ConversationStore) -> None:
    router = router_with(store, ScriptedEngine(), engine_timeout=1)
    first = (await router.handle(IncomingMessage("telegram", "anna", "/start", payload="/greet"))).replies
    assert [(r.text, [(b.title, b.payload) for b in r.buttons]) for r in first] == [(WELCOME_TEXT, WELCOME_TOPICS)]
    again = (await router.handle(IncomingMessage("telegram", "anna", "hoi"))).replies
    assert [r.text for r in again] == ["Je zei: hoi", "Nog iets?"]
    named = IncomingMessage("rest", "bram", "hoi", metadata={"first_name": " Bram "})
    [welcome] = (await router.handle(named)).replies
    assert welcome.text == WELCOME_TEXT.replace("Hoi, welkom", "Hoi Bram, welkom")


async def test_a_first_question_gets_the_welcome_then_its_answer(store: ConversationStore) -> None:
    router = router_with(store, ScriptedEngine(), engine_timeout=1)
    first = (await router.handle(IncomingMessage("whatsapp", "31612345678", "open?"))).replies
    assert [(r.text, r.buttons) for r in first[:1]] == [(WELCOME_TEXT, ())]
    assert [r.text for r in first[1:]] == ["Je zei: open?", "Nog iets?"]
    failing = router_with(store, ScriptedEngine(fail=EngineError("down")), engine_timeout=1)
    broken = (await failing.handle(IncomingMessage("whatsapp", "31699999999", "open?"))).replies
    assert broken[0].text == WELCOME_TEXT and PROFILE.facts["phone"] in broken[1].text


async def test_an_opened_chat_is_welcomed_once_and_a_public_post_not_at_all(store: ConversationStore) -> None:
    router = router_with(store, ScriptedEngine(), engine_timeout=1)
    conversation = await router.open_conversation("webchat", Language.DUTCH)
    history = await store.history(conversation)
    assert [(m.direction, m.text) for m in history] == [("out", WELCOME_TEXT)]
    assert "/report_issue" in await store.offered_payloads(conversation, 20)
    replies = (await router.handle(IncomingMessage("webchat", conversation, "hoi"), conversation)).replies
    assert [r.text for r in replies] == ["Je zei: hoi", "Nog iets?"]
    public = (await router.handle(IncomingMessage("x", "1234", "open?", public=True))).replies
    assert [r.text for r in public] == ["Je zei: open?", "Nog iets?"]


async def test_button_payload_goes_to_the_engine(store: ConversationStore) -> None:
    engine = ScriptedEngine()
    router = router_with(store, engine, engine_timeout=1)
    await router.handle(IncomingMessage("webchat", "x", "Paspoort", payload="/passport_renewal"))
    assert engine.calls[0][1].engine_text == "/passport_renewal"


async def test_a_message_taken_again_after_its_answer_was_stored_is_not_answered_again(
    store: ConversationStore,
) -> None:
    """A second process takes a message whose first answer was stored: the first
    died before it could mark the message answered, or its hold lapsed while it
    answered. The engine hears the message once; the channel gets the stored
    answer, marked repeated, inside the turn (to send what the first could not)."""
    engine = ScriptedEngine()
    router = router_with(store, engine, engine_timeout=1)
    await router.handle(IncomingMessage("telegram", "8", "hoi", platform_message_id="8:1"))
    first = await router.handle(IncomingMessage("telegram", "8", "open?", platform_message_id="8:2"))
    stepped: list[Answer] = []

    async def step(answer: Answer) -> None:
        stepped.append(answer)

    again = await router.handle(IncomingMessage("telegram", "8", "open?", platform_message_id="8:2"), then=step)
    assert [m.engine_text for _, m in engine.calls] == ["hoi", "open?"]
    assert again.repeated and not first.repeated
    assert again.replies == first.replies and stepped == [again]
    history = await store.history(first.conversation_id or "")
    assert [(m.direction, m.text) for m in history][-3:] == [
        ("in", "open?"),
        ("out", "Je zei: open?"),
        ("out", "Nog iets?"),
    ]


@pytest.mark.parametrize(
    "engine",
    [ScriptedEngine(fail=EngineError("down")), ScriptedEngine(fail=KeyError("bug")), ScriptedEngine(delay=5)],
    ids=["engine-error", "engine-crash", "engine-timeout"],
)
async def test_failing_engine_gets_the_citizen_an_apology(store: ConversationStore, engine) -> None:
    router = router_with(store, engine, engine_timeout=0.2)
    replies = (await router.handle(IncomingMessage("rest", "bram", "hallo?"))).replies
    assert replies[0].text == WELCOME_TEXT and len(replies) == 2
    assert PROFILE.facts["phone"] in replies[1].text
    history = await store.history(await store.conversation_for("rest", "bram"))
    assert [m.direction for m in history] == ["in", "out", "out"]
    assert history[0].text == "hallo?"


async def test_transcript_of_unknown_conversation_is_none(store: ConversationStore) -> None:
    router = router_with(store, ScriptedEngine(), engine_timeout=1)
    assert await router.transcript("f" * 32) is None
    conversation = await router.open_conversation("webchat", Language.DUTCH)
    await router.handle(IncomingMessage("webchat", conversation, "hoi"), conversation)
    turns = await router.transcript(conversation)
    assert [t.from_citizen for t in turns] == [False, True, False, False]
    assert turns[2].reply.buttons[0].payload == "/affirm"


async def test_storage_failure_gets_an_honest_answer_not_an_error(tmp_path) -> None:
    database = Database(f"sqlite:///{tmp_path / 'gone.sqlite3'}")
    database.migrate()
    store = ConversationStore(database)
    async with database.engine.begin() as connection:
        await connection.exec_driver_sql("DROP TABLE messages")
    engine = ScriptedEngine()
    answer = await router_with(store, engine, engine_timeout=1).handle(IncomingMessage("rest", "dora", "hoi"))
    await database.close()
    assert [r.text for r in answer.replies] == [PROFILE.text("storage_failed")]
    assert answer.conversation_id is None, "no conversation to keep the answer in"
    assert engine.calls == [], "nothing reaches the engine that could not be kept"


async def test_a_first_message_in_english_is_welcomed_in_english(store: ConversationStore) -> None:
    router = router_with(store, ScriptedEngine(), engine_timeout=1)
    [welcome, *_] = (
        await router.handle(IncomingMessage("whatsapp", "31611111111", "When is the town hall open?"))
    ).replies
    assert welcome.text.startswith("Hi, welcome to the chat of the municipality of Voorbeeldstad!")
    assert welcome.buttons == ()
    greeted = IncomingMessage("telegram", "42", "/start", payload="/greet")
    [welcome] = (await router.handle(greeted)).replies
    assert welcome.text == WELCOME_TEXT, "a greeting without words of a language: the Dutch welcome"


async def test_the_conversation_keeps_the_language_the_citizen_clearly_writes(store: ConversationStore) -> None:
    engine = ScriptedEngine()
    router = router_with(store, engine, engine_timeout=1)
    for text in (
        "Hi, how can I renew my passport?",
        "yes",
        "Kerkstraat 12",
        "waar kan ik mijn paspoort verlengen?",
        "ok",
    ):
        await router.handle(IncomingMessage("telegram", "anna", text))
    said = [(m.text, m.metadata["language"]) for _, m in engine.calls]
    assert said == [
        ("Hi, how can I renew my passport?", "en"),
        ("yes", "en"),
        ("Kerkstraat 12", "en"),
        ("waar kan ik mijn paspoort verlengen?", "nl"),
        ("ok", "nl"),
    ]
    assert await store.opening(await store.conversation_for("telegram", "anna")) == (True, "nl")
