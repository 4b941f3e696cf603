"""What the X, Messenger and Telegram channels share: an outside platform's webhook.

A delivery is read (413 past the size limit), authenticated (401/403), parsed
(400 when it is not JSON or an event is malformed), and answered 200 at once;
each citizen message is then answered in the background and the answer posted
to the outbox, so a slow engine never makes the platform retry. Events the
channel does not know are acknowledged and ignored.
"""

from __future__ import annotations

import asyncio
import logging
from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Coroutine, Optional

from aiohttp import web

from bot.messages import MAX_TEXT_LENGTH, IncomingMessage, Reply
from bot.web.http import HttpProblem, json_object, read_body
from channels.base import Channel, ChannelContext

logger = logging.getLogger(__name__)

WEBHOOK_BODY_LIMIT = 1024 * 1024
# An event older than this is a replay: platforms stop retrying well before.
MAX_EVENT_AGE = timedelta(hours=24)
# Messages answered side by side per channel. The rest wait their turn (in
# order), so a burst cannot crowd the event loop and slow the acknowledgements.
ANSWERS_AT_ONCE = 32


class MalformedEvent(ValueError):
    """An event of a known type without the fields its platform documents."""


@dataclass(frozen=True)
class PlatformEvent:
    """A citizen's message as a platform delivered it, with when it was sent."""

    message: IncomingMessage
    sent_at: datetime
    # What the channel needs to answer it (a tweet to reply to, a chat id).
    context: Optional[dict[str, Any]] = None

    def __post_init__(self) -> None:
        # Parsers read optional fields of the platform's JSON; a null or a
        # string where a time belongs ends here as a malformed event, whatever
        # the platform and the field.
        if not isinstance(self.sent_at, datetime) or self.sent_at.tzinfo is None:
            raise MalformedEvent(f"event time must be a datetime with a zone, not {type(self.sent_at).__name__}")
        if not isinstance(self.message.sender, str) or not self.message.sender:
            raise MalformedEvent("event without a sender")


class PlatformChannel(Channel):
    """A platform channel answers its webhook at once and sends through the outbox."""

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        self.postbox = context.postbox
        self._seen = context.seen
        self._answering: set[asyncio.Task[None]] = set()
        self._turns = asyncio.Semaphore(ANSWERS_AT_ONCE)

    # --- what each platform provides ---

    @abstractmethod
    def authenticate(self, request: web.Request, body: bytes) -> None:
        """Raise :class:`HttpProblem` (401/403) unless the platform signed ``body``."""

    @abstractmethod
    def events(self, data: dict[str, Any]) -> list[PlatformEvent]:
        """The citizens' messages in a delivery; raises :class:`MalformedEvent`,
        ``KeyError``, ``TypeError``, ``ValueError`` or ``OverflowError`` on a malformed one."""

    @abstractmethod
    def render(self, event: PlatformEvent, replies: list[Reply]) -> list[dict[str, Any]]:
        """The platform messages that answer ``event``."""

    @abstractmethod
    async def render_push(
        self, conversation_id: str, sender: str, replies: list[Reply], from_staff: bool
    ) -> list[dict[str, Any]]:
        """The platform messages for replies nobody asked for just now."""

    @abstractmethod
    async def send(self, item: dict[str, Any]) -> None:
        """Send one rendered item; raises ``DeliveryFailed``."""

    async def prepare(self, event: PlatformEvent) -> PlatformEvent:
        """Fetch what the message only points at (a photo) before it is answered."""
        return event

    # --- shared behaviour ---

    async def receive(self, request: web.Request) -> web.Response:
        body = await read_body(
            request, WEBHOOK_BODY_LIMIT, HttpProblem(413, f"request body larger than {WEBHOOK_BODY_LIMIT} bytes")
        )
        self.authenticate(request, body)
        data = json_object(body)
        try:
            events = self.events(data)
            fresh = [event for event in events if not _stale(event.sent_at)]
        except (MalformedEvent, KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as error:
            logger.warning("%s: malformed event refused: %s", self.name, type(error).__name__)
            raise HttpProblem(400, "malformed event") from None
        if events and not fresh:
            raise HttpProblem(403, "stale delivery: every event is older than 24 hours")
        for event in fresh:
            self._in_background(self._answer_in_turn(event))
        return web.json_response({"ok": True})

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)

    async def _answer_in_turn(self, event: PlatformEvent) -> None:
        async with self._turns:
            await self.answer(event)

    async def answer(self, event: PlatformEvent) -> None:
        """Answer one citizen message and post the answer; failures are logged.
        A redelivered message (its platform id seen before) gets no second answer."""
        message_id = event.message.platform_message_id
        try:
            if message_id and not await self._seen.first_sighting(f"{self.name}:{message_id}"):
                logger.info("%s: ignored a redelivery of %s", self.name, message_id)
                return
            event = await self.prepare(event)
            answer = await self.hub.handle(event.message)
        except Exception:
            logger.exception("%s: message %s could not be answered", self.name, message_id)
            return
        if answer.replies:
            await self._post(answer.conversation_id, event.message.sender, self.render(event, answer.replies))

    async def _post(self, conversation_id: Optional[str], sender: str, items: list[dict[str, Any]]) -> None:
        """Into the outbox; straight to the platform when storage failed (the
        answer is then the router's apology, with no conversation to keep it in)."""
        if conversation_id is not None:
            try:
                await self.postbox.post(conversation_id, self.name, items)
                return
            except Exception:
                logger.exception("%s: answer to %s not kept for sending", self.name, sender)
        logger.warning("%s: sending the answer to %s directly", self.name, sender)
        for item in items:
            try:
                await self.send(item)
            except Exception:
                logger.exception("%s: sending directly to %s failed too", self.name, sender)
                return

    async def deliver(self, conversation_id: str, sender: str, replies: list[Reply], from_staff: bool = False) -> None:
        items = await self.render_push(conversation_id, sender, replies, from_staff)
        if items:
            await self.postbox.post(conversation_id, self.name, items)

    async def start(self) -> None:
        """Connect to the platform before the first delivery (a client, a poller)."""

    async def finish_answering(self, timeout: float = 30) -> None:
        """Let the messages being answered get their answers posted (at shutdown)."""
        if self._answering:
            await asyncio.wait(self._answering, timeout=timeout)

    async def close(self) -> None:
        """Let go of the platform's client."""


def _stale(sent_at: datetime) -> bool:
    return datetime.now(timezone.utc) - sent_at > MAX_EVENT_AGE


def text_field(value: Any, name: str) -> str:
    """A text field of a platform's event: a string, or absent (""); anything else is malformed."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise MalformedEvent(f"'{name}' must be a string")
    return value


def clipped(text: str) -> str:
    """A platform allows longer messages than we read (Telegram 4,096, X 10,000
    characters); the rest is cut rather than the message refused, which the
    platform would only deliver again."""
    return text[:MAX_TEXT_LENGTH]


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, timezone.utc)
