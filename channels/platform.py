"""What the X, Messenger and Telegram channels share: an outside platform's webhook.

A delivery is read (413 past the size limit), authenticated (401/403), parsed
(400 when it is not JSON or an event is malformed), kept in the inbox
(bot/store/inbox.py) and only then answered 200; each citizen message is then
answered in the background and the answer posted to the outbox, so a slow
engine never makes the platform retry. A redelivery of a message answered or
being answered is acknowledged and dropped; a message whose answering died
with its process is answered by the recovery round. Events the channel does
not know are acknowledged and ignored.
"""

from __future__ import annotations

import asyncio
import logging
from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Coroutine, Mapping, Optional, Union

from aiohttp import web

from bot.messages import MAX_TEXT_LENGTH, Answer, IncomingMessage, Reply
from bot.store.inbox import Receipt
from bot.web.http import HttpProblem, json_object, read_body
from channels.base import Channel, ChannelContext

logger = logging.getLogger(__name__)

WEBHOOK_BODY_LIMIT = 1024 * 1024
# An event older than this is a replay: platforms stop retrying well before.
MAX_EVENT_AGE = timedelta(hours=24)
# Messages answered side by side per channel. The rest wait their turn (in
# order), so a burst cannot crowd the event loop and slow the acknowledgements.
ANSWERS_AT_ONCE = 32
# A message kept this long before it could be answered gets an apology first.
LATE_AFTER = timedelta(minutes=5)


class MalformedEvent(ValueError):
    """An event of a known type without the fields its platform documents."""


class OutsideWindow(Exception):
    """The platform does not let this message through now (its messaging window
    closed, no template fits); ``reason`` is shown in the inbox, ``items`` are
    what would be sent, kept for a retry."""

    def __init__(self, reason: str, items: list[dict[str, Any]]) -> None:
        super().__init__(reason)
        self.reason = reason
        self.items = items


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

    def to_json(self) -> dict[str, Any]:
        return {"message": self.message.to_json(), "sent_at": self.sent_at.isoformat(), "context": self.context}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "PlatformEvent":
        return cls(IncomingMessage.from_json(data["message"]), datetime.fromisoformat(data["sent_at"]), data["context"])


@dataclass(frozen=True)
class PlatformStatus:
    """What a platform reports of a message we sent (``sent``, ``delivered``,
    ``read``, ``failed``), and why it failed."""

    platform_id: str
    status: str
    error: Optional[str] = None


@dataclass(frozen=True)
class ColleagueNote:
    """Something the platform told us that colleagues should read in the
    citizen's conversation (a comment was removed)."""

    sender: str
    text: str


# What a platform tells us beside citizens' messages.
Notice = Union[PlatformStatus, ColleagueNote]


