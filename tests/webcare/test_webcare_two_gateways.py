"""Two gateway processes on one PostgreSQL and one Redis: a citizen connected to
one, a colleague to the other, and every message reaches the other side live."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any, Iterator

import aiohttp
import pytest

from tests.conftest import REST_TOKEN
from tests.support import (
    REDIS_URL,
    Agent,
    Service,
    add_colleague,
    scratch_postgres_database,
    start_engine_side,
    start_gateway,
)

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def gateways(trained_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Service]]:
    folder = tmp_path_factory.mktemp("two-gateways")
    with contextlib.ExitStack() as stack:
        env = {
            "DORPSPOMP_REST_TOKEN": REST_TOKEN,
            "DORPSPOMP_SECRET": "test-session-secret",
            "MODEL_DIR": str(trained_model.parent),
            "MEDIA_DIR": str(folder / "media"),
            "DATABASE_URL": stack.enter_context(scratch_postgres_database()),
            "REDIS_URL": REDIS_URL,
        }
        # One engine service behind both gateways, as in production.
        env.update(start_engine_side(stack, folder, env))
        first = start_gateway(folder / "a.log", env)
        stack.callback(first.stop)
        second = start_gateway(folder / "b.log", env)
        stack.callback(second.stop)
        yield first, second


async def next_event(socket: aiohttp.ClientWebSocketResponse, **expected: Any) -> dict[str, Any]:
    while True:
        event = await socket.receive_json(timeout=15)
        if all(event.get(k) == v for k, v in expected.items()):
            return event


async def test_a_message_at_one_gateway_reaches_a_colleague_at_the_other(gateways: tuple[Service, Service]) -> None:
    first, second = gateways
    agent = Agent(second.url)
    assert (await agent.login(await add_colleague(first.env["DATABASE_URL"]))).status == 303
    inbox = await agent.http.ws_connect(second.url + "/webcare/ws")

    async with aiohttp.ClientSession() as session:
        chat = await session.ws_connect(first.url + "/webchat/ws")
        await chat.send_json({"type": "hello", "session": None})
        conversation = (await chat.receive_json(timeout=10))["session"].split(".")[0]
        await chat.send_json({"type": "message", "text": "ik wil een medewerker spreken"})
        assert (await chat.receive_json(timeout=30))["type"] == "typing"
        assert "collega" in (await chat.receive_json(timeout=30))["text"]
        await next_event(inbox, type="queue")
        queue = await agent.get("/webcare/api/queue")
        assert conversation in [w["conversation_id"] for w in queue["waiting"]]

        await chat.send_json({"type": "message", "text": "hallo, ik wacht nog"})
        assert (await chat.receive_json(timeout=30))["type"] == "typing"
        assert (await chat.receive_json(timeout=30)) == {"type": "received"}
        await next_event(inbox, type="conversation", conversation_id=conversation)

        base = f"/webcare/api/conversations/{conversation}"
        await agent.post(base + "/claim", {})
        await agent.post(base + "/reply", {"text": "Ik ben er!"})
        assert (await chat.receive_json(timeout=15))["text"] == "Ik ben er! ^AK", "from gateway B to the chat on A"
        await chat.close()
    await inbox.close()
    await agent.close()
