"""The platform channels this gateway runs (those with credentials), and their
lifecycle with the outbox worker that sends for them."""
from __future__ import annotations

import asyncio
import contextlib
from typing import AsyncIterator, Callable

from aiohttp import web

from bot.media import MediaStore
from bot.outgoing.sender import DeliverySender
from bot.profile import MunicipalityProfile
from bot.router import Router
from bot.settings import Settings
from bot.store.channel_state import ChannelStateStore
from channels.base import SeenMessages
from channels.messenger import MessengerChannel, MessengerConfig
from channels.platform import PlatformChannel
from channels.telegram import TelegramChannel, TelegramConfig
from channels.x import XChannel, XConfig


def platform_channels(
    settings: Settings,
    router: Router,
    sender: DeliverySender,
    seen: SeenMessages,
    media: MediaStore,
    memory: ChannelStateStore,
    profile: MunicipalityProfile,
) -> list[PlatformChannel]:
    """One channel per platform whose credentials are set; each missing one is logged."""
    env = settings.platforms
    channels: list[PlatformChannel] = []
    if (x := XConfig.from_env(env)) is not None:
        channels.append(
            XChannel(router, sender, seen, x, memory, lambda: profile.text("x_continue_in_dm"), profile.website)
        )
    if (messenger := MessengerConfig.from_env(env)) is not None:
        channels.append(MessengerChannel(router, sender, seen, messenger, media))
    if (telegram := TelegramConfig.from_env(env)) is not None:
        channels.append(TelegramChannel(router, sender, seen, telegram, media, memory))
    sender.attach({channel.name: channel for channel in channels})
    return channels


def platform_workers(
    channels: list[PlatformChannel], sender: DeliverySender
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context: channels connected and the sender running
    while the gateway runs; on the way out, messages being answered are
    answered and sent before the platforms' clients close."""

    async def run(_: web.Application) -> AsyncIterator[None]:
        for channel in channels:
            await channel.start()
        worker = asyncio.create_task(sender.run())
        try:
            yield
        finally:
            for channel in channels:
                await channel.finish_answering()
            # The last answers were posted: let them leave while the clients are open.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(sender.send_due(), timeout=10)
            worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await worker
            for channel in channels:
                await channel.close()

    return run
