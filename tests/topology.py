"""The production topology as plain processes on this machine.

HAProxy (Debian's) in front of several ``dorpspomp serve`` processes on one
PostgreSQL database and a Redis server of their own (so that it can be
restarted); the platforms and the engine service as local servers speaking
their APIs (the engine's fake answers "Je zei: <text>", so every answer can be
matched to its question). Simulated citizens write on web chat (the widget's
protocol: message ids, reconnect, resend), Telegram, Messenger and X at once.

Used by tests/deploy/test_topology.py (correctness under faults) and
bench/topology.py (recovery times and latency, the soak).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import re
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, AsyncIterator, Awaitable, Callable, Optional

import aiohttp
import redis
import sqlalchemy as sa

from bot.outgoing.deliveries import DELIVER_JOB
from tests.fake_engine import ENGINE_TOKEN, FakeEngine
from tests.platform_payloads import (
    TELEGRAM_SECRET,
    messenger_batch,
    messenger_signature,
    messenger_text,
    telegram_text,
    x_direct_message,
    x_signature,
)
from tests.platforms import Fakes
from tests.support import BIN, ROOT, free_port, wait_for_http

REPLY_PREFIX = "Je zei: "
# Short leases: a killed process's messages and deliveries are taken over in
# seconds, not the production minutes, so a run ends soon after its fault.
LEASES = {"INBOX_LEASE_SECONDS": "3", "OUTBOX_LEASE_SECONDS": "3", "SHUTDOWN_SECONDS": "5"}

HAPROXY_CONFIG = """
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    # A gateway that died: the request goes to another (webhooks are deduplicated by their ids).
    retries 3
    option redispatch
    retry-on conn-failure empty-response
frontend web
    bind 127.0.0.1:{port}
    default_backend gateways
backend gateways
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    default-server check inter 500ms fall 2 rise 1
{servers}
"""


class RedisServer:
    """A redis-server of the topology's own, on a fixed port, restartable."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.folder = folder
        self.process: Optional[subprocess.Popen[bytes]] = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            cwd=self.folder,
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


class LoadBalancer:
    """HAProxy from Debian's package, health-checking the gateways on /readyz."""

    def __init__(self, folder: Path, gateway_ports: list[int]) -> None:
        self.port = free_port()
        servers = "\n".join(f"    server g{i} 127.0.0.1:{port}" for i, port in enumerate(gateway_ports))
        self.config = folder / "haproxy.cfg"
        self.config.write_text(HAPROXY_CONFIG.format(port=self.port, servers=servers))
        self.log = folder / "haproxy.log"
        self.process: Optional[subprocess.Popen[bytes]] = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(["haproxy", "-db", "-f", str(self.config)], stdout=out, stderr=out)
        wait_for_http(self.url + "/healthz", self.process, timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)


@dataclass
class GatewayProcess:
    """``dorpspomp serve`` on a fixed port, so a restart takes its place behind the balancer."""

    index: int
    env: dict[str, str]
    folder: Path
    port: int = field(default_factory=free_port)
    process: Optional[subprocess.Popen[bytes]] = None

    def start(self) -> None:
        log = (self.folder / f"gateway-{self.index}.log").open("ab")
        env = {**os.environ, **self.env, "PORT": str(self.port), "HOST": "127.0.0.1"}
        self.process = subprocess.Popen([str(BIN / "dorpspomp"), "serve"], cwd=ROOT, env=env, stdout=log, stderr=log)
        wait_for_http(f"http://127.0.0.1:{self.port}/readyz", self.process, timeout=60)

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> float:
        """SIGTERM, as compose and Kubernetes stop a container; seconds until it exited."""
        assert self.process is not None
        started = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)
        return time.monotonic() - started

    def rss_kib(self) -> int:
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0


@dataclass
class Sent:
    """One citizen message: when it went out and when its answer was seen."""

    channel: str
    chat: str
    text: str
    sent_at: float
    answered_at: Optional[float] = None


@dataclass
class Ledger:
    """Every message the simulated citizens sent, and its answer."""

    messages: dict[str, Sent] = field(default_factory=dict)

    def sent(self, channel: str, chat: str, text: str) -> None:
        self.messages[text] = Sent(channel, chat, text, time.monotonic())

    def answered(self, text: str) -> None:
        message = self.messages.get(text)
        if message is not None and message.answered_at is None:
            message.answered_at = time.monotonic()

    @property
    def unanswered(self) -> list[str]:
        return [m.text for m in self.messages.values() if m.answered_at is None]

    def latencies(self) -> list[float]:
        return sorted(m.answered_at - m.sent_at for m in self.messages.values() if m.answered_at is not None)


