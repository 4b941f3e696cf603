"""Deliveries of Meta's Messenger Platform (Messenger and Instagram) as citizen messages.

One delivery can batch several entries, each with several messaging events;
every one is read. Echoes of the page's own messages, delivery and read
receipts, reactions and unsent messages are not citizen messages and are
skipped. An Instagram story reply is a message like any other; a story
mention, a voice note or a video is one the bot cannot read.
"""

from __future__ import annotations

from typing import Any, Optional

from bot.messages import Attachment, IncomingMessage
from channels.platform import MalformedEvent, PlatformEvent, clipped, from_epoch, text_field
from channels.unreadable import unreadable


def parse_messaging(data: dict[str, Any], object_type: str, channel: str) -> list[PlatformEvent]:
    """The messages of a delivery for ``object_type`` ("page", "instagram")."""
    if data.get("object") != object_type:
        return []
    events: list[PlatformEvent] = []
    for entry in data["entry"]:
        for messaging in entry.get("messaging", ()):
            event = _event(messaging, channel)
            if event is not None:
                events.append(event)
    return events


def _event(messaging: dict[str, Any], channel: str) -> Optional[PlatformEvent]:
    sender = str(messaging["sender"]["id"])
    sent_at = from_epoch(float(messaging["timestamp"]) / 1000)
    if "message" in messaging:
        message = messaging["message"]
        if message.get("is_echo") or message.get("is_deleted"):
            return None
        attachments = message.get("attachments") or ()
        others = [a.get("type") for a in attachments if a.get("type") != "image"]
        story = (message.get("reply_to") or {}).get("story")
        incoming = IncomingMessage(
            channel=channel,
            sender=sender,
            text=clipped(text_field(message.get("text"), "text")),
            payload=text_field((message.get("quick_reply") or {}).get("payload"), "quick_reply.payload") or None,
            attachments=_images(attachments),
            platform_message_id=required(message, "mid"),
            metadata={"story_reply": True} if story else {},
        )
        if not (incoming.text or incoming.attachments) and (others or message.get("is_unsupported")):
            incoming = IncomingMessage(
                channel=channel,
                sender=sender,
                platform_message_id=incoming.platform_message_id,
                unreadable=unreadable(str(others[0]) if others else ""),
            )
    elif "postback" in messaging:
        postback = messaging["postback"]
        incoming = IncomingMessage(
            channel=channel,
            sender=sender,
            text=text_field(postback.get("title"), "title"),
            payload=required(postback, "payload"),
            # Older postbacks carry no mid; sender and time identify them as well.
            platform_message_id=str(postback.get("mid") or f"{sender}:{messaging['timestamp']}"),
        )
    else:
        return None
    if not (incoming.text or incoming.payload or incoming.attachments or incoming.unreadable):
        return None
    return PlatformEvent(incoming, sent_at)


def _images(attachments: Any) -> tuple[Attachment, ...]:
    # The URL points into Meta's CDN; prepare() fetches the photo into our media store.
    return tuple(Attachment("image", required(a["payload"], "url")) for a in attachments if a.get("type") == "image")


def required(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"'{key}' must be a non-empty string")
    return value
