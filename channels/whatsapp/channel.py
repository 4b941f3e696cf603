"""The WhatsApp channel (Cloud API): ``GET``/``POST /webhooks/whatsapp``.

Set ``WHATSAPP_APP_SECRET``, ``WHATSAPP_ACCESS_TOKEN`` (a system user's),
``WHATSAPP_VERIFY_TOKEN`` and ``WHATSAPP_PHONE_NUMBER_ID``. Verification and
signatures are Meta's (channels/meta/webhook.py); answers go to
``/{phone-number-id}/messages``.

Within 24 hours of the citizen's last message anything may be sent; after it
only an approved template (channels/whatsapp/templates.py). A citizen's phone
number is their sender id: it is not logged, and is erased with their data.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

import aiohttp
from aiohttp import web

from bot.media import MAX_BYTES
from bot.messages import Attachment, DeliveryFailed, Reply
from channels.base import ChannelContext, Window
from channels.meta.config import MetaConfig
from channels.meta.graph import GraphApi
from channels.platform import Notice, OutsideWindow, PlatformChannel, PlatformEvent
from channels.whatsapp.events import CHANNEL, parse_delivery
from channels.whatsapp.render import render_replies
from channels.whatsapp.templates import NoTemplate, Templates

logger = logging.getLogger(__name__)

WINDOW = timedelta(hours=24)
PHONE_NUMBER_ID = "WHATSAPP_PHONE_NUMBER_ID"


class WhatsAppChannel(PlatformChannel):
    name = CHANNEL
    title = "WhatsApp"
    colour = "#56B4E9"
    # A handset in a speech bubble.
    icon = (
        "M12 2a10 10 0 0 0-8.6 15.1L2 22l5-1.3A10 10 0 1 0 12 2z"
        "M9 7h2l1 3-1.5 1a7 7 0 0 0 3.5 3.5l1-1.5 3 1v2a2 2 0 0 1-2 2A10 10 0 0 1 7 9a2 2 0 0 1 2-2z"
    )

    @classmethod
    def create(cls, context: ChannelContext) -> Optional["WhatsAppChannel"]:
        config = MetaConfig.from_env(
            context.settings.platforms, CHANNEL, "WHATSAPP", "ACCESS_TOKEN", (PHONE_NUMBER_ID,)
        )
        if config is None:
            return None
        return cls(context, config, Templates.from_profile(context.profiles.get(CHANNEL) or {}))

    def __init__(self, context: ChannelContext, config: MetaConfig, templates: Templates) -> None:
        super().__init__(context)
        self._webhook = config.webhook()
        self._number = config.extra[PHONE_NUMBER_ID]
        self._templates = templates
        self._media = context.media
        self.graph: GraphApi = config.graph()

    def routes(self) -> list[web.RouteDef]:
        return [web.get("/webhooks/whatsapp", self._webhook.verify), web.post("/webhooks/whatsapp", self.receive)]

    def authenticate(self, request: web.Request, body: bytes) -> None:
        self._webhook.authenticate(request, body)

    def events(self, data: dict[str, Any]) -> list[PlatformEvent]:
        return parse_delivery(data, self._number).events

    def notices(self, data: dict[str, Any]) -> list[Notice]:
        return list(parse_delivery(data, self._number).statuses)

    async def prepare(self, event: PlatformEvent) -> PlatformEvent:
        await self._read_and_typing(event)
        media_id = (event.context or {}).get("media_id")
        if not media_id:
            return event
        photo = await self._fetch(media_id)
        photos = (photo,) if photo is not None else ()
        return replace(event, message=replace(event.message, attachments=photos))

    async def _read_and_typing(self, event: PlatformEvent) -> None:
        """Two blue ticks, and "typing…" while the engine works (WhatsApp drops
        it at our answer or after 25 seconds)."""
        payload = {
            "messaging_product": "whatsapp",
            "status": "read",
            "message_id": event.message.platform_message_id,
            "typing_indicator": {"type": "text"},
        }
        try:
            await self.graph.post(f"{self._number}/messages", payload)
        except DeliveryFailed as error:
            logger.warning("whatsapp: could not mark a message read: %s", error)

    async def _fetch(self, media_id: str) -> Optional[Attachment]:
        return await self._media.keep_photo(
            self._download(media_id), self.name, (DeliveryFailed, aiohttp.ClientError, ValueError)
        )

    async def _download(self, media_id: str) -> bytes:
        """The photo by its media id: Graph gives a short-lived URL, fetched with our token."""
        media = await self.graph.get(media_id)
        size = media.get("file_size")
        if isinstance(size, int) and size > MAX_BYTES:
            raise ValueError(f"photo of {size} bytes, larger than {MAX_BYTES}")
        url = media.get("url")
        if not isinstance(url, str):
            raise ValueError("media without a URL")
        return await self.graph.download(url, MAX_BYTES, authorised=True)

    def render(self, event: PlatformEvent, replies: list[Reply]) -> list[dict[str, Any]]:
        return render_replies(event.message.sender, replies)

    async def render_push(
        self, conversation_id: str, sender: str, replies: list[Reply], from_staff: bool
    ) -> list[dict[str, Any]]:
        last_heard = await self.hub.last_heard(conversation_id)
        if last_heard is not None and datetime.now(timezone.utc) - last_heard <= WINDOW:
            return render_replies(sender, replies)
        try:
            return [self._templates.message(sender, replies, from_staff)]
        except NoTemplate as missing:
            raise OutsideWindow(str(missing), render_replies(sender, replies)) from None

    def contact(self, sender: str) -> Optional[str]:
        return "+" + sender

    def window(self, last_heard: Optional[datetime], now: datetime) -> Optional[Window]:
        if last_heard is not None and now - last_heard <= WINDOW:
            return Window(True, last_heard + WINDOW, "antwoordvenster open")
        if self._templates.colleague is not None:
            return Window(False, None, "venster dicht: je antwoord gaat als sjabloonbericht")
        return Window(False, None, "venster dicht en geen sjabloon: je antwoord kan niet worden verstuurd")

    async def send(self, item: dict[str, Any]) -> Optional[str]:
        answer = await self.graph.post(f"{self._number}/messages", item)
        sent = answer.get("messages")
        message_id = sent[0].get("id") if isinstance(sent, list) and sent and isinstance(sent[0], dict) else None
        return message_id if isinstance(message_id, str) else None

    async def close(self) -> None:
        await self.graph.close()
