"""The parts of the security review that are checked in process: password
hashing off the event loop, shared rate limits, HSTS, photo decoding, uploads
swept, and personal data kept out of errors, logs and the review queue."""

from __future__ import annotations

import asyncio
import io
import logging
import sys
import threading
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis
import sqlalchemy as sa
from aiohttp.test_utils import TestClient, TestServer
from argon2 import PasswordHasher
from PIL import Image, PngImagePlugin
from sqlalchemy.exc import SQLAlchemyError

from bot.clock import utcnow
from bot.gateway import build_app
from bot.logs import RedactingFilter
from bot.media import MediaRejected, MediaStore, sweep_unsent_uploads
from bot.messages import IncomingMessage
from bot.outgoing.deliveries import DELIVER_JOB, DeliveryStore
from bot.outgoing.sender import DeliveryPostbox, DeliverySender
from bot.storage.local import LocalFolder
from bot.store import ConversationStore, Database
from bot.store.outbox import Outbox
from bot.store.tables import messages
from bot.store.uploads import UNSENT_LIFETIME, UploadStore
from bot.throttle import MemoryCounters, Rate, RedisCounters, Throttle
from bot.webcare.passwords import Passwords
from tests.conftest import make_settings
from tests.support import REDIS_URL, ScriptedEngine


class WatchedHasher(PasswordHasher):
    """Cheap Argon2 that notes which thread hashes and how many at once."""

    def __init__(self) -> None:
        super().__init__(time_cost=1, memory_cost=1024, parallelism=1)
        self.threads: set[int] = set()
        self.at_once = 0
        self.most_at_once = 0
        self._lock = threading.Lock()

    def verify(self, hash: str | bytes, password: str | bytes) -> bool:
        with self._lock:
            self.threads.add(threading.get_ident())
            self.at_once += 1
            self.most_at_once = max(self.most_at_once, self.at_once)
        try:
            threading.Event().wait(0.05)  # a real check takes tens of milliseconds
            return super().verify(hash, password)
        finally:
            with self._lock:
                self.at_once -= 1


async def test_passwords_are_checked_off_the_event_loop_two_at_a_time() -> None:
    hasher = WatchedHasher()
    passwords = Passwords(parallel=2, hasher=hasher)
    stored = await passwords.hash("correct horse battery")
    results = await asyncio.gather(
        *(passwords.verify(stored, f"guess {n}") for n in range(8)), passwords.verify(None, "x")
    )
    assert results == [False] * 9
    assert threading.get_ident() not in hasher.threads
    assert hasher.most_at_once == 2
    assert await passwords.verify(stored, "correct horse battery")


@pytest.mark.parametrize("shared", ["redis", "memory"])
async def test_a_limit_holds_for_every_process_that_shares_redis(shared: str) -> None:
    rates = {"test": Rate(5, 60)}
    subject = f"203.0.113.{uuid.uuid4().int % 250}-{uuid.uuid4().hex}"
    if shared == "redis":
        redis = aioredis.from_url(REDIS_URL)
        first, second = Throttle(RedisCounters(redis), rates), Throttle(RedisCounters(redis), rates)
    else:
        counters = MemoryCounters()
        first, second = Throttle(counters, rates), Throttle(counters, rates)
    assert [await first.allow("test", subject) for _ in range(5)] == [True] * 5
    assert await second.exhausted("test", subject)
    assert not await second.allow("test", subject)
    assert await second.allow("test", subject + "-another")
    if shared == "redis":
        keys = [key async for key in redis.scan_iter("dorpspomp:rate:test:*")]
        assert keys and all(subject.encode() not in key for key in keys), "addresses are hashed"
        await redis.delete(*keys)
        await redis.close()


def test_a_window_opens_with_the_first_use_and_ends_after_its_period() -> None:
    now = [1000.0]
    throttle = Throttle(MemoryCounters(clock=lambda: now[0]), {"test": Rate(2, 60)})
    assert asyncio.run(throttle.allow("test", "a")) and asyncio.run(throttle.allow("test", "a"))
    now[0] += 59
    assert not asyncio.run(throttle.allow("test", "a"))
    now[0] += 2
    assert asyncio.run(throttle.allow("test", "a"))


async def test_many_sessions_from_one_address_meet_the_address_limit(tmp_path: Path) -> None:
    rates = {
        "chat_message_per_session": Rate(20, 60),
        "chat_message_per_client": Rate(3, 60),
        "chat_conversation_per_client": Rate(2, 60),
    }
    settings = make_settings(f"sqlite:///{tmp_path / 'limits.sqlite3'}", media_dir=tmp_path / "media")
    app = await build_app(settings, ScriptedEngine(), Throttle(MemoryCounters(), rates))
    async with TestClient(TestServer(app)) as client:
        sockets = []
        for _ in range(2):
            socket = await client.ws_connect("/webchat/ws")
            await socket.send_json({"type": "hello", "session": None})
            assert (await socket.receive_json(timeout=5))["type"] == "session"
            sockets.append(socket)
        third = await client.ws_connect("/webchat/ws")
        await third.send_json({"type": "hello", "session": None})
        refused = await third.receive_json(timeout=5)
        assert refused["type"] == "limited" and "gesprekken" in refused["text"]
        outcomes = []
        for socket in sockets + sockets:
            await socket.send_json({"type": "message", "text": "hoi"})
            frame = await socket.receive_json(timeout=5)
            if frame["type"] == "typing":  # answered: "Je zei: hoi", then "Nog iets?"
                frame = await socket.receive_json(timeout=5)
                assert (await socket.receive_json(timeout=5))["text"] == "Nog iets?"
            outcomes.append(frame["type"])
        assert outcomes == ["reply", "reply", "reply", "limited"], "three per address, whichever session"
        for socket in sockets + [third]:
            await socket.close()


