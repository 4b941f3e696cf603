"""The REST channel: Rasa's REST webhook shape, behind a bearer token.

``POST /webhooks/rest/webhook`` with ``{"sender": "...", "message": "..."}``
answers with the list of replies, so clients written for Rasa work unchanged.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.messages import IncomingMessage, MessageTooLong, Reply
from bot.web.http import HttpProblem, read_json_object, require_bearer_token
from channels.base import Channel, ChannelContext

MAX_SENDER_LENGTH = 255


def render(reply: Reply, recipient_id: str) -> dict[str, Any]:
    """A reply in the shape of Rasa's REST channel: only the keys that carry something."""
    rendered: dict[str, Any] = {"recipient_id": recipient_id, "text": reply.text}
    if reply.buttons:
        rendered["buttons"] = [{"title": b.title, "payload": b.payload} for b in reply.buttons]
    if reply.image:
        rendered["image"] = reply.image
    return rendered


def parse(body: dict[str, Any]) -> IncomingMessage:
    sender, text, metadata = body.get("sender"), body.get("message"), body.get("metadata", {})
    if not isinstance(sender, str) or not sender.strip() or len(sender) > MAX_SENDER_LENGTH:
        raise HttpProblem(400, f"'sender' must be a non-empty string of at most {MAX_SENDER_LENGTH} characters")
    if not isinstance(text, str):
        raise HttpProblem(400, "'message' must be a string")
    if not isinstance(metadata, dict):
        raise HttpProblem(400, "'metadata' must be an object")
    # Rasa's REST clients tap a button by sending its payload as the message;
    # the router lets it through only when the bot offered it (bot/payloads.py).
    payload = text if text.startswith("/") else None
    try:
        return IncomingMessage(
            channel="rest",
            sender=sender,
            text="" if payload else text,
            payload=payload,
            metadata=metadata,
            public=metadata.get("public") is True,
        )
    except MessageTooLong as error:
        raise HttpProblem(413, str(error)) from None


class RestChannel(Channel):
    name = "rest"
    title = "REST"
    colour = "#999999"
    # A plain square: another system, not a person's app.
    icon = "M4 4h16v16H4z"

    @classmethod
    def create(cls, context: ChannelContext) -> "RestChannel":
        return cls(context, context.settings.rest_token)

    def __init__(self, context: ChannelContext, token: str) -> None:
        super().__init__(context)
        self._token = token

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/webhooks/rest/webhook", self.receive)]

    async def receive(self, request: web.Request) -> web.Response:
        require_bearer_token(request, self._token)
        message = parse(await read_json_object(request))
        answer = await self.hub.handle(message)
        return web.json_response([render(reply, message.sender) for reply in answer.replies])
