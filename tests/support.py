"""Helpers the tests share: free ports, real processes, scratch databases, a scripted engine."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping, Optional

import aiohttp
import redis.asyncio as aioredis
import sqlalchemy as sa
import yaml

from bot.events import create_event_bus
from bot.locks import ConversationLocks
from bot.messages import Button, EngineResult, IncomingMessage, Reply, Understanding
from bot.municipality import Municipality, load_municipality
from bot.settings import Settings
from bot.store import ConversationStore, Database
from bot.training import model_path_for
from bot.webcare.gate import HandoffGate
from bot.webcare.handoffs import HandoffStore
from bot.webcare.staff import StaffStore

ROOT = Path(__file__).resolve().parent.parent


def project_municipality() -> Municipality:
    """The project's own municipality.yml, as the gateway reads it."""
    return load_municipality(Settings.from_env({"MUNICIPALITY_PROFILE": str(ROOT / "municipality.yml")}))


# The gateway's environment runs the tests; Rasa's is beside it (bot/engine/service.py).
BIN = Path(sys.executable).parent
ENGINE_BIN = Path(os.environ.get("ENGINE_PYTHON") or ROOT / ".venv-engine" / "bin" / "python").parent
POSTGRES_SERVER = os.environ.get("TEST_POSTGRES_URL", "postgresql://127.0.0.1:5432/test")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
STAFF_PASSWORD = "correct horse battery"
# The secret between Rasa and the action server in every test process.
ACTION_TOKEN = "test-action-token"
# The secret between the gateway and the engine service.
ENGINE_TOKEN = "test-engine-token"


async def returning_citizens(database_url: str, channel: str, *senders: str) -> None:
    """These citizens were welcomed before: their next message is no first
    contact, and a test of something else sees its answer alone (the welcome
    has tests of its own: tests/core/test_router.py and one per channel)."""
    database = Database(database_url)
    store = ConversationStore(database)
    try:
        for sender in senders:
            conversation = await store.conversation_for(channel, sender)
            await store.record_replies(conversation, channel, [project_municipality().welcome.reply(with_topics=True)])
    finally:
        await database.close()


