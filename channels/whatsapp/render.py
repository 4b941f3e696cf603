"""Replies as WhatsApp Cloud API messages, within its limits.

Text goes in pieces of at most 4,096 characters, cut between sentences. Up to
three buttons become reply buttons (titles of at most 20 characters); more
become a list message (at most 10 rows, titles of 24). A reply that asks where
something is becomes a location request. Interactive messages carry at most
1,024 characters of text: what is longer goes before them as text.
"""

from __future__ import annotations

from typing import Any

from bot.messages import Button, Reply
from channels.meta.messaging import short_title
from channels.render import split_text

MAX_TEXT = 4096
MAX_INTERACTIVE_TEXT = 1024
MAX_REPLY_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_BUTTON_ID = 256
MAX_LIST_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_ID = 200
MAX_ROW_DESCRIPTION = 72
# The list's own button, which opens it.
LIST_BUTTON = "Kies"


def message(to: str, kind: str, content: dict[str, Any]) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, "type": kind, kind: content}


def text_message(to: str, text: str) -> dict[str, Any]:
    return message(to, "text", {"preview_url": False, "body": text})


def render_reply(to: str, reply: Reply) -> list[dict[str, Any]]:
    """One reply as WhatsApp messages; its buttons or location request on the last."""
    interactive = reply.request_location or bool(reply.buttons)
    pieces = [p for p in split_text(reply.text, MAX_INTERACTIVE_TEXT if interactive else MAX_TEXT) if p]
    if interactive and not pieces:
        pieces = ["…"]
    items = [text_message(to, piece) for piece in (pieces[:-1] if interactive else pieces)]
    if reply.request_location:
        items.append(_location_request(to, pieces[-1]))
    elif reply.buttons:
        items.append(_choices(to, pieces[-1], reply.buttons))
    if reply.image and reply.image.startswith("https://"):
        items.append(message(to, "image", {"link": reply.image}))
    return items


def render_replies(to: str, replies: list[Reply]) -> list[dict[str, Any]]:
    return [item for reply in replies for item in render_reply(to, reply)]


def _location_request(to: str, text: str) -> dict[str, Any]:
    return message(
        to,
        "interactive",
        {"type": "location_request_message", "body": {"text": text}, "action": {"name": "send_location"}},
    )


def _choices(to: str, text: str, buttons: tuple[Button, ...]) -> dict[str, Any]:
    if len(buttons) <= MAX_REPLY_BUTTONS:
        action: dict[str, Any] = {
            "buttons": [
                {
                    "type": "reply",
                    "reply": {"id": _id(b, MAX_BUTTON_ID), "title": short_title(b.title, MAX_BUTTON_TITLE)},
                }
                for b in buttons
            ]
        }
        return message(to, "interactive", {"type": "button", "body": {"text": text}, "action": action})
    rows = [_row(b) for b in buttons[:MAX_LIST_ROWS]]
    action = {"button": LIST_BUTTON, "sections": [{"rows": rows}]}
    return message(to, "interactive", {"type": "list", "body": {"text": text}, "action": action})


def _row(button: Button) -> dict[str, str]:
    row = {"id": _id(button, MAX_ROW_ID), "title": short_title(button.title, MAX_ROW_TITLE)}
    if len(button.title) > MAX_ROW_TITLE:
        # The whole title under the shortened one, so nothing of it is lost.
        row["description"] = short_title(button.title, MAX_ROW_DESCRIPTION)
    return row


def _id(button: Button, limit: int) -> str:
    """The payload comes back as the choice's id; one too long for WhatsApp
    comes back as the title, which the engine then reads as typed text."""
    return button.payload if len(button.payload) <= limit else button.title[:limit]