def question(text: str) -> Optional[str]:
    """The question an answer of the fake engine answers (X lists the buttons below it)."""
    return text[len(REPLY_PREFIX) :].split("\n", 1)[0] if text.startswith(REPLY_PREFIX) else None


@dataclass
class Topology:
    folder: Path
    database_url: str
    fakes: Fakes
    engine: FakeEngine
    gateways: list[GatewayProcess]
    redis_server: RedisServer
    balancer: LoadBalancer
    ledger: Ledger = field(default_factory=Ledger)
    # Each web chat citizen's session, kept across rounds of writing (as a browser keeps it).
    webchat_sessions: dict[int, str] = field(default_factory=dict)
    # How long each gateway stopped by SIGTERM took to exit.
    stop_seconds: list[float] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.balancer.url

    def answers_seen_by_platforms(self) -> list[tuple[str, str, str]]:
        """(channel, chat, question) for every answer the platform fakes received, in order."""
        seen = [("telegram", str(m["chat_id"]), m["text"]) for m in self.fakes.telegram.messages()]
        seen += [("messenger", b["recipient"]["id"], b["message"].get("text", "")) for b in self.fakes.graph.sent]
        seen += [("x", participant, body.get("text", "")) for participant, body in self.fakes.x.direct_messages]
        return [(channel, chat, asked) for channel, chat, text in seen if (asked := question(text)) is not None]

    def note_platform_answers(self) -> None:
        for _, _, asked in self.answers_seen_by_platforms():
            self.ledger.answered(asked)


@contextlib.asynccontextmanager
async def topology(
    folder: Path, database_url: str, fakes: Fakes, engine: FakeEngine, gateways: int = 3
) -> AsyncIterator[Topology]:
    """The whole topology, started in order and stopped on the way out."""
    redis_server = RedisServer(folder)
    redis_server.start()
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_server.url,
        "ENGINE_URL": engine.url,
        "ENGINE_TOKEN": ENGINE_TOKEN,
        "ACTION_ENDPOINT": "",
        "MEDIA_DIR": str(folder / "media"),
        "TRUST_FORWARDED_FOR": "1",
        "DORPSPOMP_HOME": str(ROOT),
        **LEASES,
        **fakes.env(),
    }
    processes = [GatewayProcess(i, env, folder) for i in range(gateways)]
    balancer = LoadBalancer(folder, [p.port for p in processes])
    try:
        for process in processes:
            await asyncio.to_thread(process.start)
        await asyncio.to_thread(balancer.start)
        yield Topology(folder, database_url, fakes, engine, processes, redis_server, balancer)
    finally:
        for process in processes:
            if process.process is not None and process.process.poll() is None:
                process.process.kill()
                process.process.wait(10)
        balancer.stop()
        redis_server.stop()


# --- faults, each struck while the citizens write ---


async def kill_one_gateway(top: Topology) -> None:
    await asyncio.to_thread(top.gateways[1].kill)


async def restart_redis(top: Topology) -> None:
    await asyncio.to_thread(top.redis_server.stop)
    await asyncio.to_thread(top.redis_server.start)


async def platforms_fail_for_a_while(top: Topology) -> None:
    # Each platform answers its next twenty sends with 503 (a platform outage);
    # the outbox retries until they take them.
    for fake in (top.fakes.telegram, top.fakes.graph, top.fakes.x):
        fake.fail_next(20, 503)


async def rolling_update_of_one_gateway(top: Topology) -> None:
    top.stop_seconds.append(await asyncio.to_thread(top.gateways[0].stop))
    await asyncio.to_thread(top.gateways[0].start)


FAULTS: dict[str, Callable[[Topology], Awaitable[None]]] = {
    "kill -9 one gateway": kill_one_gateway,
    "restart Redis": restart_redis,
    "platforms answer 503": platforms_fail_for_a_while,
    "rolling update": rolling_update_of_one_gateway,
}


# --- simulated citizens ---


