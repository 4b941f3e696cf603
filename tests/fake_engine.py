"""A local server speaking the engine service's API (bot/engine/wire.py),
keeping every turn it was asked to handle: tests of the gateway's edge see
exactly what would have reached the dialogue engine, without loading a model."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator

from aiohttp import web

from bot.engine import wire
from bot.messages import Button, EngineResult, Reply, Understanding
from tests.fake_backends import FakeServer

ENGINE_TOKEN = "fake-engine-token"
# Offered with every answer: a bare intent, and a payload with entities that
# only an offered button may carry.
BUTTONS = (
    Button("Ja", "/affirm"),
    Button("Afval", '/inform{"report_category": "afval/huisvuil"}'),
)
GREET = Understanding("greet", 0.99)
# Anything but a bare greeting is a question (a conversation's first gets the welcome before it).
QUESTION = Understanding("opening_hours", 0.9)
GREETINGS = frozenset({"hoi", "hallo", "/greet"})


@dataclass
class FakeEngine(FakeServer):
    received: list[dict[str, Any]] = field(default_factory=list)
    # While set, turns wait: an engine that has not answered yet.
    holding: bool = False

    def routes(self) -> list[web.RouteDef]:
        conversation = f"{wire.PREFIX}/conversations/{{conversation}}"
        return [
            web.post(f"{conversation}/turns", self.turn),
            web.post(wire.PARSE_PATH, self.parse),
            web.get(wire.MODEL_PATH, self.model),
            web.get(wire.HEALTH_PATH, self.health),
        ]

    def _check(self, request: web.Request) -> None:
        if request.headers.get("Authorization") != f"Bearer {ENGINE_TOKEN}":
            raise web.HTTPUnauthorized()

    async def turn(self, request: web.Request) -> web.Response:
        self._check(request)
        turn = wire.EngineTurn.from_json(await request.json())
        self.received.append({"conversation": request.match_info["conversation"], "text": turn.text})
        while self.holding:
            await asyncio.sleep(0.05)
        understanding = GREET if turn.text in GREETINGS else QUESTION
        result = EngineResult(replies=(Reply(f"Je zei: {turn.text[:40]}", BUTTONS),), understanding=understanding)
        return web.json_response(wire.result_to_json(result))

    async def parse(self, request: web.Request) -> web.Response:
        self._check(request)
        return web.json_response(wire.understanding_to_json(GREET))

    async def model(self, request: web.Request) -> web.Response:
        self._check(request)
        return web.json_response({"model": "fake.tar.gz"})

    async def health(self, request: web.Request) -> web.Response:
        self._check(request)
        return web.json_response({"ready": True, "model": "fake.tar.gz", "api": wire.VERSION})

    def texts(self, conversation_id: str) -> list[str]:
        """What the engine was asked to read in one conversation, in order."""
        return [str(body["text"]) for body in self.received if body["conversation"] == conversation_id]

    @property
    def env(self) -> dict[str, str]:
        """What a gateway needs to talk to this engine."""
        return {"ENGINE_URL": self.url, "ENGINE_TOKEN": ENGINE_TOKEN}


def running_fake_engine() -> Iterator[FakeEngine]:
    """The fake on its own event loop in a thread, for tests of a gateway process."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    engine = FakeEngine()
    asyncio.run_coroutine_threadsafe(engine.start(), loop).result(30)
    try:
        yield engine
    finally:
        engine.holding = False  # a turn still waiting must not hold the server's shutdown
        asyncio.run_coroutine_threadsafe(engine.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
