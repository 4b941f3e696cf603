"""The common interface of every channel, and what a channel may ask of the application."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, AsyncContextManager, Awaitable, Callable, Mapping, Optional, Protocol, TypeVar

from aiohttp import web

from bot.messages import MAX_TEXT_LENGTH, Answer, AnswerStep, IncomingMessage, Reply, Turn

if TYPE_CHECKING:
    from bot.media import MediaStore
    from bot.profile import MunicipalityProfile
    from bot.settings import Settings
    from bot.singletons import Singletons
    from bot.store.inbox import Receipt
    from bot.store.uploads import UploadStore
    from bot.throttle import Throttle
    from bot.web.http import ClientAddress
    from bot.web.sockets import OpenSockets


class ConversationHub(Protocol):
    """The application as a channel sees it (implemented by ``bot.router.Router``)."""

    async def handle(
        self, message: IncomingMessage, conversation_id: Optional[str] = None, *, then: Optional[AnswerStep] = None
    ) -> Answer:
        """Answer a citizen's message; the replies are the channel's to deliver
        (``then`` queues them inside the turn, in the order of the turns)."""

    async def open_conversation(self, channel: str, language: str) -> str:
        """Start a conversation whose id the channel hands to the citizen, welcomed
        in ``language`` (a ``bot.contract.Language``: what the citizen's device prefers)."""

    async def conversation_for(self, channel: str, sender: str) -> str:
        """The conversation of a citizen on a channel, made on first contact."""

    async def last_heard(self, conversation_id: str) -> Optional[datetime]:
        """When the citizen last wrote (platforms limit what may be sent after)."""

    async def note(self, channel: str, sender: str, text: str) -> None:
        """A note for colleagues in the citizen's conversation, if there is one."""

    async def transcript(self, conversation_id: str) -> Optional[list[Turn]]:
        """The conversation so far, or None when there is no such conversation."""


class Broadcast(Protocol):
    """Events heard by every gateway process (implemented by ``bot.events.EventBus``):
    a channel whose citizens hold a connection to one process reaches them from any."""

    def subscribe(self, topic: str, handler: Callable[[dict[str, Any]], Awaitable[None]]) -> Callable[[], None]:
        """Call ``handler`` for every event on ``topic``; returns the unsubscribe."""

    async def publish(self, topic: str, event: dict[str, Any]) -> None:
        """Send ``event`` to every process's handlers of ``topic``."""


class Postbox(Protocol):
    """Durable sending (implemented by ``bot.outgoing.sender.DeliverySender``):
    posted items survive a restart and reach the channel's ``send`` in order,
    retried while the platform answers 429 or 5xx."""

    async def post(
        self, conversation_id: str, channel: str, items: list[dict[str, Any]], answering: Optional[int] = None
    ) -> None:
        """Keep ``items`` (rendered for ``channel``) for sending; ``answering``: the
        kept message (its receipt id) they answer, marked answered with them."""

    async def hold_back(self, conversation_id: str, channel: str, items: list[dict[str, Any]], reason: str) -> None:
        """Keep ``items`` unsent, with why (the platform's window closed): the
        inbox shows them, and a person may send them later."""

    async def platform_status(self, channel: str, platform_id: str, status: str, error: Optional[str]) -> None:
        """What the platform reports of a message it took (``sent``, ``delivered``,
        ``read``, ``failed``); a failure marks its delivery failed, with ``error``."""


class Inbox(Protocol):
    """Where platform messages are kept until answered (bot/store/inbox.py)."""

    async def accept(
        self, channel: str, message_id: Optional[str], sender: str, event: dict[str, Any]
    ) -> Optional["Receipt"]: ...

    async def due(self, channel: str, limit: int = 20) -> list["Receipt"]: ...

    def holding(self, receipt: "Receipt") -> AsyncContextManager[None]:
        """The message's lease renewed while the block answers it."""

    async def answered(self, receipt: "Receipt") -> None: ...


class ChannelMemory(Protocol):
    """Small values a channel keeps across restarts (``bot.store.channel_state``)."""

    async def get(self, channel: str, key: str) -> Optional[str]:
        """The value kept under ``key``, or None."""

    async def put(self, channel: str, key: str, value: str) -> None:
        """Keep ``value`` under ``key``."""


@dataclass(frozen=True)
class ChannelContext:
    """What the application lends every channel; each takes what it needs."""

    settings: "Settings"
    profile: "MunicipalityProfile"
    hub: ConversationHub
    postbox: Postbox
    inbox: Inbox
    memory: ChannelMemory
    bus: Broadcast
    media: "MediaStore"
    uploads: "UploadStore"
    throttle: "Throttle"
    client_address: "ClientAddress"
    sockets: "OpenSockets"
    singletons: "Singletons"
    # municipality.yml's ``channels:`` section; a channel reads its own key.
    profiles: Mapping[str, Any] = field(default_factory=dict)


ChannelT = TypeVar("ChannelT", bound="Channel")

# A speech bubble: the inbox's glyph for a channel without one of its own.
BUBBLE = "M4 4h16v12H8l-4 4z"


@dataclass(frozen=True)
class Window:
    """What a platform lets us send now, for the inbox: ``open`` until ``until``
    (None: no end we know of); ``note`` says it in a colleague's words."""

    open: bool
    until: Optional[datetime]
    note: str


class Channel(ABC):
    """A platform adapter: receives its platform's requests, answers in its format.

    Every channel is made the same way: :meth:`create` reads its configuration
    from the context's settings and returns None (logged) when it is not set up.
    """

    name: str
    # As the KPI dashboard and the inbox show it; a colour-blind safe colour
    # (Okabe-Ito) and a glyph (SVG path data on a 24 by 24 grid).
    title: str
    colour: str
    icon: str = BUBBLE

    def __init__(self, context: ChannelContext) -> None:
        self.hub = context.hub

    @classmethod
    @abstractmethod
    def create(cls: type[ChannelT], context: ChannelContext) -> Optional[ChannelT]:
        """This channel, configured from ``context.settings``; None when it is not set up."""

    @abstractmethod
    def routes(self) -> list[web.RouteDef]:
        """The HTTP routes this channel serves."""

    @classmethod
    def public_text_problem(cls, text: str) -> Optional[str]:
        """Why ``text`` cannot be a public reply here as it stands (the content check
        asks every channel about each topic's short answer); None when it can."""
        return None

    def reply_limit(self, public: bool) -> int:
        """The most characters one message may have here (a public tweet: 280)."""
        return MAX_TEXT_LENGTH

    def contact(self, sender: str) -> Optional[str]:
        """The citizen's sender id as a colleague could use it (a WhatsApp
        number to call back); None where it means nothing to a person."""
        return None

    def window(self, last_heard: Optional[datetime], now: datetime) -> Optional[Window]:
        """What may reach the citizen now, on a platform that limits it by time
        since their last message; None where nothing limits it."""
        return None

    async def recover(self) -> int:
        """Answer the kept messages whose answering died with its process or
        failed; returns how many were taken up. Channels that keep nothing: 0."""
        return 0

    async def deliver(self, conversation_id: str, sender: str, replies: list[Reply], from_staff: bool = False) -> None:
        """Send replies the citizen did not ask for just now: news about a report,
        a colleague's answer (``from_staff``). Best effort where the platform cannot
        push (the REST channel); the replies are in the conversation's history either way."""
        return None