async def test_an_https_public_address_gets_hsts_and_secure_cookies(tmp_path: Path) -> None:
    settings = make_settings(f"sqlite:///{tmp_path / 'tls.sqlite3'}", public_url="https://chat.voorbeeldstad.nl")
    app = await build_app(settings, ScriptedEngine())
    async with TestClient(TestServer(app)) as client:
        response = await client.get("/webcare/login")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        assert "Secure" in response.headers["Set-Cookie"]
        assert "Strict-Transport-Security" in (await client.get("/healthz")).headers


def png(width: int, height: int, mode: str = "L") -> bytes:
    buffer = io.BytesIO()
    Image.new(mode, (width, height)).save(buffer, "PNG")
    return buffer.getvalue()


def test_photos_that_unpack_to_too_many_pixels_are_refused_not_warned_about(tmp_path: Path) -> None:
    media = MediaStore(LocalFolder(tmp_path))
    with pytest.raises(MediaRejected, match="te veel pixels"):
        media.save(png(9000, 8000))
    with pytest.raises(MediaRejected):
        media.save(png(13000, 13000, "1"))  # 169 megapixels in a few kilobytes
    assert list(tmp_path.iterdir()) == []


def test_a_photo_is_turned_upright_and_its_text_chunks_dropped(tmp_path: Path) -> None:
    image = Image.new("RGB", (40, 20), "red")
    exif = image.getexif()
    exif[0x0112] = 6  # taken with the phone on its side: rotate 90°
    buffer = io.BytesIO()
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "Jan Jansen, Kerkstraat 12")
    image.save(buffer, "PNG", exif=exif, pnginfo=info)
    stored = MediaStore(LocalFolder(tmp_path)).save(buffer.getvalue())
    kept = Image.open(tmp_path / stored.id)
    assert kept.size == (20, 40) and "Comment" not in kept.info and not kept.getexif()
    assert b"Kerkstraat" not in (tmp_path / stored.id).read_bytes()


async def test_uploads_no_message_sent_are_swept_with_their_files(database: Database, tmp_path: Path) -> None:
    store = ConversationStore(database)
    conversation = await store.create_conversation("webchat")
    media, uploads = MediaStore(LocalFolder(tmp_path / "media")), UploadStore(database)
    sent, unsent = media.save(png(8, 8)), media.save(png(8, 8))
    for photo in (sent, unsent):
        await uploads.add(photo.id, conversation)
    assert await uploads.unsent(conversation) == 2
    assert await uploads.use(conversation, [sent.id])
    assert not await uploads.use(await store.create_conversation("webchat"), [unsent.id]), "not another session's"
    await sweep_unsent_uploads(uploads, media)
    assert await media.has(unsent.id), "an hour to send it"
    await sweep_unsent_uploads(uploads, media, utcnow() + UNSENT_LIFETIME + timedelta(minutes=1))
    assert not await media.has(unsent.id) and await media.has(sent.id)
    assert await uploads.unsent(conversation) == 0


async def test_a_database_error_carries_no_citizen_words(database: Database) -> None:
    secret = "Mijn buurman Jan slaat zijn hond, Kerkstraat 12"
    store = ConversationStore(database)
    with pytest.raises(SQLAlchemyError) as failed:
        await store.record_incoming("0" * 32, IncomingMessage("webchat", "x", secret))  # no such conversation
    assert secret not in str(failed.value)
    assert "hidden" in str(failed.value)


def test_the_log_filter_redacts_the_traceback_too() -> None:
    try:
        raise ValueError("could not store 'bel me op 0612345678 of jan@example.nl'")
    except ValueError:
        record = logging.LogRecord("bot", logging.ERROR, __file__, 1, "failed for %s", ("0687654321",), sys.exc_info())
    RedactingFilter().filter(record)
    text = logging.Formatter().format(record)
    assert "0612345678" not in text and "jan@example.nl" not in text and "0687654321" not in text
    assert "[TELEFOON]" in text and "ValueError" in text


async def test_the_review_key_is_made_once_when_a_message_is_stored(database: Database) -> None:
    store = ConversationStore(database)
    conversation = await store.create_conversation("webchat")
    await store.record_incoming(conversation, IncomingMessage("webchat", conversation, "Bel me: 0612345678!"))
    async with database.engine.connect() as connection:
        key = await connection.scalar(
            sa.select(messages.c.review_key).where(messages.c.conversation_id == conversation)
        )
    assert key == "bel me [telefoon]"


class StuckPlatform:
    """A platform that takes a message and never answers."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()

    async def send(self, item: dict) -> None:
        self.entered.set()
        await asyncio.Event().wait()


async def test_a_sender_stopped_mid_send_gives_its_jobs_back_at_once(database: Database) -> None:
    conversation = await ConversationStore(database).create_conversation("telegram")
    outbox = Outbox(database, lease_seconds=3600)
    postbox = DeliveryPostbox(DeliveryStore(database))
    platform = StuckPlatform()
    sender = DeliverySender(postbox, outbox, {"telegram": platform})
    await postbox.post(conversation, "telegram", [{"text": "Je zei: hoi"}])
    sending = asyncio.create_task(sender.send_due())
    await platform.entered.wait()
    sending.cancel()
    with pytest.raises(asyncio.CancelledError):
        await sending
    [job] = await outbox.claim(DELIVER_JOB)
    assert job.attempts == 0, "another gateway takes it now, not in an hour"
