"""Every channel Dorpspomp has, which of them run (those configured), and their
lifecycle beside the outbox worker that sends for the platform channels.

A new channel is a package under ``channels/`` and one line in CHANNEL_TYPES.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator, Callable, Iterable, Iterator, Optional

from aiohttp import web

from bot.background import repeat, running
from bot.kpi.charts import ChannelLooks
from bot.outgoing.sender import DeliverySender
from channels.base import Channel, ChannelContext
from channels.instagram import InstagramChannel
from channels.messenger import MessengerChannel
from channels.platform import PlatformChannel
from channels.rest import RestChannel
from channels.telegram import TelegramChannel
from channels.webchat import WebchatChannel
from channels.whatsapp import WhatsAppChannel
from channels.x import XChannel

# How often each channel looks for kept messages nobody is answering.
RECOVER_EVERY_SECONDS = 5.0
# How long a stopping gateway gives its sends in progress and its last answers.
FINISH_SENDING_SECONDS = 5.0

CHANNEL_TYPES: tuple[type[Channel], ...] = (
    RestChannel,
    WebchatChannel,
    WhatsAppChannel,
    MessengerChannel,
    InstagramChannel,
    XChannel,
    TelegramChannel,
)


def channel_looks(types: Iterable[type[Channel]] = CHANNEL_TYPES) -> ChannelLooks:
    return ChannelLooks(
        {t.name: t.title for t in types}, {t.name: t.colour for t in types}, {t.name: t.icon for t in types}
    )


class ChannelRegistry:
    def __init__(self, channels: Iterable[Channel]) -> None:
        self._by_name = {channel.name: channel for channel in channels}

    @classmethod
    def build(cls, context: ChannelContext, types: Iterable[type[Channel]] = CHANNEL_TYPES) -> "ChannelRegistry":
        """The configured channels; one whose credentials are missing is left out (and logged by it)."""
        return cls(channel for kind in types if (channel := kind.create(context)) is not None)

    def __iter__(self) -> Iterator[Channel]:
        return iter(self._by_name.values())

    def get(self, name: str) -> Optional[Channel]:
        return self._by_name.get(name)

    @property
    def platforms(self) -> dict[str, PlatformChannel]:
        """The channels that send through the outbox, by name."""
        return {name: c for name, c in self._by_name.items() if isinstance(c, PlatformChannel)}

    def routes(self) -> list[web.RouteDef]:
        return [route for channel in self for route in channel.routes()]


def channel_workers(
    channels: ChannelRegistry, sender: DeliverySender
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context: platforms connected, the sender running and
    kept messages that lost their answer (a process died) answered again while
    the gateway runs; on the way out, messages being answered are answered and
    sent before the platforms' clients close."""

    async def run(_: web.Application) -> AsyncIterator[None]:
        platforms = list(channels.platforms.values())
        for channel in platforms:
            await channel.start()
        try:
            recovering = (
                repeat(channel.recover, RECOVER_EVERY_SECONDS, f"{channel.name}: recovery") for channel in channels
            )
            sending = asyncio.create_task(sender.run())
            try:
                async with running(*recovering):
                    try:
                        yield
                    finally:
                        for channel in platforms:
                            await channel.finish_answering()
                        sender.stop()
                        # The pass in progress finishes, then the last answers leave
                        # while the clients are open; past the time limit what is
                        # unsent goes back to the queue for another process.
                        with contextlib.suppress(Exception):
                            await asyncio.wait_for(sending, timeout=FINISH_SENDING_SECONDS)
                            await asyncio.wait_for(sender.send_due(), timeout=FINISH_SENDING_SECONDS)
            finally:
                sending.cancel()  # nothing once it has finished
                with contextlib.suppress(asyncio.CancelledError):
                    await sending
        finally:
            for channel in platforms:
                await channel.close()

    return run