async def webchat_citizen(
    http: aiohttp.ClientSession, top: Topology, number: int, numbers: range, pause: float
) -> None:
    """The widget's protocol: each message with an id, kept until acknowledged,
    sent again after every reconnect; the next message once the last is answered."""
    address = {"X-Forwarded-For": f"10.1.{number // 250}.{number % 250 + 1}"}
    texts = [f"wc{number}-{k}" for k in numbers]
    count = len(texts)
    session = top.webchat_sessions.get(number)
    unconfirmed: dict[str, dict[str, Any]] = {}
    answered: set[str] = set()
    next_message = 0
    while len(answered) < count:
        try:
            async with http.ws_connect(top.url.replace("http", "ws") + "/webchat/ws", headers=address) as socket:
                await socket.send_json({"type": "hello", "session": session})
                greeting = await socket.receive_json(timeout=15)
                session = top.webchat_sessions[number] = greeting["session"]
                for turn in greeting["history"]:
                    unconfirmed.pop(turn.get("id", ""), None)
                    _note_webchat_answer(top, turn.get("text", ""), answered)
                for frame in unconfirmed.values():
                    await socket.send_json(frame)
                while len(answered) < count:
                    if next_message < count and len(answered) == next_message:
                        await asyncio.sleep(pause)
                        frame = {"type": "message", "id": uuid.uuid4().hex, "text": texts[next_message]}
                        unconfirmed[frame["id"]] = frame
                        top.ledger.sent("webchat", f"wc{number}", texts[next_message])
                        next_message += 1  # made once: a dropped connection sends this frame again
                        await socket.send_json(frame)
                    received = await socket.receive(timeout=30)
                    if received.type != aiohttp.WSMsgType.TEXT:
                        break
                    data = json.loads(received.data)
                    if data["type"] == "ack":
                        unconfirmed.pop(data["id"], None)
                    elif data["type"] == "reply":
                        _note_webchat_answer(top, data["text"], answered)
        except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError, KeyError, TypeError):
            pass
        if len(answered) < count:
            await asyncio.sleep(0.2)


def _note_webchat_answer(top: Topology, text: str, answered: set[str]) -> None:
    asked = question(text)
    if asked is not None:
        answered.add(asked)
        top.ledger.answered(asked)


async def _deliver(http: aiohttp.ClientSession, url: str, raw: bytes, headers: dict[str, str]) -> None:
    """As a platform does: the same delivery again until it gets its 200."""
    while True:
        try:
            async with http.post(url, data=raw, headers={"Content-Type": "application/json", **headers}) as response:
                if response.status == 200:
                    return
        except (aiohttp.ClientError, asyncio.TimeoutError, ConnectionError):
            pass
        await asyncio.sleep(0.25)


async def telegram_citizen(
    http: aiohttp.ClientSession, top: Topology, number: int, numbers: range, pause: float
) -> None:
    chat = 700_000 + number
    for k in numbers:
        text = f"tg{number}-{k}"
        top.ledger.sent("telegram", str(chat), text)
        raw = json.dumps(telegram_text(chat, text)).encode()
        await _deliver(http, top.url + "/webhooks/telegram", raw, {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET})
        await asyncio.sleep(pause)


async def messenger_citizen(
    http: aiohttp.ClientSession, top: Topology, number: int, numbers: range, pause: float
) -> None:
    psid = f"{6_000_000 + number}"
    for k in numbers:
        text = f"fb{number}-{k}"
        top.ledger.sent("messenger", psid, text)
        raw = json.dumps(messenger_batch([messenger_text(psid, text)])).encode()
        await _deliver(http, top.url + "/webhooks/messenger", raw, {"X-Hub-Signature-256": messenger_signature(raw)})
        await asyncio.sleep(pause)


async def x_citizen(http: aiohttp.ClientSession, top: Topology, number: int, numbers: range, pause: float) -> None:
    sender = f"{3_300_000 + number}"
    for k in numbers:
        text = f"x{number}-{k}"
        top.ledger.sent("x", sender, text)
        raw = json.dumps(x_direct_message(text, sender_id=sender)).encode()
        await _deliver(http, top.url + "/webhooks/x", raw, {"X-Twitter-Webhooks-Signature": x_signature(raw)})
        await asyncio.sleep(pause)


CITIZENS: dict[str, Callable[[aiohttp.ClientSession, Topology, int, range, float], Awaitable[None]]] = {
    "webchat": webchat_citizen,
    "telegram": telegram_citizen,
    "messenger": messenger_citizen,
    "x": x_citizen,
}


