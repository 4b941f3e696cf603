"""The gateway's only way to the engine: the engine service's API over HTTP.

Every call has a time limit, carries the shared secret and turns any failure
(refused, timed out, an error status, an answer that is not the API's) into
:class:`EngineError`, which the router answers with an honest apology.
"""

from __future__ import annotations

import asyncio
from typing import Any, Optional

import aiohttp

from bot.engine import EngineError, wire
from bot.messages import EngineResult, IncomingMessage, Understanding

# Loading a model takes seconds of CPU on the engine's side.
SWAP_TIMEOUT = 300.0
HEALTH_TIMEOUT = 3.0


class EngineClient:
    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self._base_url = base_url.rstrip("/")
        self._headers = {"Authorization": f"Bearer {token}"}
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        # Created on first use: a session belongs to the event loop that runs it.
        self._session: Optional[aiohttp.ClientSession] = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(headers=self._headers, timeout=self._timeout)
        return self._session

    async def _call(self, method: str, path: str, timeout: Optional[float] = None, **kwargs: Any) -> dict[str, Any]:
        limit = aiohttp.ClientTimeout(total=timeout) if timeout else None
        try:
            async with self._client().request(method, self._base_url + path, timeout=limit, **kwargs) as response:
                if response.status >= 400:
                    raise EngineError(f"the engine service answered {response.status} on {method} {path}")
                data = await response.json()
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise EngineError(f"the engine service failed on {method} {path}: {error!r}") from error
        if not isinstance(data, dict):
            raise EngineError(f"the engine service's answer to {method} {path} is not an object")
        return data

    async def handle(self, conversation_id: str, message: IncomingMessage) -> EngineResult:
        turn = wire.EngineTurn.of(message)
        return wire.result_from_json(await self._call("POST", wire.turn_path(conversation_id), json=turn.to_json()))

    async def parse(self, text: str) -> Understanding:
        return wire.understanding_from_json(await self._call("POST", wire.PARSE_PATH, json={"text": text}))

    async def resume(self, conversation_id: str) -> None:
        await self._call("POST", wire.resume_path(conversation_id))

    async def slots(self, conversation_id: str) -> dict[str, Any]:
        slots = (await self._call("GET", wire.slots_path(conversation_id))).get("slots")
        return slots if isinstance(slots, dict) else {}

    async def model_version(self) -> Optional[str]:
        model = (await self._call("GET", wire.MODEL_PATH)).get("model")
        return model if isinstance(model, str) else None

    async def swap(self, model_name: str) -> None:
        await self._call("PUT", wire.MODEL_PATH, timeout=SWAP_TIMEOUT, json={"model": model_name})

    async def ready(self) -> bool:
        """Whether the engine service answers, speaks this API version and has a model loaded."""
        try:
            health = await self._call("GET", wire.HEALTH_PATH, timeout=HEALTH_TIMEOUT)
        except EngineError:
            return False
        return health.get("ready") is True and health.get("api") == wire.VERSION

    async def launch(self, run_id: int, promote: str) -> None:
        """Start training run ``run_id`` in the engine's environment; it reports through the database."""
        await self._call("POST", wire.TRAINING_PATH, json={"run": run_id, "promote": promote})

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
