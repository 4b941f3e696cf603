"""The normalised message types every channel speaks.

Channels parse platform payloads into an :class:`IncomingMessage` and render
:class:`Reply` objects back into platform payloads; nothing else crosses the
boundary between ``channels/`` and ``bot/``.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

MAX_TEXT_LENGTH = 4000


class MessageTooLong(ValueError):
    """The citizen's text is longer than :data:`MAX_TEXT_LENGTH`."""


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float


@dataclass(frozen=True)
class Attachment:
    """A file the citizen sent along: ``media:<id>`` once in the media store
    (bot/media.py), else the platform's URL."""

    kind: str
    url: str
    mime_type: Optional[str] = None


@dataclass(frozen=True)
class IncomingMessage:
    """One message from a citizen, whatever platform it came from.

    ``sender`` identifies the citizen on the channel; ``payload`` is set when
    the citizen tapped a button instead of typing.
    """

    channel: str
    sender: str
    text: str = ""
    payload: Optional[str] = None
    attachments: tuple[Attachment, ...] = ()
    location: Optional[Location] = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    platform_message_id: Optional[str] = None
    public: bool = False

    def __post_init__(self) -> None:
        if len(self.text) > MAX_TEXT_LENGTH:
            raise MessageTooLong(
                f"text is {len(self.text)} characters, at most {MAX_TEXT_LENGTH} allowed"
            )

    @property
    def engine_text(self) -> str:
        """What the dialogue engine should read: the button payload wins over text.

        A photo or a location sent without words shows something in public
        space; the engine reads it as the start (or the next part) of a report.
        """
        if self.payload or self.text:
            return self.payload or self.text
        return "/report_issue" if self.attachments or self.location else ""

    @property
    def carried(self) -> dict[str, Any]:
        """What the message carries besides text, as JSON: ``location``, ``attachments``."""
        carried: dict[str, Any] = {}
        if self.location is not None:
            carried["location"] = {"latitude": self.location.latitude, "longitude": self.location.longitude}
        if self.attachments:
            carried["attachments"] = [
                {"kind": a.kind, "url": a.url, "mime_type": a.mime_type} for a in self.attachments
            ]
        return carried

    @property
    def engine_metadata(self) -> dict[str, Any]:
        """The channel's metadata plus what the message carries, in the shape
        custom actions read (``actions/report_turn.py``)."""
        return {**self.metadata, "public": self.public, **self.carried}


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    """One message from the municipality; channels render it within their limits."""

    text: str = ""
    buttons: tuple[Button, ...] = ()
    image: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons],
            "image": self.image,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Reply":
        return cls(
            text=data.get("text") or "",
            buttons=tuple(
                Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
                for b in data.get("buttons") or ()
            ),
            image=data.get("image"),
        )


@dataclass(frozen=True)
class Understanding:
    """What the engine made of a text."""

    intent: Optional[str]
    confidence: float
    entities: tuple[Mapping[str, Any], ...] = ()
    # For a public-space report: {"code", "confidence", "main": {...}}.
    report_category: Optional[Mapping[str, Any]] = None


@dataclass(frozen=True)
class EngineResult:
    replies: tuple[Reply, ...]
    understanding: Understanding
    # The engine handed the conversation to a colleague (Rasa's ConversationPaused),
    # and why: a reason of bot/webcare/handoffs.py.
    paused: bool = False
    handoff_reason: Optional[str] = None


@dataclass(frozen=True)
class Turn:
    """One message of a conversation's history, as a channel shows it again."""

    from_citizen: bool
    reply: Reply
    photos: int = 0
    shared_location: bool = False
