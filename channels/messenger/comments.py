"""Comments under the page's posts (the page's ``feed`` webhook): public questions.

A citizen's new comment is a public message; the bot answers under it with
what fits a public reply (a topic's short answer, no personal data). What is
private (a report's address, contact details, a hand-off) goes by Messenger
as a Private Reply to the comment: Meta allows one, so the private replies
travel together in it. The page's own comments, edits, likes and reactions
are not questions; a removed comment is told to the colleagues.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.messages import Attachment, IncomingMessage, Reply
from channels.meta.messaging import MAX_TEXT, RESPONSE, quick_replies
from channels.meta.messaging_events import required
from channels.platform import PlatformEvent, clipped, from_epoch, text_field

# The longest public reply we write: a comment should read at a glance.
MAX_PUBLIC_REPLY = 1000


@dataclass
class PageChanges:
    comments: list[PlatformEvent] = field(default_factory=list)
    # (commenter, comment id) of comments their writer removed.
    removed: list[tuple[str, str]] = field(default_factory=list)


def parse_feed(data: dict[str, Any], channel: str) -> PageChanges:
    found = PageChanges()
    if data.get("object") != "page":
        return found
    for entry in data["entry"]:
        page_id = str(entry["id"])
        for change in entry.get("changes") or ():
            value = change["value"]
            if change.get("field") != "feed" or value.get("item") != "comment":
                continue
            writer = value["from"]
            sender = str(writer["id"])
            if sender == page_id:
                continue
            comment_id = required(value, "comment_id")
            if value.get("verb") == "remove":
                found.removed.append((sender, comment_id))
            elif value.get("verb") == "add":
                found.comments.append(_comment(value, sender, comment_id, channel))
    return found


def _comment(value: dict[str, Any], sender: str, comment_id: str, channel: str) -> PlatformEvent:
    photo = value.get("photo")
    message = IncomingMessage(
        channel=channel,
        sender=sender,
        text=clipped(text_field(value.get("message"), "message")),
        attachments=(Attachment("image", photo),) if isinstance(photo, str) and photo else (),
        platform_message_id=comment_id,
        public=True,
        metadata={"display_name": text_field(value["from"].get("name"), "name")},
    )
    return PlatformEvent(message, from_epoch(float(value["created_time"])), {"comment_id": comment_id})


def render_public(comment_id: str, replies: list[Reply], continue_privately: str) -> list[dict[str, Any]]:
    """A public reply under the comment, and any private part as its one Private Reply."""
    private = [reply for reply in replies if reply.private]
    if not private:
        text = " ".join(reply.short or reply.text for reply in replies if reply.text)
        return [_public_reply(comment_id, text)]
    buttons = next((reply for reply in reversed(private) if reply.buttons), None)
    message: dict[str, Any] = {"text": "\n\n".join(r.text for r in private if r.text)[:MAX_TEXT]}
    if buttons is not None:
        message["quick_replies"] = quick_replies(buttons)
    return [
        _public_reply(comment_id, continue_privately),
        {"recipient": {"comment_id": comment_id}, **RESPONSE, "message": message},
    ]


def _public_reply(comment_id: str, text: str) -> dict[str, Any]:
    if len(text) > MAX_PUBLIC_REPLY:
        text = text[: MAX_PUBLIC_REPLY - 1].rsplit(" ", 1)[0] + "…"
    return {"kind": "comment", "comment_id": comment_id, "message": text}
