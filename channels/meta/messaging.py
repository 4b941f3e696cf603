"""What Messenger and Instagram share: Meta's Messenger Platform.

Answers go out through the Send API with quick replies. Meta's messaging
window: within 24 hours of the citizen's last message anything may be sent
(``RESPONSE``); after that only a person may answer, with the ``HUMAN_AGENT``
tag, for up to 7 days. The bot sends nothing automated outside the window:
such news stays in the conversation's history, and the inbox shows it was not
sent and why.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import aiohttp
from aiohttp import web

from bot.media import MAX_BYTES
from bot.messages import Attachment, Reply
from channels.base import ChannelContext, Window
from channels.meta.config import MetaConfig
from channels.meta.messaging_events import parse_messaging
from channels.platform import OutsideWindow, PlatformChannel, PlatformEvent
from channels.render import split_text

MAX_TEXT = 2000
MAX_QUICK_REPLIES = 13
MAX_QUICK_REPLY_TITLE = 20
MAX_QUICK_REPLY_PAYLOAD = 1000
STANDARD_WINDOW = timedelta(hours=24)
HUMAN_AGENT_WINDOW = timedelta(days=7)
RESPONSE = {"messaging_type": "RESPONSE"}
HUMAN_AGENT = {"messaging_type": "MESSAGE_TAG", "tag": "HUMAN_AGENT"}


def short_title(title: str, limit: int) -> str:
    """A button title within ``limit``; the platform would cut it mid-word, we cut with an ellipsis."""
    return title if len(title) <= limit else title[: limit - 1] + "…"


def quick_replies(reply: Reply) -> list[dict[str, str]]:
    return [
        {
            "content_type": "text",
            "title": short_title(b.title, MAX_QUICK_REPLY_TITLE),
            "payload": b.payload[:MAX_QUICK_REPLY_PAYLOAD],
        }
        for b in reply.buttons[:MAX_QUICK_REPLIES]
    ]


def render_reply(recipient: dict[str, str], reply: Reply, window: dict[str, str]) -> list[dict[str, Any]]:
    """Send API payloads for one reply; the quick replies ride on the last text.
    ``recipient``: ``{"id": psid}``, or ``{"comment_id": …}`` for a private reply."""
    messages: list[dict[str, Any]] = [{"text": piece} for piece in split_text(reply.text, MAX_TEXT) if piece]
    if messages and reply.buttons:
        messages[-1]["quick_replies"] = quick_replies(reply)
    if reply.image and reply.image.startswith(("https://", "http://")):
        messages.append({"attachment": {"type": "image", "payload": {"url": reply.image, "is_reusable": True}}})
    return [{"recipient": recipient, **window, "message": message} for message in messages]


def render_replies(recipient: dict[str, str], replies: list[Reply], window: dict[str, str]) -> list[dict[str, Any]]:
    return [item for reply in replies for item in render_reply(recipient, reply, window)]


class MetaMessagingChannel(PlatformChannel):
    """A channel on Meta's Messenger Platform: ``GET``/``POST /webhooks/<name>``."""

    # The webhook's "object" for this channel's deliveries.
    object_type: str

    @classmethod
    @abstractmethod
    def config(cls, context: ChannelContext) -> Optional[MetaConfig]:
        """The channel's configuration from the environment; None when it is not set up."""

    @classmethod
    def create(cls, context: ChannelContext) -> Optional["MetaMessagingChannel"]:
        config = cls.config(context)
        return None if config is None else cls(context, config)

    def __init__(self, context: ChannelContext, config: MetaConfig) -> None:
        super().__init__(context)
        self._webhook = config.webhook()
        self._media = context.media
        self.graph = config.graph()

    def routes(self) -> list[web.RouteDef]:
        path = f"/webhooks/{self.name}"
        return [web.get(path, self._webhook.verify), web.post(path, self.receive)]

    def authenticate(self, request: web.Request, body: bytes) -> None:
        self._webhook.authenticate(request, body)

    def events(self, data: dict[str, Any]) -> list[PlatformEvent]:
        return parse_messaging(data, self.object_type, self.name)

    async def prepare(self, event: PlatformEvent) -> PlatformEvent:
        if not event.message.attachments:
            return event
        photos = [photo for a in event.message.attachments if (photo := await self._fetch(a.url)) is not None]
        return replace(event, message=replace(event.message, attachments=tuple(photos)))

    async def _fetch(self, url: str) -> Optional[Attachment]:
        return await self._media.keep_photo(
            self.graph.download(url, MAX_BYTES), self.name, (aiohttp.ClientError, ValueError)
        )

    def render(self, event: PlatformEvent, replies: list[Reply]) -> list[dict[str, Any]]:
        return render_replies({"id": event.message.sender}, replies, RESPONSE)

    async def render_push(
        self, conversation_id: str, sender: str, replies: list[Reply], from_staff: bool
    ) -> list[dict[str, Any]]:
        last_heard = await self.hub.last_heard(conversation_id)
        silence = datetime.now(timezone.utc) - last_heard if last_heard else HUMAN_AGENT_WINDOW
        if silence <= STANDARD_WINDOW:
            return render_replies({"id": sender}, replies, RESPONSE)
        if from_staff and silence <= HUMAN_AGENT_WINDOW:
            return render_replies({"id": sender}, replies, HUMAN_AGENT)
        raise OutsideWindow(
            "buiten het venster van 7 dagen: Meta laat geen bericht meer toe"
            if from_staff
            else "buiten het 24-uursvenster: alleen een collega mag nog antwoorden",
            render_replies({"id": sender}, replies, HUMAN_AGENT),
        )

    def window(self, last_heard: Optional[datetime], now: datetime) -> Optional[Window]:
        if last_heard is None:
            return None
        if now - last_heard <= STANDARD_WINDOW:
            return Window(True, last_heard + STANDARD_WINDOW, "antwoordvenster open")
        if now - last_heard <= HUMAN_AGENT_WINDOW:
            return Window(True, last_heard + HUMAN_AGENT_WINDOW, "na 24 uur: alleen een collega kan nog antwoorden")
        return Window(False, None, "venster dicht: Meta laat na 7 dagen geen bericht meer door")

    async def send(self, item: dict[str, Any]) -> Optional[str]:
        answer = await self.graph.post("me/messages", item)
        message_id = answer.get("message_id")
        return message_id if isinstance(message_id, str) else None

    async def close(self) -> None:
        await self.graph.close()
