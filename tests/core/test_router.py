"""The router with a real store and an engine that answers, fails or hangs."""

from __future__ import annotations

import pytest

from bot.engine import EngineError
from bot.messages import IncomingMessage
from bot.profile import load_profile
from bot.router import Router
from bot.store import ConversationStore, Database
from bot.webcare.notes import NoteStore
from tests.support import ROOT, ScriptedEngine, webcare_gate

PROFILE = load_profile(ROOT / "municipality.yml")


@pytest.fixture
async def store(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'router.sqlite3'}")
    database.migrate()
    yield ConversationStore(database)
    await database.close()


def router_with(store: ConversationStore, engine, engine_timeout: float) -> Router:
    return Router(store, engine, PROFILE, engine_timeout, webcare_gate(store.database), NoteStore(store.database))


async def test_answer_and_both_sides_are_persisted(store: ConversationStore) -> None:
    engine = ScriptedEngine()
    router = router_with(store, engine, engine_timeout=1)
    answer = await router.handle(IncomingMessage("rest", "anna", "hoi"))
    assert [r.text for r in answer.replies] == ["Je zei: hoi", "Nog iets?"]
    assert answer.conversation_id == await store.conversation_for("rest", "anna")
    conversation = await store.conversation_for("rest", "anna")
    assert engine.calls[0][0] == conversation
    assert engine.calls[0][1].channel == "rest"
    history = await store.history(conversation)
    assert [(m.direction, m.intent) for m in history] == [("in", "greet"), ("out", None), ("out", None)]


async def test_button_payload_goes_to_the_engine(store: ConversationStore) -> None:
    engine = ScriptedEngine()
    router = router_with(store, engine, engine_timeout=1)
    await router.handle(IncomingMessage("webchat", "x", "Paspoort", payload="/passport_renewal"))
    assert engine.calls[0][1].engine_text == "/passport_renewal"


@pytest.mark.parametrize(
    "engine",
    [ScriptedEngine(fail=EngineError("down")), ScriptedEngine(fail=KeyError("bug")), ScriptedEngine(delay=5)],
    ids=["engine-error", "engine-crash", "engine-timeout"],
)
async def test_failing_engine_gets_the_citizen_an_apology(store: ConversationStore, engine) -> None:
    router = router_with(store, engine, engine_timeout=0.2)
    replies = (await router.handle(IncomingMessage("rest", "bram", "hallo?"))).replies
    assert len(replies) == 1
    assert PROFILE.facts["phone"] in replies[0].text
    history = await store.history(await store.conversation_for("rest", "bram"))
    assert [m.direction for m in history] == ["in", "out"]
    assert history[0].text == "hallo?"


async def test_transcript_of_unknown_conversation_is_none(store: ConversationStore) -> None:
    router = router_with(store, ScriptedEngine(), engine_timeout=1)
    assert await router.transcript("f" * 32) is None
    conversation = await router.open_conversation("webchat")
    await router.handle(IncomingMessage("webchat", conversation, "hoi"), conversation)
    turns = await router.transcript(conversation)
    assert [t.from_citizen for t in turns] == [True, False, False]
    assert turns[1].reply.buttons[0].payload == "/affirm"


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
