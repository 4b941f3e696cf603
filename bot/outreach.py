"""Telling a citizen something they did not ask for just now (news about a
report, a colleague's answer), through the channel of their conversation."""

from __future__ import annotations

from datetime import datetime
from typing import Optional, Protocol

from bot.contract import Language
from bot.kpi.metrics import GatewayMetrics
from bot.messages import MAX_TEXT_LENGTH, Reply
from bot.store import ConversationStore
from channels.base import Channel, Window


class ChannelsByName(Protocol):
    """The running channels (implemented by ``bot.channel_registry.ChannelRegistry``)."""

    def get(self, name: str) -> Optional[Channel]:
        """The channel called ``name``, when it runs in this gateway."""


class Outreach:
    def __init__(self, store: ConversationStore, channels: ChannelsByName, metrics: GatewayMetrics) -> None:
        self.store = store
        self.channels = channels
        self.metrics = metrics

    async def push(self, conversation_id: str, replies: list[Reply], staff_id: Optional[int] = None) -> None:
        """Send ``replies`` (a colleague's when ``staff_id``) to the conversation's citizen.

        The replies are stored first, so a citizen who is not connected now
        reads them when they come back.
        """
        address = await self.store.address(conversation_id)
        if address is None:
            return
        channel_name, sender = address
        await self.store.record_replies(conversation_id, channel_name, replies, staff_id)
        self.metrics.messages_out(channel_name, len(replies))
        channel = self.channels.get(channel_name)
        if channel is not None:
            await channel.deliver(conversation_id, sender, replies, from_staff=staff_id is not None)

    async def language(self, conversation_id: str) -> str:
        """The language the conversation is held in, for what is said to it unasked."""
        _, held_in = await self.store.opening(conversation_id)
        return held_in or Language.DUTCH

    def contact(self, channel_name: str, sender: str) -> Optional[str]:
        """The citizen's number or address on the channel, where a person could use it."""
        channel = self.channels.get(channel_name)
        return channel.contact(sender) if channel else None

    def window(self, channel_name: str, last_heard: Optional[datetime], now: datetime) -> Optional[Window]:
        """What the channel lets through now (its messaging window), for the inbox."""
        channel = self.channels.get(channel_name)
        return channel.window(last_heard, now) if channel else None

    def reply_limit(self, channel_name: str, public: bool) -> int:
        """The most characters one message may have on a channel (a public tweet: 280)."""
        channel = self.channels.get(channel_name)
        return channel.reply_limit(public) if channel else MAX_TEXT_LENGTH
