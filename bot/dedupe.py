"""Remembers which platform messages were seen, so a redelivery gets no second answer.

Platforms deliver an event again when they are unsure we got it (X, Meta and
Telegram all do). The first sighting of a ``channel:platform id`` key wins,
atomically: in Redis with ``SET NX`` and a TTL, shared by every gateway
process; in-process otherwise.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Optional

import redis.asyncio as aioredis

from channels.base import SeenMessages

# Longer than any platform keeps retrying a delivery (Meta: up to a day).
SEEN_TTL_SECONDS = 36 * 3600
KEY_PREFIX = "dorpspomp:seen:"


class InProcessSeen:
    def __init__(self, ttl_seconds: float = SEEN_TTL_SECONDS, max_keys: int = 200_000) -> None:
        self._ttl = ttl_seconds
        self._max_keys = max_keys
        self._seen: OrderedDict[str, float] = OrderedDict()

    async def first_sighting(self, key: str) -> bool:
        now = time.monotonic()
        # Insertion order is expiry order: drop the expired from the front.
        while self._seen and (next(iter(self._seen.values())) < now or len(self._seen) >= self._max_keys):
            self._seen.popitem(last=False)
        if key in self._seen:
            return False
        self._seen[key] = now + self._ttl
        return True


class RedisSeen:
    def __init__(self, redis: aioredis.Redis, ttl_seconds: float = SEEN_TTL_SECONDS) -> None:
        self._redis = redis
        self._ttl = int(ttl_seconds)

    async def first_sighting(self, key: str) -> bool:
        return bool(await self._redis.set(KEY_PREFIX + key, b"1", nx=True, ex=self._ttl))


def create_seen_messages(redis: Optional[aioredis.Redis]) -> SeenMessages:
    return RedisSeen(redis) if redis is not None else InProcessSeen()
