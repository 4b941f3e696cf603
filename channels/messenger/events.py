"""Messenger webhook deliveries as citizen messages.

One delivery can batch several entries, each with several messaging events;
every one is read. Echoes of the page's own messages, delivery and read
receipts are not citizen messages and are skipped.
"""

from __future__ import annotations

from typing import Any

from bot.messages import Attachment, IncomingMessage
from channels.platform import MalformedEvent, PlatformEvent, clipped, from_epoch, text_field

CHANNEL = "messenger"


def parse_delivery(data: dict[str, Any]) -> list[PlatformEvent]:
    if data.get("object") != "page":
        return []
    events: list[PlatformEvent] = []
    for entry in data["entry"]:
        for messaging in entry.get("messaging", ()):
            event = _event(messaging)
            if event is not None:
                events.append(event)
    return events


def _event(messaging: dict[str, Any]) -> PlatformEvent | None:
    sender = str(messaging["sender"]["id"])
    sent_at = from_epoch(float(messaging["timestamp"]) / 1000)
    if "message" in messaging:
        message = messaging["message"]
        if message.get("is_echo"):
            return None
        incoming = IncomingMessage(
            channel=CHANNEL,
            sender=sender,
            text=clipped(text_field(message.get("text"), "text")),
            payload=text_field((message.get("quick_reply") or {}).get("payload"), "quick_reply.payload") or None,
            attachments=_images(message.get("attachments") or ()),
            platform_message_id=_required(message, "mid"),
        )
    elif "postback" in messaging:
        postback = messaging["postback"]
        incoming = IncomingMessage(
            channel=CHANNEL,
            sender=sender,
            text=text_field(postback.get("title"), "title"),
            payload=_required(postback, "payload"),
            # Older postbacks carry no mid; sender and time identify them as well.
            platform_message_id=str(postback.get("mid") or f"{sender}:{messaging['timestamp']}"),
        )
    else:
        return None
    if not (incoming.text or incoming.payload or incoming.attachments):
        return None
    return PlatformEvent(incoming, sent_at)


def _images(attachments: Any) -> tuple[Attachment, ...]:
    # The URL points into Meta's CDN; prepare() fetches the photo into our media store.
    return tuple(Attachment("image", _required(a["payload"], "url")) for a in attachments if a.get("type") == "image")


def _required(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"'{key}' must be a non-empty string")
    return value
