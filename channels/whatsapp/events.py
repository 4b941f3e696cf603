"""WhatsApp Cloud API webhook deliveries: citizens' messages and the statuses
of the messages we sent.

A delivery (object ``whatsapp_business_account``) batches entries, each with
changes; a ``messages`` change carries ``messages`` from citizens and/or
``statuses`` of ours. Every message type is read: text, a tapped reply button
or list row, a shared location, a photo (fetched later by its media id); a
voice note, video, document, sticker, reaction or contact card is one the bot
cannot read and answers politely. A removed reaction and system notices
(a number changed) are not messages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from bot.messages import IncomingMessage, Location
from channels.platform import MalformedEvent, PlatformEvent, PlatformStatus, clipped, from_epoch, text_field
from channels.unreadable import unreadable

CHANNEL = "whatsapp"
OBJECT = "whatsapp_business_account"
SKIPPED_TYPES = ("system", "request_welcome")


@dataclass(frozen=True)
class Delivery:
    events: list[PlatformEvent]
    statuses: list[PlatformStatus]


def parse_delivery(data: dict[str, Any], phone_number_id: str) -> Delivery:
    """What a delivery holds for our number; other numbers of the account are not ours."""
    delivery = Delivery([], [])
    if data.get("object") != OBJECT:
        return delivery
    for entry in data["entry"]:
        for change in entry["changes"]:
            value = change["value"]
            if change.get("field") != "messages" or str(value["metadata"]["phone_number_id"]) != phone_number_id:
                continue
            names = {
                str(c["wa_id"]): text_field((c.get("profile") or {}).get("name"), "name")
                for c in value.get("contacts") or ()
            }
            for message in value.get("messages") or ():
                event = _event(message, names)
                if event is not None:
                    delivery.events.append(event)
            delivery.statuses.extend(_status(status) for status in value.get("statuses") or ())
    return delivery


def _event(message: dict[str, Any], names: dict[str, str]) -> Optional[PlatformEvent]:
    kind = _string(message, "type")
    if kind in SKIPPED_TYPES or (kind == "reaction" and not (message["reaction"] or {}).get("emoji")):
        return None
    sender = _string(message, "from")
    fields: dict[str, Any] = {
        "channel": CHANNEL,
        "sender": sender,
        "platform_message_id": _string(message, "id"),
        "metadata": {"display_name": names.get(sender, "")},
    }
    context: Optional[dict[str, Any]] = None
    if kind == "text":
        fields["text"] = clipped(_string(message["text"], "body"))
    elif kind == "interactive":
        fields["text"], fields["payload"] = _choice(message["interactive"])
    elif kind == "button":  # a quick-reply button of a template message
        button = message["button"]
        fields["text"], fields["payload"] = text_field(button.get("text"), "text"), _string(button, "payload")
    elif kind == "location":
        place = message["location"]
        fields["location"] = Location(float(place["latitude"]), float(place["longitude"]))
    elif kind == "image":
        image = message["image"]
        fields["text"] = clipped(text_field(image.get("caption"), "caption"))
        context = {"media_id": _string(image, "id")}
    else:
        fields["unreadable"] = unreadable(kind)
    return PlatformEvent(IncomingMessage(**fields), from_epoch(float(message["timestamp"])), context)


def _choice(interactive: dict[str, Any]) -> tuple[str, str]:
    """A tapped reply button or list row: its title as text, its id as payload."""
    kind = _string(interactive, "type")
    if kind not in ("button_reply", "list_reply"):
        raise MalformedEvent(f"unknown interactive type {kind!r}")
    choice = interactive[kind]
    return text_field(choice.get("title"), "title"), _string(choice, "id")


def _status(status: dict[str, Any]) -> PlatformStatus:
    errors = status.get("errors") or ()
    error = None
    if errors:
        first = errors[0]
        details = (first.get("error_data") or {}).get("details") or first.get("message") or ""
        error = f"WhatsApp {first.get('code')}: {first.get('title', '')} {details}".strip()
    return PlatformStatus(_string(status, "id"), _string(status, "status"), error)


def _string(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise MalformedEvent(f"'{key}' must be a non-empty string")
    return value
