"""Work the gateway repeats in the background while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, AsyncIterator, Awaitable, Callable, Coroutine

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


@contextlib.asynccontextmanager
async def running(*work: Coroutine[Any, Any, None]) -> AsyncIterator[None]:
    """``work`` runs in tasks of its own inside the block; on the way out the
    tasks are cancelled and awaited, so none outlives the block."""
    tasks = [asyncio.create_task(item) for item in work]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


def repeating(
    step: Callable[[], Awaitable[object]], every_seconds: float, what: str
) -> Callable[[web.Application], AsyncIterator[None]]:
    """An aiohttp cleanup context that repeats ``step`` while the gateway runs."""

    async def context(_: web.Application) -> AsyncIterator[None]:
        async with running(repeat(step, every_seconds, what)):
            yield

    return context
