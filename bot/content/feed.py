"""A data feed read from a file or an http(s) URL and kept for a while.

Road works and events come from the municipality's own systems. A feed is
read when first needed and again once it is older than ``refresh``; a failed
read keeps the last good data (and logs), so a feed that hiccups never
silences the bot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Callable, Generic, Optional, TypeVar

import aiohttp

logger = logging.getLogger(__name__)

T = TypeVar("T")
MAX_FEED_BYTES = 5 * 1024 * 1024
FETCH_TIMEOUT_SECONDS = 10
# A failed read is tried again after this long (or the refresh time, if shorter).
RETRY_SECONDS = 60


class FeedUnavailable(RuntimeError):
    """The feed could not be read and there is no earlier copy."""


async def read_source(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        timeout = aiohttp.ClientTimeout(total=FETCH_TIMEOUT_SECONDS)
        async with aiohttp.ClientSession(timeout=timeout) as session, session.get(source) as response:
            response.raise_for_status()
            body = await response.content.read(MAX_FEED_BYTES + 1)
        if len(body) > MAX_FEED_BYTES:
            raise ValueError(f"feed {source} is larger than {MAX_FEED_BYTES} bytes")
        return body
    return await asyncio.to_thread(Path(source).read_bytes)


class Feed(Generic[T]):
    def __init__(
        self,
        source: str,
        parse: Callable[[bytes], T],
        refresh_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.source = source
        self._parse = parse
        self._refresh_seconds = refresh_seconds
        self._clock = clock
        self._data: Optional[T] = None
        self._next_read = float("-inf")
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        return self._clock() < self._next_read

    async def get(self) -> T:
        if not self.source:
            raise FeedUnavailable("no source is configured for this feed")
        if self._fresh():
            return self._data  # type: ignore[return-value]
        async with self._lock:
            if not self._fresh():
                await self._refresh()
        if self._data is None:
            raise FeedUnavailable(f"feed {self.source} could not be read")
        return self._data

    async def _refresh(self) -> None:
        try:
            self._data = self._parse(await read_source(self.source))
        except Exception:
            logger.exception(
                "feed %s could not be read; %s",
                self.source,
                "keeping the last good copy" if self._data is not None else "there is no copy yet",
            )
            # Not on every question, but well before the next regular refresh.
            self._next_read = self._clock() + min(RETRY_SECONDS, self._refresh_seconds)
            return
        self._next_read = self._clock() + self._refresh_seconds
