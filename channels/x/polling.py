"""Mentions by polling, for an account without Account Activity API access.

The newest mention answered is kept in channel state, so a restart neither
misses mentions nor answers them twice. On the very first run the newest
existing mention is only noted: old mentions are not answered days late.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Any

import tweepy
import tweepy.asynchronous

from channels.base import ChannelMemory
from channels.x.events import CHANNEL, polled_events

if TYPE_CHECKING:
    from bot.singletons import Singletons
    from channels.platform import PlatformChannel

logger = logging.getLogger(__name__)

SINCE_KEY = "mentions_since_id"


class MentionPoller:
    def __init__(
        self,
        channel: "PlatformChannel",
        client: tweepy.asynchronous.AsyncClient,
        own_id: str,
        memory: ChannelMemory,
        singletons: "Singletons",
    ) -> None:
        self._channel = channel
        self._client = client
        self._own_id = own_id
        self._memory = memory
        self._singletons = singletons

    async def run(self, interval: float) -> None:
        while True:
            pause = interval
            try:
                # One replica polls: X's rate limit is the account's, not the process's.
                if await self._singletons.holds("x mention polling"):
                    await self.poll_once()
            except tweepy.TooManyRequests as error:
                pause = max(interval, (error.reset_time or 0) - time.time())
                logger.warning("x: mention polling rate-limited; next try in %.0fs", pause)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("x: polling mentions failed; trying again in %.0fs", interval)
            await asyncio.sleep(pause)

    async def poll_once(self) -> int:
        """Answer the mentions since the last poll, oldest first; returns how many."""
        since_id = await self._memory.get(CHANNEL, SINCE_KEY)
        if since_id is None:
            newest = await self._mentions(max_results=5)
            await self._memory.put(CHANNEL, SINCE_KEY, max((str(t.id) for t in newest[0]), key=int, default="1"))
            return 0
        tweets, authors = await self._mentions(since_id=since_id, max_results=100)
        events = polled_events(tweets, authors, self._own_id)
        for event in events:
            await self._channel.take(event)
            await self._memory.put(CHANNEL, SINCE_KEY, event.message.platform_message_id or since_id)
        return len(events)

    async def _mentions(self, **params: Any) -> tuple[list[Any], dict[str, Any]]:
        """Every page of mentions, with their authors by id."""
        tweets: list[Any] = []
        authors: dict[str, Any] = {}
        token = None
        while True:
            response = await self._client.get_users_mentions(
                self._own_id,
                expansions=["author_id"],
                tweet_fields=["created_at", "author_id"],
                user_fields=["name"],
                pagination_token=token,
                user_auth=True,
                **params,
            )
            tweets.extend(response.data or ())
            authors.update({str(user.id): user for user in (response.includes or {}).get("users", ())})
            token = (response.meta or {}).get("next_token")
            if not token or "since_id" not in params:
                return tweets, authors
