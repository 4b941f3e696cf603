"""A local server speaking the part of Rasa's HTTP API the remote engine uses,
keeping every message it was asked to handle: tests of the gateway's edge see
exactly what would have reached the dialogue engine, without loading a model."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator

from aiohttp import web

from tests.fake_backends import FakeServer

# Offered with every answer: a bare intent, and a payload with entities that
# only an offered button may carry.
BUTTONS = [
    {"title": "Ja", "payload": "/affirm"},
    {"title": "Afval", "payload": '/inform{"report_category": "afval/huisvuil"}'},
]


@dataclass
class FakeRasa(FakeServer):
    received: list[dict[str, Any]] = field(default_factory=list)

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/webhooks/rest/webhook", self.webhook),
            web.get("/conversations/{id}/tracker", self.tracker),
            web.post("/model/parse", self.parse),
            web.get("/status", self.status),
        ]

    async def webhook(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.received.append(body)
        return web.json_response(
            [{"recipient_id": body["sender"], "text": f"Je zei: {body['message'][:40]}", "buttons": BUTTONS}]
        )

    async def tracker(self, request: web.Request) -> web.Response:
        return web.json_response({"latest_message": {"intent": {"name": "greet", "confidence": 0.99}}, "slots": {}})

    async def parse(self, request: web.Request) -> web.Response:
        return web.json_response({"intent": {"name": "greet", "confidence": 0.99}, "entities": []})

    async def status(self, request: web.Request) -> web.Response:
        return web.json_response({"model_file": "models/fake.tar.gz"})

    def texts(self, conversation_id: str) -> list[str]:
        """What the engine was asked to read in one conversation, in order."""
        return [str(body["message"]) for body in self.received if body["sender"] == conversation_id]


def running_fake_rasa() -> Iterator[FakeRasa]:
    """The fake on its own event loop in a thread, for tests of a gateway process."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    rasa = FakeRasa()
    asyncio.run_coroutine_threadsafe(rasa.start(), loop).result(30)
    try:
        yield rasa
    finally:
        asyncio.run_coroutine_threadsafe(rasa.stop(), loop).result(30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
