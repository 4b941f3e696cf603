"""A Rasa server elsewhere (``RASA_URL``), for running the engine on its own machines.

The server must run with ``--enable-api``: replies come from its REST channel,
what it understood from the conversation's tracker.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import aiohttp

from bot.contract import Slot
from bot.engine import EngineError
from bot.engine.rasa_inprocess import (
    present_slots,
    resume_events,
    understanding_from_parse,
)
from bot.messages import EngineResult, IncomingMessage, Reply, Understanding


class RemoteRasaEngine:
    def __init__(self, base_url: str, token: Optional[str], timeout: float) -> None:
        self._base_url = base_url.rstrip("/")
        self._params = {"token": token} if token else {}
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))

    async def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with self._session.request(method, self._base_url + path, params=self._params, **kwargs) as response:
                if response.status >= 400:
                    raise EngineError(f"Rasa answered {response.status} on {path}")
                return await response.json(content_type=None)
        except aiohttp.ClientError as error:
            raise EngineError(f"Rasa unreachable: {error}") from error

    async def handle(self, conversation_id: str, message: IncomingMessage) -> EngineResult:
        replies = await self._request(
            "POST",
            "/webhooks/rest/webhook",
            json={
                "sender": conversation_id,
                "message": message.engine_text,
                "metadata": message.engine_metadata,
            },
        )
        tracker = await self._request("GET", f"/conversations/{conversation_id}/tracker?include_events=NONE")
        return EngineResult(
            replies=Reply.from_rasa(replies or ()),
            understanding=understanding_from_parse(tracker.get("latest_message") or {}),
            paused=bool(tracker.get("paused")),
            handoff_reason=(tracker.get("slots") or {}).get(Slot.HANDOFF_REASON),
            # Only the state after the turn is at hand here: a form's last turn reads as public.
            private=bool(tracker.get("paused") or (tracker.get("active_loop") or {}).get("name")),
        )

    async def parse(self, text: str) -> Understanding:
        return understanding_from_parse(await self._request("POST", "/model/parse", json={"text": text}))

    async def resume(self, conversation_id: str) -> None:
        await self._request(
            "POST",
            f"/conversations/{conversation_id}/tracker/events",
            json=[event.as_dict() for event in resume_events()],
        )

    async def slots(self, conversation_id: str) -> dict[str, Any]:
        tracker = await self._request("GET", f"/conversations/{conversation_id}/tracker?include_events=NONE")
        return present_slots(tracker.get("slots") or {})

    async def model_version(self) -> Optional[str]:
        status = await self._request("GET", "/status")
        return Path(str(status.get("model_file") or "")).name or None

    async def swap(self, model_path: Path) -> None:
        """Rasa's ``PUT /model``: the path must be one the Rasa server can read."""
        await self._request("PUT", "/model", json={"model_file": str(model_path)})

    async def ready(self) -> bool:
        try:
            status = await self._request("GET", "/status")
        except EngineError:
            return False
        return bool(status.get("model_file"))

    async def close(self) -> None:
        await self._session.close()
