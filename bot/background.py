"""Work the gateway repeats in the background while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import AsyncIterator, Awaitable, Callable

from aiohttp import web

logger = logging.getLogger(__name__)


async def repeat(step: Callable[[], Awaitable[object]], every_seconds: float, what: str) -> None:
    """Run ``step`` every ``every_seconds`` until cancelled; a failed round is
    logged and the next one tried (a database hiccup must not end the worker)."""
    while True:
        try:
            await step()
        except asyncio.CancelledError:
            raise
        except Exception:
            logger.exception("%s failed; trying again shortly", what)
        await asyncio.sleep(every_seconds)


def repeating(
    step: Callable[[], Awaitable[object]], every_seconds: float, what: str
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context that repeats ``step`` while the gateway runs."""

    async def context(_: web.Application) -> AsyncIterator[None]:
        task = asyncio.create_task(repeat(step, every_seconds, what))
        yield
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    return context