def is_response(text: str, response: str) -> bool:
    """Whether ``text`` is one of the variants of ``response`` in domain.yml, its
    placeholders filled (or left empty) with anything but another placeholder."""
    variants = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"][response]
    patterns = (re.escape(v["text"]) for v in variants)
    return any(re.fullmatch(re.sub(r"\\\{\w+\\\}", "[^{}]*", p), text) for p in patterns)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_http(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    """Poll ``url`` until it answers 200; fail early when the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process exited with {process.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer within {timeout}s")


@dataclass
class Service:
    url: str
    process: subprocess.Popen[bytes]
    env: Mapping[str, str] = field(default_factory=dict)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_process(args: list[str], ready_path: str, port: int, env: Mapping[str, str], log: Path) -> Service:
    out = log.open("wb")
    process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env}, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(url + ready_path, process)
    except Exception as error:
        process.kill()
        raise RuntimeError(f"{args[0]} failed to start: {error}\n{log.read_text()[-4000:]}") from error
    return Service(url=url, process=process, env=env)


def start_action_server(log: Path, env: Mapping[str, str] = {}) -> Service:
    """The action server; ``env`` as the gateway's, so both use one database."""
    port = free_port()
    return start_process(
        [str(ENGINE_BIN / "python"), "-m", "actions.server", "--port", str(port)],
        "/health",
        port,
        {"ACTION_SERVER_TOKEN": ACTION_TOKEN, **env},
        log,
    )


def trained_model_for(root: Path = ROOT, env: Mapping[str, str] = {}) -> Path:
    """The model for ``root``'s training data, trained in the engine's
    environment (where Rasa is) if it is missing."""
    model = model_path_for(root, Path(env.get("MODEL_DIR") or root / "models"))
    if not model.exists():
        subprocess.run([str(ENGINE_BIN / "dorpspomp"), "train"], cwd=root, env={**os.environ, **env}, check=True)
    return model


def rasa_examples(path: Path) -> list[str]:
    """The intent examples Rasa's own loader reads from the training file ``path``."""
    script = (
        "import json, sys\n"
        "from rasa.shared.nlu.training_data.loading import load_data\n"
        "print(json.dumps([m.get('text') for m in load_data(sys.argv[1]).intent_examples]))\n"
    )
    completed = subprocess.run(
        [str(ENGINE_BIN / "python"), "-c", script, str(path)], capture_output=True, text=True, check=True, timeout=120
    )
    return list(json.loads(completed.stdout.splitlines()[-1]))


def start_rasa_server(model: Path, action_url: str, folder: Path) -> Service:
    """A bare ``rasa run --enable-api`` on ``model``, with our response generator."""
    endpoints = folder / "endpoints.yml"
    endpoints.write_text(
        f"action_endpoint:\n  url: {action_url}\n  headers:\n    Authorization: Bearer {ACTION_TOKEN}\n"
        "nlg:\n  type: bot.engine.nlg.ProfileResponseGenerator\n  profile: municipality.yml\n"
    )
    port = free_port()
    return start_process(
        [
            str(ENGINE_BIN / "rasa"),
            "run",
            "--enable-api",
            "-m",
            str(model),
            "--port",
            str(port),
            "--endpoints",
            str(endpoints),
            "--credentials",
            str(ROOT / "credentials.yml"),
        ],
        "/status",
        port,
        {},
        folder / "rasa.log",
    )


def start_s3_server(log: Path) -> Service:
    """moto's S3-compatible server, a real HTTP server in its own process."""
    port = free_port()
    return start_process([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], "/moto-api/", port, {}, log)


def s3_settings(server: Service, prefix: str) -> dict[str, str]:
    """The environment of a process that keeps its photos and models in a new bucket on ``server``."""
    import boto3

    bucket = f"dorpspomp-{uuid.uuid4().hex[:12]}"
    client = boto3.client(
        "s3", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    client.create_bucket(Bucket=bucket)
    return {
        "OBJECT_STORE_URL": f"s3://{bucket}/{prefix}",
        "S3_ENDPOINT_URL": server.url,
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "test",
        "S3_SECRET_ACCESS_KEY": "test",
    }


def start_engine_service(log: Path, env: Mapping[str, str]) -> Service:
    """``dorpspomp engine`` in the engine's environment; answers once its model is loaded."""
    port = free_port()
    full_env = {"ENGINE_PORT": str(port), "ENGINE_TOKEN": ENGINE_TOKEN, "ACTION_SERVER_TOKEN": ACTION_TOKEN, **env}
    return start_process([str(ENGINE_BIN / "python"), "-m", "bot.cli", "engine"], "/healthz", port, full_env, log)


def start_engine_side(stack: ExitStack, folder: Path, env: Mapping[str, str]) -> dict[str, str]:
    """The action server and the engine service for a gateway with ``env`` (one
    database for all three), stopped with ``stack``; returns what the gateway
    needs to reach the engine."""
    folder.mkdir(parents=True, exist_ok=True)
    actions = start_action_server(folder / "actions.log", env)
    stack.callback(actions.stop)
    engine = start_engine_service(folder / "engine.log", {**env, "ACTION_ENDPOINT": actions.url + "/webhook"})
    stack.callback(engine.stop)
    return {"ENGINE_URL": engine.url, "ENGINE_TOKEN": ENGINE_TOKEN}


def start_gateway(log: Path, env: Mapping[str, str], ready_path: str = "/readyz") -> Service:
    port = free_port()
    full_env = {"PORT": str(port), "HOST": "127.0.0.1", "ENGINE_TOKEN": ENGINE_TOKEN, **env}
    return start_process([str(BIN / "dorpspomp"), "serve"], ready_path, port, full_env, log)


@contextmanager
def scratch_postgres_database(template: Optional[str] = None) -> Iterator[str]:
    """A fresh database on the test server (empty, or a copy of ``template``),
    dropped afterwards; yields its URL."""
    name = f"dorpspomp_test_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(POSTGRES_SERVER, isolation_level="AUTOCOMMIT", future=True)
    copy = f' TEMPLATE "{template}"' if template else ""
    with server.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield str(sa.engine.make_url(POSTGRES_SERVER).set(database=name))
    finally:
        with server.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


def webcare_gate(database: Database, redis: Optional[aioredis.Redis] = None) -> HandoffGate:
    return HandoffGate(HandoffStore(database), create_event_bus(redis), ConversationLocks(redis))


class ScriptedEngine:
    """A dialogue engine double that answers from a script, for router and channel tests.

    ``fail`` makes it raise, ``delay`` makes it slow: the failures the router must survive.
    "mens aub" hands the conversation to a colleague, as Rasa's ConversationPaused
    does: until :meth:`resume` it answers nothing.
    """

    HANDOFF_TEXT = "mens aub"
    # Read as a greeting; anything else not scripted as a question about opening hours.
    GREETINGS = frozenset({"hoi", "hallo", "/greet"})
    # Starts a report: a private turn that asks where (personal data may follow).
    REPORT_TEXT = "ik wil iets melden"

    def __init__(self, fail: Optional[Exception] = None, delay: float = 0.0) -> None:
        self.fail = fail
        self.delay = delay
        self.calls: list[tuple[str, IncomingMessage]] = []
        self.paused: set[str] = set()

    async def handle(self, conversation_id: str, message: IncomingMessage) -> EngineResult:
        self.calls.append((conversation_id, message))
        text = message.engine_text
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise self.fail
        if conversation_id in self.paused:
            return EngineResult((), Understanding("greet", 0.9), paused=True)
        if text == self.HANDOFF_TEXT:
            self.paused.add(conversation_id)
            return EngineResult(
                (Reply("Ik zet je door naar een collega."),),
                Understanding("human_handoff", 0.97),
                paused=True,
                handoff_reason="human_handoff",
            )
        if text == self.REPORT_TEXT:
            return EngineResult(
                (Reply("Waar is het? Noem de straat of deel je locatie.", request_location=True),),
                Understanding("report_issue", 0.95),
                private=True,
            )
        return EngineResult(
            replies=(
                Reply(text=f"Je zei: {text}", buttons=(Button("Ja", "/affirm"),)),
                Reply(text="Nog iets?"),
            ),
            understanding=Understanding(intent="greet" if text in self.GREETINGS else "opening_hours", confidence=0.93),
        )

    async def parse(self, text: str) -> Understanding:
        return Understanding(intent="greet", confidence=0.93)

    async def resume(self, conversation_id: str) -> None:
        self.paused.discard(conversation_id)

    async def slots(self, conversation_id: str) -> dict[str, Any]:
        return {
            "report_description": "losse tegel",
            "report_category": "wegen/bestrating",
            "report_location": {"address": "Kerkstraat 12", "latitude": 52.2, "longitude": 5.9},
            "requested_slot": "report_photo",
        }

    async def model_version(self) -> Optional[str]:
        return "scripted"

    async def swap(self, model_name: str) -> None:
        raise AssertionError("the scripted engine has no model to swap")

    async def ready(self) -> bool:
        return True

    async def close(self) -> None:
        return None


async def add_colleague(database_url: str, role: str = "agent", name: str = "Anna de Kok") -> str:
    """A new staff account with :data:`STAFF_PASSWORD`; its (unique) username."""
    username = f"{role}-{uuid.uuid4().hex[:8]}"
    database = Database(database_url)
    try:
        await StaffStore(database).add(username, name, role, STAFF_PASSWORD)
    finally:
        await database.close()
    return username


class Agent:
    """A colleague's browser: its own cookies, and the CSRF token of its session."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""

    def url(self, path: str) -> str:
        return self.base_url + path

    async def login(self, username: str, password: str = STAFF_PASSWORD) -> aiohttp.ClientResponse:
        page = await (await self.http.get(self.url("/webcare/login"))).text()
        token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        response = await self.http.post(
            self.url("/webcare/login"),
            data={"csrf": token, "username": username, "password": password},
            allow_redirects=False,
        )
        if response.status == 303:
            inbox = await (await self.http.get(self.url("/webcare"))).text()
            self.csrf = re.search(r'name="csrf-token" content="([^"]+)"', inbox).group(1)
        return response

    async def get(self, path: str) -> Any:
        async with self.http.get(self.url(path)) as response:
            assert response.status == 200, await response.text()
            return await response.json()

    async def post(self, path: str, body: dict[str, Any], status: int = 200) -> Any:
        async with self.http.post(self.url(path), json=body, headers={"X-CSRF-Token": self.csrf}) as response:
            assert response.status == status, await response.text()
            return await response.json()

    async def close(self) -> None:
        await self.http.close()


PROJECT_FILES = (
    "nlu_data",
    "content",
    "domain.yml",
    "responses.en.yml",
    "config.yml",
    "municipality.yml",
    "places.yml",
    "bench/data",
)


def copy_project(folder: Path, files: Iterable[str] = PROJECT_FILES) -> Path:
    """The project's data and profile in ``folder``, for a test that writes to them."""
    for name in files:
        source, target = ROOT / name, folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copy(source, target)
    return folder
