"""The Messenger channel: ``GET``/``POST /webhooks/messenger``.

Meta verifies the webhook with a ``GET`` carrying ``hub.verify_token``, then
signs every delivery with ``X-Hub-Signature-256``: the HMAC-SHA256 of the raw
body under the app secret. Answers go out through the Graph Send API.

Meta's messaging window: within 24 hours of the citizen's last message
anything may be sent (``RESPONSE``); after that only a person may answer,
with the ``HUMAN_AGENT`` tag, for up to 7 days. The bot sends nothing
automated outside the window; such news stays in the conversation's history.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone
from typing import Any, Mapping, Optional

import aiohttp
from aiohttp import web

from bot.media import MAX_BYTES, MEDIA_PREFIX, MediaRejected
from bot.messages import Attachment, Reply
from bot.web.http import HttpProblem
from channels.base import ChannelContext
from channels.credentials import required
from channels.messenger.events import CHANNEL, parse_delivery
from channels.messenger.graph import GraphSendApi
from channels.platform import PlatformChannel, PlatformEvent
from channels.render import split_text
from channels.signatures import hmac_sha256, require_signature

logger = logging.getLogger(__name__)

MAX_TEXT = 2000
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MAX_QUICK_REPLY_PAYLOAD = 1000
# Where Meta serves the photos citizens send (scontent-*.xx.fbcdn.net, lookaside.fbsbx.com).
MEDIA_HOSTS = ("fbcdn.net", "fbsbx.com")
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)


def _hosts(listed: str) -> tuple[str, ...]:
    return tuple(host.strip().lower() for host in listed.split(",") if host.strip())


@dataclass(frozen=True)
class MessengerConfig:
    app_secret: str
    page_token: str
    verify_token: str
    graph_url: str = "https://graph.facebook.com"
    media_hosts: tuple[str, ...] = MEDIA_HOSTS

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Optional["MessengerConfig"]:
        values = required(env, CHANNEL, ("MESSENGER_APP_SECRET", "MESSENGER_PAGE_TOKEN", "MESSENGER_VERIFY_TOKEN"))
        if values is None:
            return None
        return cls(
            values["MESSENGER_APP_SECRET"],
            values["MESSENGER_PAGE_TOKEN"],
            values["MESSENGER_VERIFY_TOKEN"],
            env.get("MESSENGER_GRAPH_URL", cls.graph_url).rstrip("/"),
            _hosts(env.get("MESSENGER_MEDIA_HOSTS", ",".join(MEDIA_HOSTS))),
        )


def quick_replies(reply: Reply) -> list[dict[str, str]]:
    return [
        {
            "content_type": "text",
            # Messenger cuts longer titles itself, mid-word; we cut with an ellipsis.
            "title": b.title if len(b.title) <= MAX_QUICK_REPLY_TITLE else b.title[: MAX_QUICK_REPLY_TITLE - 1] + "…",
            "payload": b.payload[:MAX_QUICK_REPLY_PAYLOAD],
        }
        for b in reply.buttons[:MAX_QUICK_REPLIES]
    ]


def render_reply(recipient: str, reply: Reply, window: dict[str, str]) -> list[dict[str, Any]]:
    """Send API payloads for one reply; the quick replies ride on the last text."""
    messages: list[dict[str, Any]] = [{"text": piece} for piece in split_text(reply.text, MAX_TEXT) if piece]
    if messages and reply.buttons:
        messages[-1]["quick_replies"] = quick_replies(reply)
    if reply.image and reply.image.startswith(("https://", "http://")):
        messages.append({"attachment": {"type": "image", "payload": {"url": reply.image, "is_reusable": True}}})
    return [{"recipient": {"id": recipient}, **window, "message": message} for message in messages]


def render_replies(recipient: str, replies: list[Reply], window: dict[str, str]) -> list[dict[str, Any]]:
    return [item for reply in replies for item in render_reply(recipient, reply, window)]


class MessengerChannel(PlatformChannel):
    name = CHANNEL
    title = "Messenger"
    colour = "#CC79A7"

    @classmethod
    def create(cls, context: ChannelContext) -> Optional["MessengerChannel"]:
        config = MessengerConfig.from_env(context.settings.platforms)
        return None if config is None else cls(context, config)

    def __init__(self, context: ChannelContext, config: MessengerConfig) -> None:
        super().__init__(context)
        self._config = config
        self._media = context.media
        self._graph = GraphSendApi(config.graph_url, config.page_token)

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/webhooks/messenger", self.verify), web.post("/webhooks/messenger", self.receive)]

    async def verify(self, request: web.Request) -> web.Response:
        """Meta's subscription check: echo the challenge when the token is ours."""
        query = request.query
        if query.get("hub.mode") != "subscribe" or "hub.challenge" not in query:
            raise HttpProblem(400, "expected hub.mode=subscribe with hub.challenge")
        require_signature(query.get("hub.verify_token", ""), self._config.verify_token)
        return web.Response(text=query["hub.challenge"])

    def authenticate(self, request: web.Request, body: bytes) -> None:
        expected = "sha256=" + hmac_sha256(self._config.app_secret, body).hex()
        require_signature(request.headers.get("X-Hub-Signature-256", ""), expected)

    def events(self, data: dict[str, Any]) -> list[PlatformEvent]:
        return parse_delivery(data)

    async def prepare(self, event: PlatformEvent) -> PlatformEvent:
        if not event.message.attachments:
            return event
        photos = [photo for a in event.message.attachments if (photo := await self._fetch(a.url)) is not None]
        return replace(event, message=replace(event.message, attachments=tuple(photos)))

    async def _fetch(self, url: str) -> Optional[Attachment]:
        try:
            stored = await self._media.store(await self._graph.download(url, MAX_BYTES, self._config.media_hosts))
        except (aiohttp.ClientError, ValueError, MediaRejected) as error:
            logger.warning("messenger: photo not kept: %s", error)
            return None
        return Attachment("image", MEDIA_PREFIX + stored.id, stored.mime_type)

    def render(self, event: PlatformEvent, replies: list[Reply]) -> list[dict[str, Any]]:
        return render_replies(event.message.sender, replies, {"messaging_type": "RESPONSE"})

    async def render_push(
        self, conversation_id: str, sender: str, replies: list[Reply], from_staff: bool
    ) -> list[dict[str, Any]]:
        last_heard = await self.hub.last_heard(conversation_id)
        silence = datetime.now(timezone.utc) - last_heard if last_heard else HUMAN_AGENT_WINDOW
        if silence <= STANDARD_WINDOW:
            window = {"messaging_type": "RESPONSE"}
        elif from_staff:
            # Past 7 days Meta refuses even this; the delivery is then marked failed, for a person to see.
            window = {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}
        else:
            logger.info("messenger: no automated message to %s after 24 hours; kept in the history", conversation_id)
            return []
        return render_replies(sender, replies, window)

    async def send(self, item: dict[str, Any]) -> None:
        await self._graph.send(item)

    async def close(self) -> None:
        await self._graph.close()
