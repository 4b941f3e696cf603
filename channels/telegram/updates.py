"""Telegram updates as citizen messages: text, tapped buttons, locations, photos.

Only private chats are answered; in a group the bot would talk in public
about one person's case.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from typing import Optional

from bot.contract import Intent
from bot.messages import IncomingMessage, Location
from channels.platform import MalformedEvent, PlatformEvent, clipped, text_field
from telegram import Bot, Update

CHANNEL = "telegram"
# What Telegram's "Start" button sends first; the dialogue reads it as a greeting.
START_COMMAND = re.compile(r"^/start(@\w+)?(\s|$)")
GREETING = "/" + Intent.GREET


def event_from_update(update: Update) -> Optional[PlatformEvent]:
    """The citizen's message in ``update``, or None for updates we do not answer."""
    if update.callback_query is not None:
        query = update.callback_query
        chat_id = query.message.chat.id if query.message is not None else query.from_user.id
        message = IncomingMessage(
            channel=CHANNEL,
            sender=str(chat_id),
            payload=text_field(query.data, "data"),
            metadata={"display_name": query.from_user.full_name},
            platform_message_id=str(update.update_id),
        )
        # A button press has no date of its own; it happens now.
        return PlatformEvent(message, datetime.now(timezone.utc), {"callback_query_id": query.id})
    incoming = update.message
    if incoming is None or incoming.chat.type != "private":
        return None
    photo = max(incoming.photo, key=lambda size: size.width * size.height) if incoming.photo else None
    location = _location(incoming.location.latitude, incoming.location.longitude) if incoming.location else None
    text = text_field(incoming.text, "text") or text_field(incoming.caption, "caption")
    if not (text or photo or location):
        return None
    message = IncomingMessage(
        channel=CHANNEL,
        sender=str(incoming.chat.id),
        text=clipped(text),
        payload=GREETING if START_COMMAND.match(text or "") else None,
        location=location,
        metadata={"display_name": incoming.from_user.full_name if incoming.from_user else ""},
        platform_message_id=str(update.update_id),
    )
    return PlatformEvent(message, incoming.date, {"photo_file_id": photo.file_id} if photo else None)


def _location(latitude: object, longitude: object) -> Location:
    point = Location(float(latitude), float(longitude))  # type: ignore[arg-type]
    if not (-90 <= point.latitude <= 90 and -180 <= point.longitude <= 180):
        raise MalformedEvent("location is not a point on earth")
    return point


def parse_update(data: dict, bot: Bot) -> list[PlatformEvent]:
    update = Update.de_json(data, bot)
    if update is None:
        raise ValueError("not a Telegram update")
    event = event_from_update(update)
    return [event] if event is not None else []
