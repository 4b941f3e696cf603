"""The Telegram channel: ``POST /webhooks/telegram``, answered through the Bot API.

Register the webhook with Telegram's ``setWebhook`` and the same
``secret_token`` as ``TELEGRAM_SECRET_TOKEN``; Telegram then sends it in
``X-Telegram-Bot-Api-Secret-Token`` with every update, and nothing else is let in.
python-telegram-bot's ``Application`` is built without an updater or web
server of its own: our aiohttp route feeds it the updates.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass, replace
from typing import Any, Mapping, Optional

from aiohttp import web
from telegram.error import BadRequest, ChatMigrated, Forbidden, InvalidToken, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from bot.messages import Attachment, DeliveryFailed, Reply
from channels.base import ChannelContext
from channels.credentials import required
from channels.platform import PlatformChannel, PlatformEvent
from channels.render import split_text
from channels.signatures import require_signature
from channels.telegram.updates import CHANNEL, parse_update
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

logger = logging.getLogger(__name__)

MAX_MESSAGE_LENGTH = 4096
# Telegram carries at most 64 bytes of callback data; longer payloads go by a key.
MAX_CALLBACK_BYTES = 64
KEYED_PAYLOAD = "k:"
SHARE_LOCATION = "Deel locatie"


@dataclass(frozen=True)
class TelegramConfig:
    token: str
    secret_token: str
    api_url: str = "https://api.telegram.org"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Optional["TelegramConfig"]:
        values = required(env, CHANNEL, ("TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN"))
        if values is None:
            return None
        return cls(
            values["TELEGRAM_BOT_TOKEN"],
            values["TELEGRAM_SECRET_TOKEN"],
            env.get("TELEGRAM_API_URL", cls.api_url).rstrip("/"),
        )


def render_reply(chat_id: str, reply: Reply) -> list[dict[str, Any]]:
    """One reply as Telegram messages; its buttons (or the location keyboard) on the last."""
    items: list[dict[str, Any]] = [
        {"chat_id": chat_id, "text": piece} for piece in split_text(reply.text, MAX_MESSAGE_LENGTH) if piece
    ]
    if reply.image and reply.image.startswith(("https://", "http://")):
        items.append({"chat_id": chat_id, "photo": reply.image})
    if not items:
        return []
    if reply.request_location:
        items[-1]["ask_location"] = True
    elif reply.buttons:
        items[-1]["buttons"] = [[b.title, b.payload] for b in reply.buttons]
    return items


def render_replies(chat_id: str, replies: list[Reply]) -> list[dict[str, Any]]:
    return [item for reply in replies for item in render_reply(chat_id, reply)]


class TelegramChannel(PlatformChannel):
    name = CHANNEL
    title = "Telegram"
    colour = "#009E73"
    # A paper plane.
    icon = "M2 11l19-8-3 18-6-5-3 4v-6l9-8-11 7z"

    @classmethod
    def create(cls, context: ChannelContext) -> Optional["TelegramChannel"]:
        config = TelegramConfig.from_env(context.settings.platforms)
        return None if config is None else cls(context, config)

    def __init__(self, context: ChannelContext, config: TelegramConfig) -> None:
        super().__init__(context)
        self._config = config
        self._media = context.media
        self._memory = context.memory
        self.application = (
            Application.builder()
            .token(config.token)
            .base_url(f"{config.api_url}/bot")
            .base_file_url(f"{config.api_url}/file/bot")
            .updater(None)
            .build()
        )

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/webhooks/telegram", self.receive)]

    def authenticate(self, request: web.Request, body: bytes) -> None:
        require_signature(request.headers.get("X-Telegram-Bot-Api-Secret-Token", ""), self._config.secret_token)

    def events(self, data: dict[str, Any]) -> list[PlatformEvent]:
        return parse_update(data, self.application.bot)

    async def prepare(self, event: PlatformEvent) -> PlatformEvent:
        context = event.context or {}
        message = event.message
        if "callback_query_id" in context:
            await self._answer_callback(context["callback_query_id"])
            if message.payload and message.payload.startswith(KEYED_PAYLOAD):
                payload = await self._memory.get(self.name, message.payload)
                message = replace(message, payload=payload or "")
        if "photo_file_id" in context:
            photo = await self._download(context["photo_file_id"])
            if photo is not None:
                message = replace(message, attachments=(photo,))
        return replace(event, message=message)

    async def _answer_callback(self, query_id: str) -> None:
        # Telegram shows a spinner on the button until the query is answered.
        try:
            await self.application.bot.answer_callback_query(query_id)
        except TelegramError as error:
            logger.warning("telegram: could not answer a button press: %s", error)

    async def _download(self, file_id: str) -> Optional[Attachment]:
        return await self._media.keep_photo(self._file(file_id), self.name, (TelegramError,))

    async def _file(self, file_id: str) -> bytes:
        telegram_file = await self.application.bot.get_file(file_id)
        return bytes(await telegram_file.download_as_bytearray())

    def render(self, event: PlatformEvent, replies: list[Reply]) -> list[dict[str, Any]]:
        return render_replies(event.message.sender, replies)

    async def render_push(
        self, conversation_id: str, sender: str, replies: list[Reply], from_staff: bool
    ) -> list[dict[str, Any]]:
        # Telegram has no messaging window: news and colleagues' replies go as any other.
        return render_replies(sender, replies)

    async def send(self, item: dict[str, Any]) -> None:
        bot = self.application.bot
        try:
            if "photo" in item:
                await bot.send_photo(item["chat_id"], item["photo"])
            else:
                await bot.send_message(item["chat_id"], item["text"], reply_markup=await self._markup(item))
        except RetryAfter as error:
            raise DeliveryFailed(str(error), True, _seconds(error.retry_after)) from None
        except (BadRequest, Forbidden, InvalidToken, ChatMigrated) as error:
            raise DeliveryFailed(str(error), False) from None
        except NetworkError as error:  # time-outs and 5xx
            raise DeliveryFailed(str(error), True) from None

    async def _markup(self, item: dict[str, Any]) -> Any:
        if item.get("ask_location"):
            return ReplyKeyboardMarkup(
                [[KeyboardButton(SHARE_LOCATION, request_location=True)]],
                one_time_keyboard=True,
                resize_keyboard=True,
            )
        if item.get("buttons"):
            return InlineKeyboardMarkup(
                [
                    [InlineKeyboardButton(title, callback_data=await self._callback_data(payload))]
                    for title, payload in item["buttons"]
                ]
            )
        # A location keyboard left from an earlier question goes away.
        return ReplyKeyboardRemove()

    async def _callback_data(self, payload: str) -> str:
        if len(payload.encode()) <= MAX_CALLBACK_BYTES:
            return payload
        key = KEYED_PAYLOAD + hashlib.sha256(payload.encode()).hexdigest()[:32]
        await self._memory.put(self.name, key, payload)
        return key

    async def start(self) -> None:
        try:
            await self.application.initialize()
        except TelegramError as error:
            # The webhook still takes updates; sending retries until Telegram is reachable.
            logger.error("telegram: Bot API not reachable at start (%s); retrying on first use", error)

    async def close(self) -> None:
        await self.application.shutdown()


def _seconds(value: Any) -> float:
    return value.total_seconds() if hasattr(value, "total_seconds") else float(value)
