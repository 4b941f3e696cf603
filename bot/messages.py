"""The normalised message types every channel speaks.

Channels parse platform payloads into an :class:`IncomingMessage` and render
:class:`Reply` objects back into platform payloads; nothing else crosses the
boundary between ``channels/`` and ``bot/``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any, Awaitable, Callable, Iterable, Mapping, Optional

from bot.retries import AttemptFailed

MAX_TEXT_LENGTH = 4000
# Messenger's limit for a quick reply's payload; ours are far shorter.
MAX_PAYLOAD_LENGTH = 1000


_TYPED_COMMAND = re.compile(r"^[\s/]+")


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
    # What the citizen sent that the bot cannot read (a voice note, a video, a
    # sticker): the kind, in words a colleague reads ("spraakbericht").
    unreadable: Optional[str] = None

    def __post_init__(self) -> None:
        if len(self.text) > MAX_TEXT_LENGTH:
            raise MessageTooLong(f"text is {len(self.text)} characters, at most {MAX_TEXT_LENGTH} allowed")
        if self.payload is not None and len(self.payload) > MAX_PAYLOAD_LENGTH:
            raise MessageTooLong(f"payload is {len(self.payload)} characters, at most {MAX_PAYLOAD_LENGTH} allowed")

    @property
    def engine_text(self) -> str:
        """What the dialogue engine should read: the button payload wins over text.

        Typed text never reaches Rasa as a command: its leading slashes go
        (Rasa reads "/intent{...}" as a forced intent with entities).
        A photo or a location sent without words shows something in public
        space; the engine reads it as the start (or the next part) of a report.
        """
        if self.payload:
            return self.payload
        if self.text:
            return _TYPED_COMMAND.sub("", self.text)
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

    def to_json(self) -> dict[str, Any]:
        """The whole message as JSON, to keep it until it is answered (bot/store/inbox.py)."""
        return {
            "channel": self.channel,
            "sender": self.sender,
            "text": self.text,
            "payload": self.payload,
            **self.carried,
            "metadata": dict(self.metadata),
            "platform_message_id": self.platform_message_id,
            "public": self.public,
            "unreadable": self.unreadable,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "IncomingMessage":
        location = data.get("location")
        return cls(
            channel=data["channel"],
            sender=data["sender"],
            text=data.get("text") or "",
            payload=data.get("payload"),
            attachments=tuple(Attachment(a["kind"], a["url"], a.get("mime_type")) for a in data.get("attachments", ())),
            location=Location(location["latitude"], location["longitude"]) if location else None,
            metadata=data.get("metadata") or {},
            platform_message_id=data.get("platform_message_id"),
            public=data.get("public") is True,
            unreadable=data["unreadable"] if isinstance(data.get("unreadable"), str) else None,
        )

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
    # The dialogue asks where something is: a channel that can offer a
    # "share location" control shows it with this reply.
    request_location: bool = False
    # The reply belongs in a private conversation (personal data, a personal
    # case); a channel answering in public moves it to a private message.
    private: bool = False
    # The version of this reply for a public post (a tweet): it stands on its
    # own and ends with the link. Set by answers from the topic files.
    short: str = ""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "text": self.text,
            "buttons": [{"title": b.title, "payload": b.payload} for b in self.buttons],
            "image": self.image,
        }
        for flag in ("request_location", "private"):
            if getattr(self, flag):
                data[flag] = True
        if self.short:
            data["short"] = self.short
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Reply":
        return cls(
            text=data.get("text") or "",
            buttons=tuple(
                Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
                for b in data.get("buttons") or ()
            ),
            image=data.get("image"),
            request_location=data.get("request_location") is True,
            private=data.get("private") is True,
            short=data["short"] if isinstance(data.get("short"), str) else "",
        )

    @classmethod
    def from_rasa(cls, messages: Iterable[Mapping[str, Any]]) -> tuple["Reply", ...]:
        """Replies from Rasa's output. Rasa sends a response's ``custom`` part as a
        message of its own; it marks the reply before it: ``{"request": "location"}``
        asks for the citizen's location, ``{"short": "…"}`` is its public version."""
        replies: list[Reply] = []
        for message in messages:
            custom = message.get("custom")
            if isinstance(custom, Mapping) and not (message.get("text") or message.get("image")):
                if replies and custom.get("request") == "location":
                    replies[-1] = replace(replies[-1], request_location=True)
                if replies and isinstance(custom.get("short"), str):
                    replies[-1] = replace(replies[-1], short=custom["short"])
                continue
            replies.append(cls.from_dict(message))
        return tuple(replies)


@dataclass(frozen=True)
class Answer:
    """The router's answer to one message, and the conversation it belongs to
    (None when storage failed: the replies are then only an apology).
    ``repeated``: the answer was stored before, when another turn took the
    same message; its history holds it already."""

    replies: list[Reply]
    conversation_id: Optional[str]
    repeated: bool = False


# What a channel does with an answer inside the turn (Router.handle's ``then``).
AnswerStep = Callable[[Answer], Awaitable[None]]


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
    # The turn touched personal data (a form that asks an address or contact
    # details, a hand-off): its replies are marked private.
    private: bool = False


@dataclass(frozen=True)
class Turn:
    """One message of a conversation's history, as a channel shows it again."""

    from_citizen: bool
    reply: Reply
    photos: int = 0
    shared_location: bool = False
    # The channel's id of a citizen's message (a widget's resends are matched by it).
    message_id: Optional[str] = None


class DeliveryFailed(AttemptFailed):
    """A platform did not take a message: retryable for 429 and 5xx (after
    ``retry_after`` seconds when the platform said so); anything else is final."""
