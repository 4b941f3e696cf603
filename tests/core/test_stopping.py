"""A gateway told to stop (SIGTERM, as compose and Kubernetes do) stops at
once and loses nothing: a request in flight gets its answer, and the chat and
inbox sockets are closed with 1012, "service restart", so the widget and the
inbox reconnect elsewhere instead of holding the process open."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

import aiohttp
import pytest

from tests.fake_engine import FakeEngine
from tests.platforms import until
from tests.support import Agent, add_colleague, project_municipality, start_gateway

REST = {"Authorization": "Bearer rest"}


@pytest.mark.integration
async def test_sigterm_finishes_the_turn_in_flight_and_closes_the_sockets(
    tmp_path: Path, fake_engine: FakeEngine
) -> None:
    env = {
        **fake_engine.env,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.sqlite3'}",
        "REDIS_URL": "",
        "DORPSPOMP_REST_TOKEN": "rest",
        "DORPSPOMP_SECRET": "secret",
    }
    gateway = await asyncio.to_thread(start_gateway, tmp_path / "gateway.log", env)
    agent = Agent(gateway.url)
    try:
        assert (await agent.login(await add_colleague(env["DATABASE_URL"]))).status == 303
        inbox = await agent.http.ws_connect(gateway.url + "/webcare/ws")
        async with aiohttp.ClientSession() as http:
            chat = await http.ws_connect(gateway.url + "/webchat/ws")
            await chat.send_json({"type": "hello", "session": None})
            assert (await chat.receive_json(timeout=10))["type"] == "session"

            fake_engine.holding = True
            turn = asyncio.create_task(
                http.post(
                    gateway.url + "/webhooks/rest/webhook", json={"sender": "anna", "message": "hoi?"}, headers=REST
                )
            )
            await until(lambda: fake_engine.received)  # the engine is thinking
            gateway.process.send_signal(signal.SIGTERM)

            for socket in (chat, inbox):
                closing = await socket.receive(timeout=30)
                assert (closing.type, closing.data) == (aiohttp.WSMsgType.CLOSE, 1012)
            fake_engine.holding = False
            response = await turn
            assert response.status == 200
            # Anna's first message: the welcome, then the answer the engine was making.
            welcome = project_municipality().welcome.wordings[0]
            assert [reply["text"] for reply in await response.json()] == [welcome, "Je zei: hoi?"]
        assert await asyncio.to_thread(gateway.process.wait, 30) == 0
    finally:
        await agent.close()
        await asyncio.to_thread(gateway.stop)
