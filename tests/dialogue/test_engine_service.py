"""The engine service, a real process in the engine's environment on the
trained model, through the gateway's client: it answers, keeps each
conversation's state, swaps models by name, and lets nobody in without the
secret, nor from beyond loopback unless told to."""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
from pathlib import Path
from typing import AsyncIterator, Iterator

import aiohttp
import pytest

from bot.engine import DialogueEngine, EngineError, wire
from bot.engine.client import EngineClient
from bot.messages import IncomingMessage
from tests.support import ENGINE_BIN, ENGINE_TOKEN, ROOT, free_port, start_engine_side

DEEP = ("[" * 30_000 + "]" * 30_000).encode()


@pytest.fixture(scope="module")
def engine_url(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("engine")
    env = {
        "DATABASE_URL": f"sqlite:///{folder / 'engine.sqlite3'}",
        "REDIS_URL": "",
        "MODEL_DIR": str(trained_model.parent),
    }
    with contextlib.ExitStack() as stack:
        yield start_engine_side(stack, folder, env)["ENGINE_URL"]


@pytest.fixture
async def client(engine_url: str) -> AsyncIterator[EngineClient]:
    engine = EngineClient(engine_url, ENGINE_TOKEN, timeout=30)
    yield engine
    await engine.close()


async def test_it_answers_understands_and_tells_its_model(client: EngineClient, trained_model: Path) -> None:
    assert await client.ready()
    assert await client.model_version() == trained_model.name
    result = await client.handle(uuid.uuid4().hex, IncomingMessage("rest", "anna", "wat kost een nieuw paspoort?"))
    assert result.understanding.intent == "passport_renewal" and result.understanding.confidence > 0.5
    text = " ".join(r.text for r in result.replies)
    assert "€ 84,45" in text and "{" not in text
    parsed = await client.parse("waarom is de Westerstraat dicht?")
    assert parsed.intent == "road_diversion"
    assert {"entity": "location", "value": "Westerstraat"}.items() <= parsed.entities[0].items()
    report = await client.parse("de lantaarnpaal voor Kerkstraat 12 is kapot")
    assert report.report_category is not None and report.report_category["code"] == "wegen/straatverlichting"


async def test_it_hands_off_and_resumes(client: EngineClient) -> None:
    await hands_off_and_resumes(client)


async def test_reports_are_private_and_ask_where(client: EngineClient) -> None:
    await reports_are_private_and_ask_where(client)


async def hands_off_and_resumes(engine: DialogueEngine) -> None:
    """Rasa pauses for a colleague, reads but does not answer, and answers again once resumed."""
    conversation = uuid.uuid4().hex
    result = await engine.handle(conversation, IncomingMessage("rest", "cees", "ik wil een medewerker spreken"))
    assert (result.paused, result.handoff_reason) == (True, "human_handoff")
    assert any("collega" in r.text for r in result.replies)
    silent = await engine.handle(conversation, IncomingMessage("rest", "cees", "wat kost een paspoort?"))
    assert silent.paused and silent.replies == ()
    await engine.resume(conversation)
    answered = await engine.handle(conversation, IncomingMessage("rest", "cees", "wat kost een paspoort?"))
    assert not answered.paused and answered.handoff_reason is None
    assert any("84,45" in r.text for r in answered.replies)
    assert "handoff_reason" not in await engine.slots(conversation)


async def reports_are_private_and_ask_where(engine: DialogueEngine) -> None:
    """A report's turns are private (a public channel moves them to a private
    message), and the question for the place asks channels for a location control."""
    conversation = uuid.uuid4().hex
    turns = [
        "er ligt een kapotte stoeptegel op de stoep",
        '/inform{"report_category": "wegen"}',
        '/inform{"report_category": "wegen/bestrating"}',
    ]
    for text in turns:
        # The category buttons are tapped: their payloads, not typed text.
        tapped = {"payload": text} if text.startswith("/") else {"text": text}
        result = await engine.handle(conversation, IncomingMessage("telegram", "dina", **tapped))
        assert result.private
    [question] = result.replies
    assert question.request_location and "plek" in question.text
    assert (await engine.slots(conversation))["report_category"] == "wegen/bestrating"
    small_talk = await engine.handle(uuid.uuid4().hex, IncomingMessage("x", "eva", "hoi", public=True))
    assert not small_talk.private


async def test_models_are_swapped_by_name_from_the_engines_own_folder(
    client: EngineClient, engine_url: str, trained_model: Path
) -> None:
    await client.swap(trained_model.name)  # the model it has: nothing to load
    assert await client.model_version() == trained_model.name
    with pytest.raises(EngineError, match="404"):
        await client.swap("dorpspomp-0000000000000000.tar.gz")
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {ENGINE_TOKEN}"}) as http:
        for name in ("../secrets.tar.gz", "/etc/passwd", "model.zip"):
            async with http.put(engine_url + wire.MODEL_PATH, json={"model": name}) as response:
                assert response.status == 400, name
    assert await client.model_version() == trained_model.name


ENDPOINTS = [
    ("POST", wire.turn_path("abc"), {"text": "hoi", "channel": "rest", "metadata": {}}),
    ("POST", wire.resume_path("abc"), None),
    ("GET", wire.slots_path("abc"), None),
    ("POST", wire.PARSE_PATH, {"text": "hoi"}),
    ("GET", wire.MODEL_PATH, None),
    ("PUT", wire.MODEL_PATH, {"model": "x.tar.gz"}),
    ("POST", wire.TRAINING_PATH, {"run": 1, "promote": "no"}),
    ("GET", wire.HEALTH_PATH, None),
]


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
async def test_every_call_needs_the_secret(engine_url: str, token: str | None) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
    async with aiohttp.ClientSession(headers=headers) as http:
        for method, path, body in ENDPOINTS:
            async with http.request(method, engine_url + path, json=body) as response:
                assert response.status == 401, (method, path)
                assert response.headers["WWW-Authenticate"] == "Bearer"
        # A supervisor's liveness probe learns only that the process lives.
        async with http.get(engine_url + "/healthz") as response:
            assert response.status == 200 and await response.json() == {"alive": True}


async def test_malformed_requests_get_400(engine_url: str) -> None:
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {ENGINE_TOKEN}"}) as http:
        bad = [
            (wire.turn_path("abc"), b"{not json"),
            (wire.turn_path("abc"), DEEP),
            (wire.turn_path("abc"), b'{"text": 5, "channel": "rest"}'),
            (wire.turn_path("abc"), b'{"text": "hoi", "channel": "rest", "metadata": []}'),
            (wire.turn_path("a b"), b'{"text": "hoi", "channel": "rest"}'),
            (wire.PARSE_PATH, b'{"text": ["hoi"]}'),
            (wire.TRAINING_PATH, b'{"run": "1; rm -rf /", "promote": "no"}'),
            (wire.TRAINING_PATH, b'{"run": 1, "promote": "always"}'),
        ]
        for path, body in bad:
            async with http.post(engine_url + path, data=body) as response:
                assert response.status == 400, (path, body[:40])


def listening_addresses(port: int) -> set[str]:
    """The local addresses a socket listens on at ``port``, from the kernel's table."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as rows:
            for row in list(rows)[1:]:
                local, state = row.split()[1], row.split()[3]
                address, hex_port = local.split(":")
                if state == "0A" and int(hex_port, 16) == port:
                    found.add(address)
    return found


def test_it_listens_on_loopback_only_by_default(engine_url: str) -> None:
    port = int(engine_url.rsplit(":", 1)[1])
    assert listening_addresses(port) == {"0100007F"}  # 127.0.0.1, and nothing else


def test_beyond_loopback_it_needs_a_secret_set_on_purpose(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "ENGINE_TOKEN"}
    result = subprocess.run(
        [str(ENGINE_BIN / "python"), "-m", "bot.cli", "engine"],
        cwd=ROOT,
        env={**env, "ENGINE_HOST": "0.0.0.0", "ENGINE_PORT": str(free_port()), "DORPSPOMP_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0 and "set ENGINE_TOKEN" in result.stderr


async def test_an_engine_without_a_model_of_its_own_starts_on_the_one_in_the_object_store(
    trained_model: Path, s3_env: dict[str, str], tmp_path: Path
) -> None:
    """A new replica (an empty model folder) loads what another process trained and published."""
    from bot.settings import Settings
    from bot.storage import MODELS, remote_store

    store = remote_store(Settings.from_env({"DORPSPOMP_HOME": str(tmp_path), **s3_env}), MODELS)
    assert store is not None
    store.upload(trained_model.name, trained_model)
    env = {
        **s3_env,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'replica.sqlite3'}",
        "REDIS_URL": "",
        "MODEL_DIR": str(tmp_path / "empty-models"),
    }
    with contextlib.ExitStack() as stack:
        engine = EngineClient(start_engine_side(stack, tmp_path, env)["ENGINE_URL"], ENGINE_TOKEN, timeout=30)
        try:
            assert await engine.model_version() == trained_model.name
            assert (await engine.parse("wat kost een nieuw paspoort?")).intent == "passport_renewal"
        finally:
            await engine.close()
    assert (tmp_path / "empty-models" / trained_model.name).read_bytes() == trained_model.read_bytes()