class PlatformChannel(Channel):
    """A platform channel answers its webhook at once and sends through the outbox."""

    def __init__(self, context: ChannelContext) -> None:
        super().__init__(context)
        self.postbox = context.postbox
        self.inbox = context.inbox
        self._profile = context.profile
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
        """The platform messages for replies nobody asked for just now; raises
        :class:`OutsideWindow` when the platform would not let them through."""

    @abstractmethod
    async def send(self, item: dict[str, Any]) -> Optional[str]:
        """Send one rendered item; the platform's id of the message where it
        reports delivery by it. Raises ``DeliveryFailed``."""

    def notices(self, data: dict[str, Any]) -> list[Notice]:
        """What a delivery tells besides messages: reports on ours, notes for colleagues."""
        return []

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
            notices = self.notices(data)
        except (MalformedEvent, KeyError, TypeError, ValueError, AttributeError, OverflowError, OSError) as error:
            logger.warning("%s: malformed event refused: %s", self.name, type(error).__name__)
            raise HttpProblem(400, "malformed event") from None
        if events and not fresh:
            raise HttpProblem(403, "stale delivery: every event is older than 24 hours")
        # Kept before the platform hears it arrived: if keeping fails, the
        # platform gets an error and delivers again.
        for event in fresh:
            receipt = await self._keep(event)
            if receipt is not None:
                self._in_background(self._answer_in_turn(event, receipt))
        for notice in notices:
            await self._take_notice(notice)
        return web.json_response({"ok": True})

    async def _take_notice(self, notice: Notice) -> None:
        if isinstance(notice, PlatformStatus):
            await self.postbox.platform_status(self.name, notice.platform_id, notice.status, notice.error)
        else:
            await self.hub.note(self.name, notice.sender, notice.text)

    async def take(self, event: PlatformEvent) -> None:
        """Keep and answer a message found rather than delivered (a polled mention)."""
        receipt = await self._keep(event)
        if receipt is not None:
            await self._answer_in_turn(event, receipt)

    async def _keep(self, event: PlatformEvent) -> Optional[Receipt]:
        message = event.message
        receipt = await self.inbox.accept(self.name, message.platform_message_id, message.sender, event.to_json())
        if receipt is None:
            # Not the id: WhatsApp's message ids encode the citizen's number.
            logger.info("%s: ignored a redelivery", self.name)
        return receipt

    async def recover(self) -> int:
        """Answer the kept messages whose answering died with its process or
        failed; returns how many were taken up."""
        receipts = await self.inbox.due(self.name)
        for receipt in receipts:
            event = PlatformEvent.from_json(receipt.event)
            self._in_background(self._answer_in_turn(event, receipt))
        return len(receipts)

    def _in_background(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._answering.add(task)
        task.add_done_callback(self._answering.discard)

    async def _answer_in_turn(self, event: PlatformEvent, receipt: Receipt) -> None:
        async with self._turns:
            await self.answer(event, receipt)

    async def answer(self, event: PlatformEvent, receipt: Receipt) -> None:
        """Answer one kept citizen message and post the answer. A failure is
        logged and the message stays unanswered in the inbox, for the recovery
        round to try again."""
        try:
            async with self.inbox.holding(receipt):
                event = await self.prepare(event)
                queued = False

                async def queue(answer: Answer) -> None:
                    # Inside the turn, so a later turn's answer (another process
                    # may take it) is queued after this one. Queued and marked
                    # answered in one transaction: a process killed in between
                    # cannot make the recovery round answer twice.
                    nonlocal queued
                    items = self._rendered(event, receipt, answer.replies)
                    if items and answer.conversation_id is not None:
                        queued = await self._queue(answer.conversation_id, items, receipt.id)

                answer = await self.hub.handle(event.message, then=queue)
                if not queued:
                    # Nothing to say, or storage failed (the router's apology).
                    await self._send_directly(self._rendered(event, receipt, answer.replies))
                    await self.inbox.answered(receipt)
        except Exception:
            given_up = " for the last time" if receipt.last_attempt else "; it will be tried again"
            logger.exception("%s: kept message %s could not be answered%s", self.name, receipt.id, given_up)

    def _rendered(self, event: PlatformEvent, receipt: Receipt, replies: list[Reply]) -> list[dict[str, Any]]:
        if not replies:
            return []
        if datetime.now(timezone.utc) - receipt.received_at > LATE_AFTER:
            replies = [Reply(self._profile.text("late_answer")), *replies]
        return self.render(event, replies)

    async def _queue(self, conversation_id: str, items: list[dict[str, Any]], answering: int) -> bool:
        """Into the outbox, the kept message ``answering`` marked answered with it;
        False when that failed (the answer then goes out directly)."""
        try:
            await self.postbox.post(conversation_id, self.name, items, answering)
            return True
        except Exception:
            logger.exception("%s: answer in %s not kept for sending", self.name, conversation_id)
            return False

    async def _send_directly(self, items: list[dict[str, Any]]) -> None:
        if items:
            logger.warning("%s: sending an answer directly", self.name)
        for item in items:
            try:
                await self.send(item)
            except Exception:
                logger.exception("%s: sending directly failed too", self.name)
                return

    async def deliver(self, conversation_id: str, sender: str, replies: list[Reply], from_staff: bool = False) -> None:
        try:
            items = await self.render_push(conversation_id, sender, replies, from_staff)
        except OutsideWindow as closed:
            logger.info("%s: not sent to %s: %s; kept in the history", self.name, conversation_id, closed.reason)
            await self.postbox.hold_back(conversation_id, self.name, closed.items, closed.reason)
            return
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
