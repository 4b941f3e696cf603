"""The conversation store on a real SQLite file and a real PostgreSQL database."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import sqlite3
import threading

import pytest
import sqlalchemy as sa

from bot.messages import Attachment, Button, IncomingMessage, Location, Reply, Understanding
from bot.store import ConversationStore, Database


@pytest.fixture
async def store(database_url: str):
    database = Database(database_url)
    database.migrate()
    yield ConversationStore(database)
    await database.close()


async def test_conversation_for_is_stable_per_channel_and_sender(store: ConversationStore) -> None:
    first = await store.conversation_for("rest", "anna")
    assert await store.conversation_for("rest", "anna") == first
    assert await store.conversation_for("webchat", "anna") != first


async def test_concurrent_first_messages_create_one_conversation(store: ConversationStore) -> None:
    ids = await asyncio.gather(*(store.conversation_for("rest", "bram") for _ in range(8)))
    assert len(set(ids)) == 1


async def test_exchange_is_kept_in_order_with_what_was_understood(store: ConversationStore) -> None:
    conversation = await store.create_conversation("webchat")
    incoming = IncomingMessage(
        channel="webchat",
        sender=conversation,
        text="kijk hier",
        location=Location(52.1, 5.1),
        attachments=(Attachment("image", "file:///tmp/x.jpg", "image/jpeg"),),
    )
    message_id = (await store.record_incoming(conversation, incoming)).id
    await store.record_outcome(
        message_id,
        conversation,
        "webchat",
        Understanding("greet", 0.87),
        [Reply("Hoi!", buttons=(Button("Paspoort", "/passport_renewal"),)), Reply("Nog iets?")],
    )
    history = await store.history(conversation)
    assert [(m.direction, m.text) for m in history] == [
        ("in", "kijk hier"),
        ("out", "Hoi!"),
        ("out", "Nog iets?"),
    ]
    assert history[0].intent == "greet" and history[0].confidence == pytest.approx(0.87)
    assert history[0].data["location"] == {"latitude": 52.1, "longitude": 5.1}
    assert history[1].as_reply().buttons == (Button("Paspoort", "/passport_renewal"),)


async def test_failed_engine_outcome_keeps_the_message_without_intent(store: ConversationStore) -> None:
    conversation = await store.conversation_for("rest", "chris")
    message_id = (await store.record_incoming(conversation, IncomingMessage("rest", "chris", "hallo"))).id
    await store.record_outcome(message_id, conversation, "rest", None, [Reply("Sorry, storing")])
    history = await store.history(conversation)
    assert history[0].intent is None
    assert history[1].text == "Sorry, storing"


async def test_unknown_conversation_does_not_exist(store: ConversationStore) -> None:
    assert not await store.exists("0" * 32)
    assert await store.history("0" * 32) == []


def test_migrations_are_idempotent_and_create_the_schema(empty_database_url: str) -> None:
    database = Database(empty_database_url)
    database.migrate()
    database.migrate()
    sync = sa.create_engine(empty_database_url)
    tables = set(sa.inspect(sync).get_table_names())
    sync.dispose()
    assert {"conversations", "messages", "alembic_version"} <= tables
    asyncio.run(database.close())


def test_a_migrated_sqlite_file_is_in_wal_mode_before_the_gateway_opens_it(tmp_path) -> None:
    """Connections that switched the journal mode as they opened beside a running
    gateway failed now and then with "database is locked"; migrating switches it
    once, and a copy of the file (the tests' template) keeps it."""
    original, copy = tmp_path / "migrated.sqlite3", tmp_path / "copy.sqlite3"
    Database(f"sqlite:///{original}").migrate()
    shutil.copyfile(original, copy)
    for path in (original, copy):
        with contextlib.closing(sqlite3.connect(path)) as connection:
            assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_unsupported_database_is_refused() -> None:
    with pytest.raises(ValueError, match="unsupported database"):
        Database("mysql://localhost/x")


async def test_closing_stops_connections_that_cancelled_tasks_were_opening(tmp_path) -> None:
    """A gateway that stops cancels its workers, perhaps while the pool opens a
    connection for them. aiosqlite's threads are no daemons: one left running
    keeps the process from ever exiting."""
    before = set(threading.enumerate())
    for steps in range(12):  # cancel at every stage of opening the first connections
        database = Database(f"sqlite:///{tmp_path / f'cancelled-{steps}.sqlite3'}")
        tasks = [asyncio.create_task(database.ping()) for _ in range(3)]
        for _ in range(steps):
            await asyncio.sleep(0)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await database.close()
    left = [thread for thread in set(threading.enumerate()) - before if not thread.daemon]
    for thread in left:
        thread.join(timeout=5)
    assert not [thread.name for thread in left if thread.is_alive()]
