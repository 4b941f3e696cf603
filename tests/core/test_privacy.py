"""A citizen's data exported and erased on request, and the retention job,
on SQLite and PostgreSQL: content goes, the KPI figures stay."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import redis.asyncio as aioredis
import sqlalchemy as sa
from PIL import Image

from bot.audit import AuditLog
from bot.engine.redis_keys import tracker_key
from bot.kpi.figures import KpiReport
from bot.learning.review import ReviewQueue
from bot.media import MediaStore
from bot.messages import IncomingMessage
from bot.privacy.citizens import ERASED_SENDER, CitizenRecords
from bot.privacy.redact import review_key
from bot.privacy.retention import forget_old_audit, purge_expired
from bot.storage.local import LocalFolder
from bot.store import ConversationStore, Database
from bot.store.inbox import PlatformInbox
from bot.store.tables import messages, platform_inbox, review_decisions
from tests.history import PastConversation, Turn, contents, write_history
from tests.support import REDIS_URL, ROOT

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone.utc)


def png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return buffer.getvalue()


def old_conversation(days_ago: int, **extra) -> PastConversation:
    return PastConversation(
        channel="telegram",
        started=NOW - timedelta(days=days_ago),
        turns=[
            Turn("Mijn paspoort is verlopen, bel me op 0612345678", "passport_renewal", 0.97),
            Turn("asdf qwerty", "nlu_fallback", 0.2),
            Turn("ik wil een mens", "human_handoff", 0.99, reply=None),
        ],
        handoff={
            "reason": "human_handoff",
            "first_reply_after": timedelta(minutes=4),
            "resolved_after": timedelta(minutes=20),
            "rating": 4,
        },
        **extra,
    )


async def test_retention_erases_old_content_and_keeps_every_kpi_figure(database: Database, tmp_path) -> None:
    media = MediaStore(LocalFolder(tmp_path / "media"))
    photo = media.save(png())
    old = await write_history(
        database,
        old_conversation(
            120,
            report={"reference": "M-OLD1", "media": [photo.id], "contact_email": "jan@example.nl", "status": "closed"},
        ),
    )
    recent = await write_history(database, old_conversation(10))
    report = KpiReport(database, AMSTERDAM)
    period = (date(2026, 7, 1), date(2026, 11, 28))
    before = await report.figures(*period)

    erased = await purge_expired(CitizenRecords(database, media), AuditLog(database), 90, now=NOW)

    assert erased == 1
    assert set(await contents(database, old)) == {""}
    assert "Mijn paspoort is verlopen, bel me op 0612345678" in await contents(database, recent)
    assert not await media.has(photo.id)
    export = await CitizenRecords(database, media).export([old])
    conversation = export["conversations"][0]
    assert conversation["sender"] == ERASED_SENDER + old
    assert conversation["reports"][0]["contact_email"] is None and conversation["reports"][0]["description"] == ""
    after = await report.figures(*period)
    assert list(after.rows()) == list(before.rows())
    assert after.conversations == 2 and after.handoffs == 2 and after.satisfaction == 4
    # Nothing left to erase: a second round is a no-op and logs nothing.
    assert await purge_expired(CitizenRecords(database, media), AuditLog(database), 90, now=NOW) == 0
    assert [e.action for e in await AuditLog(database).latest()] == ["purge"]


async def test_a_citizen_who_writes_again_after_erasure_is_erased_again_later(database: Database, tmp_path) -> None:
    records = CitizenRecords(database, MediaStore(LocalFolder(tmp_path)))
    conversation = await write_history(database, old_conversation(100))
    await records.erase([conversation])
    store = ConversationStore(database)
    await store.record_incoming(conversation, IncomingMessage(channel="telegram", sender="x", text="nieuw bericht"))
    assert await records.expired(NOW - timedelta(days=90)) == []
    assert await records.expired(datetime.now(timezone.utc) + timedelta(days=1)) == [conversation]


async def test_export_and_erase_from_the_command_line(database: Database, database_url: str, tmp_path) -> None:
    past = old_conversation(3, report={"reference": "M-CLI7", "contact_email": "piet@example.nl"})
    conversation = await write_history(database, past)
    other = await write_history(database, old_conversation(3))
    env = {
        "DATABASE_URL": database_url,
        "MEDIA_DIR": str(tmp_path / "media"),
        "DORPSPOMP_REST_TOKEN": "t",
        "DORPSPOMP_SECRET": "s",
        "PATH": "/usr/bin:/bin",
        "REDIS_URL": REDIS_URL,
    }
    redis = aioredis.from_url(REDIS_URL)
    await redis.set(tracker_key(conversation), "{}")  # Rasa's copy of the conversation

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot.cli", "citizen", *args, "--by", "privacy-officer"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    exported = cli("export", "--channel", "telegram", "--sender", past.sender)
    assert exported.returncode == 0, exported.stderr
    data = json.loads(exported.stdout)
    [only] = data["conversations"]
    assert only["id"] == conversation
    assert only["messages"][0]["text"].startswith("Mijn paspoort is verlopen")
    assert only["reports"][0]["contact_email"] == "piet@example.nl"

    erased = cli("erase", "--report", "M-CLI7")
    assert erased.returncode == 0, erased.stderr
    assert set(await contents(database, conversation)) == {""}
    assert "" not in await contents(database, other)
    assert await redis.exists(tracker_key(conversation)) == 0
    await redis.close()
    assert cli("export", "--channel", "telegram", "--sender", past.sender).returncode != 0  # the id is gone
    actions = [(e.actor, e.action) for e in await AuditLog(database).latest()]
    assert actions == [("privacy-officer", "erase"), ("privacy-officer", "export")]


async def test_erasing_a_citizen_takes_their_words_out_of_review_decisions(database: Database, tmp_path) -> None:
    conversation = await write_history(database, old_conversation(5))
    queue = ReviewQueue(database, below_confidence=0.6)
    group = await queue.group(review_key("asdf qwerty"))
    assert group is not None
    await queue.decide(group, "dismissed", None, None)
    async with database.engine.connect() as connection:
        kept = (await connection.execute(sa.select(review_decisions))).mappings().one()
    assert kept["example"] == "asdf qwerty" and kept["group_key"] != "asdf qwerty", "the key is kept as a hash"

    await CitizenRecords(database, MediaStore(LocalFolder(tmp_path))).erase([conversation])

    async with database.engine.connect() as connection:
        erased = (await connection.execute(sa.select(review_decisions))).mappings().one()
        keys = (await connection.execute(sa.select(messages.c.review_key))).scalars().all()
    assert erased["example"] == "" and erased["decision"] == "dismissed"
    assert set(keys) == {None}
    assert await queue.candidates() == [], "still decided"


async def test_audit_entries_go_after_their_own_longer_period(database: Database) -> None:
    audit = AuditLog(database)
    await audit.record("carla", "login")
    assert await forget_old_audit(audit, 365, now=datetime.now(timezone.utc) + timedelta(days=364)) == 0
    assert await forget_old_audit(audit, 365, now=datetime.now(timezone.utc) + timedelta(days=366)) == 1
    assert await audit.latest() == []


async def test_an_audit_subject_is_redacted_but_our_own_ids_are_kept_whole(database: Database) -> None:
    audit = AuditLog(database)
    # A conversation id whose digits look like a phone number to the redaction.
    conversation = "fd6c7ea159104541b41a7a0ebb5b67eb"
    await audit.record("anna", "claim", conversation)
    await audit.record("anna", "export", "bel 0612345678")
    assert [e.subject for e in await audit.latest()] == ["bel [TELEFOON]", conversation]


async def test_erasing_a_citizen_takes_their_kept_platform_messages_too(database: Database, tmp_path) -> None:
    past = old_conversation(1)
    conversation = await write_history(database, past)
    inbox = PlatformInbox(database)
    await inbox.accept("telegram", "theirs", past.sender, {"message": {"text": "bel me op 0612345678"}})
    await inbox.accept("telegram", "someone-else", "another", {"message": {"text": "hoi"}})
    await inbox.accept("x", "same-id-elsewhere", past.sender, {"message": {"text": "hoi"}})
    await CitizenRecords(database, MediaStore(LocalFolder(tmp_path))).erase([conversation])
    async with database.engine.connect() as connection:
        kept = (await connection.scalars(sa.select(platform_inbox.c.platform_message_id))).all()
    assert sorted(kept) == ["same-id-elsewhere", "someone-else"]
