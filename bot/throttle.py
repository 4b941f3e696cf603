"""Rate limits: how often one client, chat session or username may do a thing.

A window opens with a subject's first use and lasts the rule's period; the
count is kept in Redis when ``REDIS_URL`` is set (``INCR`` and ``EXPIRE NX`` in
one transaction, so every gateway process shares it) and in process otherwise.
Keys are hashed: a client's address is personal data and never lands in Redis
as it is.

The ``limits`` library would be our first choice, but its asyncio Redis
storage needs a second Redis client (coredis) or a redis-py below 8, older
than the gateway's; what we need of it is the one transaction below.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from typing import Callable, Mapping, Optional, Protocol

import redis.asyncio as aioredis

KEY_PREFIX = "dorpspomp:rate:"


@dataclass(frozen=True)
class Rate:
    """At most ``count`` times per ``seconds``."""

    count: int
    seconds: int


# One source for every limit of the gateway. Per session or username they are
# tight: a person at human pace stays well inside, a script does not. Per client
# address they are loose: a town hall, a school or a mobile network puts many
# citizens behind one address, so they only stop a flood.
RATES: Mapping[str, Rate] = {
    "chat_message_per_session": Rate(20, 60),
    "chat_message_per_client": Rate(300, 60),
    "chat_conversation_per_client": Rate(100, 600),
    "upload_per_session": Rate(10, 600),
    "upload_per_client": Rate(100, 3600),
    "login_failure_per_client": Rate(30, 600),
    "login_failure_per_username": Rate(5, 900),
}


class Counters(Protocol):
    async def add(self, key: str, seconds: int) -> int:
        """Count one more in ``key``, which lives ``seconds``; the count so far."""

    async def get(self, key: str) -> int:
        """The count in ``key`` without adding to it."""


class MemoryCounters:
    """Counters of one process (no Redis): expired windows are dropped as it goes."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._counts: dict[str, tuple[float, int]] = {}

    async def add(self, key: str, seconds: int) -> int:
        now = self._clock()
        if len(self._counts) > 10_000:
            self._counts = {k: v for k, v in self._counts.items() if v[0] > now}
        expires, count = self._counts.get(key, (now + seconds, 0))
        if expires <= now:
            expires, count = now + seconds, 0
        self._counts[key] = (expires, count + 1)
        return count + 1

    async def get(self, key: str) -> int:
        expires, count = self._counts.get(key, (0.0, 0))
        return count if expires > self._clock() else 0


class RedisCounters:
    """Counters every gateway process shares."""

    def __init__(self, redis: aioredis.Redis) -> None:
        self._redis = redis

    async def add(self, key: str, seconds: int) -> int:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            pipe.expire(key, seconds, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def get(self, key: str) -> int:
        return int(await self._redis.get(key) or 0)


class Throttle:
    def __init__(self, counters: Counters, rates: Mapping[str, Rate] = RATES) -> None:
        self._counters = counters
        self._rates = rates

    @classmethod
    def create(cls, redis: Optional[aioredis.Redis]) -> "Throttle":
        return cls(RedisCounters(redis) if redis is not None else MemoryCounters())

    def _key(self, rule: str, subject: str) -> tuple[str, Rate]:
        digest = hashlib.sha256(subject.encode()).hexdigest()[:32]
        return f"{KEY_PREFIX}{rule}:{digest}", self._rates[rule]

    async def allow(self, rule: str, subject: str) -> bool:
        """Count one use of ``rule`` by ``subject``; False once past its rate."""
        key, rate = self._key(rule, subject)
        return await self._counters.add(key, rate.seconds) <= rate.count

    async def exhausted(self, rule: str, subject: str) -> bool:
        """Whether ``subject`` has used up ``rule`` in its window (counts nothing)."""
        key, rate = self._key(rule, subject)
        return await self._counters.get(key) >= rate.count

    def period(self, rule: str) -> int:
        """The longest a subject waits once past ``rule`` (for Retry-After)."""
        return self._rates[rule].seconds
