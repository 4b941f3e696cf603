"""The web chat channel: a websocket at ``/webchat/ws`` and the widget script.

Protocol, one JSON object per websocket message:

browser → server
  ``{"type": "hello", "session": <token or null>}``      first, once per connection
  ``{"type": "message", "text": "...", "payload": "..."}``  typed text or a tapped button

server → browser
  ``{"type": "session", "session": <token>, "history": [turn, ...]}``
  ``{"type": "typing"}``                                    while the answer is made
  ``{"type": "reply", "text": ..., "buttons": [...], "image": ...}``
  ``{"type": "error", "error": "..."}``                     a request it could not take
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Optional

from aiohttp import WSMsgType, web

from bot.messages import IncomingMessage, MessageTooLong, Reply, Turn
from channels.base import Channel, ConversationHub
from channels.webchat.session import SessionSigner

logger = logging.getLogger(__name__)

WIDGET_SCRIPT = Path(__file__).parent / "static" / "widget.js"
MAX_FRAME_BYTES = 64 * 1024


def render(reply: Reply) -> dict[str, Any]:
    return {"type": "reply", **reply.to_dict()}


def render_turn(turn: Turn) -> dict[str, Any]:
    return {"from": "citizen" if turn.from_citizen else "bot", **turn.reply.to_dict()}


class WebchatChannel(Channel):
    name = "webchat"

    def __init__(self, hub: ConversationHub, signer: SessionSigner) -> None:
        super().__init__(hub)
        self._signer = signer

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/widget.js", self.widget),
            web.get("/webchat/ws", self.websocket),
        ]

    async def widget(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(
            WIDGET_SCRIPT,
            headers={
                "Content-Type": "application/javascript; charset=utf-8",
                "Cache-Control": "public, max-age=300",
                "Access-Control-Allow-Origin": "*",
            },
        )

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(heartbeat=25, max_msg_size=MAX_FRAME_BYTES)
        await socket.prepare(request)
        conversation_id: Optional[str] = None
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                continue
            try:
                data = json.loads(frame.data)
                if not isinstance(data, dict):
                    raise ValueError
            except ValueError:
                await socket.send_json({"type": "error", "error": "not a JSON object"})
                continue
            if data.get("type") == "hello":
                conversation_id = await self._open(socket, data.get("session"))
            elif data.get("type") == "message":
                await self._answer(socket, conversation_id, data)
            else:
                await socket.send_json({"type": "error", "error": "unknown message type"})
        return socket

    async def _open(self, socket: web.WebSocketResponse, token: Any) -> str:
        """Resume the conversation the token names, or start a new one."""
        conversation_id = self._signer.verify(token)
        transcript = await self.hub.transcript(conversation_id) if conversation_id else None
        if conversation_id is None or transcript is None:
            conversation_id = await self.hub.open_conversation(self.name)
            transcript = []
        await socket.send_json(
            {
                "type": "session",
                "session": self._signer.sign(conversation_id),
                "history": [render_turn(turn) for turn in transcript],
            }
        )
        return conversation_id

    async def _answer(
        self, socket: web.WebSocketResponse, conversation_id: Optional[str], data: dict[str, Any]
    ) -> None:
        text, payload = data.get("text", ""), data.get("payload")
        if conversation_id is None:
            await socket.send_json({"type": "error", "error": "say hello first"})
            return
        if not isinstance(text, str) or not (payload is None or isinstance(payload, str)):
            await socket.send_json({"type": "error", "error": "text and payload must be strings"})
            return
        if not text.strip() and not payload:
            await socket.send_json({"type": "error", "error": "empty message"})
            return
        try:
            message = IncomingMessage(
                channel=self.name, sender=conversation_id, text=text, payload=payload
            )
        except MessageTooLong as error:
            await socket.send_json({"type": "error", "error": str(error)})
            return
        await socket.send_json({"type": "typing"})
        for reply in await self.hub.handle(message, conversation_id):
            await socket.send_json(render(reply))