async def citizens_writing(top: Topology, per_channel: int, messages: int, pause: float = 0.05, first: int = 0) -> None:
    """Every simulated citizen writes all their messages; returns when all are delivered
    (web chat: answered, since the widget waits for each answer)."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as http:
        await asyncio.gather(
            *(
                write(http, top, number, range(first, first + messages), pause)
                for write in CITIZENS.values()
                for number in range(per_channel)
            )
        )


async def when_answered(top: Topology, count: int) -> None:
    """Until ``count`` of the messages sent are answered (when a fault strikes)."""
    while True:
        top.note_platform_answers()
        if sum(m.answered_at is not None for m in top.ledger.messages.values()) >= count:
            return
        await asyncio.sleep(0.02)


async def all_answered(top: Topology, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        top.note_platform_answers()
        if not top.ledger.unanswered:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"unanswered after {timeout}s: {sorted(top.ledger.unanswered)[:20]}")
        await asyncio.sleep(0.2)


# --- what the database says afterwards ---


@dataclass(frozen=True)
class Afterwards:
    stored: dict[str, int]  # question → times stored as a citizen's message
    stored_as: dict[str, list[str]]  # question → the platform message ids it was stored with
    deliveries: dict[str, int]  # platform question → deliveries made to answer it
    taken_over: set[str]  # platform questions whose answer's sending was claimed more than once
    queued: dict[str, list[str]]  # platform chat → its questions in the order their answers were queued
    webchat_answers: dict[str, int]  # web chat question → answers in its history
    pending_jobs: int
    unanswered_kept: int
    unsent_deliveries: int


def afterwards(database_url: str) -> Afterwards:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            stored: dict[str, int] = {}
            stored_as: dict[str, list[str]] = {}
            incoming = sa.text("SELECT text, platform_message_id FROM messages WHERE direction = 'in'")
            for text, message_id in connection.execute(incoming):
                stored[text] = stored.get(text, 0) + 1
                stored_as.setdefault(text, []).append(str(message_id))
            deliveries: dict[str, int] = {}
            taken_over: set[str] = set()
            queued: dict[str, list[str]] = {}
            sending = sa.text(
                "SELECT d.items, o.claim FROM deliveries d JOIN outbox o"
                " ON o.kind = :kind AND o.subject_id = CAST(d.id AS VARCHAR) ORDER BY d.id"
            )
            for items, claims in connection.execute(sending, {"kind": DELIVER_JOB}):
                for asked in dict.fromkeys(re.findall(REPLY_PREFIX + r"([a-z]+\d+-\d+)", json.dumps(items))):
                    deliveries[asked] = deliveries.get(asked, 0) + 1
                    queued.setdefault(asked.rsplit("-", 1)[0], []).append(asked)
                    if claims > 1:
                        taken_over.add(asked)
            answers: dict[str, int] = {}
            rows = connection.execute(
                sa.text(
                    "SELECT m.text FROM messages m JOIN conversations c ON c.id = m.conversation_id "
                    "WHERE m.direction = 'out' AND c.channel = 'webchat'"
                )
            )
            for (text,) in rows:
                if (asked := question(text or "")) is not None:
                    answers[asked] = answers.get(asked, 0) + 1
            return Afterwards(
                stored=stored,
                stored_as=stored_as,
                deliveries=deliveries,
                taken_over=taken_over,
                queued=queued,
                webchat_answers=answers,
                pending_jobs=connection.scalar(sa.text("SELECT count(*) FROM outbox WHERE state <> 'done'")) or 0,
                unanswered_kept=connection.scalar(
                    sa.text("SELECT count(*) FROM platform_inbox WHERE answered_at IS NULL")
                )
                or 0,
                unsent_deliveries=connection.scalar(sa.text("SELECT count(*) FROM deliveries WHERE state <> 'sent'"))
                or 0,
            )
    finally:
        engine.dispose()


def in_order_per_conversation(top: Topology, queued: dict[str, list[str]]) -> dict[str, str]:
    """Platform conversations whose answers reached the platform in another
    order than their turns queued them (empty when all are in order). A turn
    queues its answer while it holds its conversation, so this is the order of
    the turns; a message taken again after a killed process stored its answer
    queues that answer when it is taken again."""
    answered: dict[str, list[str]] = {}
    for _, _, text in top.answers_seen_by_platforms():
        answered.setdefault(text.rsplit("-", 1)[0], []).append(text)
    # One answer sent again right after itself is the re-sent delivery of a
    # killed process (counted by the test); order is about the rest.
    answered = {chat: [text for text, _ in itertools.groupby(texts)] for chat, texts in answered.items()}
    return {
        chat: f"queued {queued.get(chat, [])}, answered {texts}"
        for chat, texts in answered.items()
        if texts != queued.get(chat, [])
    }
