"""``POST /api/nlu/parse``: what the engine understands of a text, without a conversation."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.engine import EngineError
from bot.messages import MAX_TEXT_LENGTH, Understanding
from bot.web.http import HttpProblem, read_json_object, require_bearer_token

if TYPE_CHECKING:  # the engine's environment reads understanding_json, not the router's languages
    from bot.router import Router


def understanding_json(text: str, understanding: Understanding) -> dict[str, Any]:
    return {
        "text": text,
        "intent": {"name": understanding.intent, "confidence": understanding.confidence},
        "entities": list(understanding.entities),
        "report_category": understanding.report_category,
    }


def nlu_routes(router: Router, token: str) -> list[web.RouteDef]:
    async def parse(request: web.Request) -> web.Response:
        require_bearer_token(request, token)
        text = (await read_json_object(request)).get("text")
        if not isinstance(text, str):
            raise HttpProblem(400, "'text' must be a string")
        if len(text) > MAX_TEXT_LENGTH:
            raise HttpProblem(413, f"text is longer than {MAX_TEXT_LENGTH} characters")
        try:
            understanding = await router.parse(text)
        except (asyncio.TimeoutError, EngineError):
            raise HttpProblem(503, "the dialogue engine is not answering; try again shortly") from None
        return web.json_response(understanding_json(text, understanding))

    return [web.post("/api/nlu/parse", parse)]
