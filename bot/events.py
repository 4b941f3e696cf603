"""Events between gateway processes: in-process fan-out, or Redis pub/sub.

A colleague's browser is connected to one gateway process, the citizen's
message may arrive at another: with ``REDIS_URL`` set every process hears
every event. Handlers run in the process that subscribed them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import defaultdict
from typing import Any, Awaitable, Callable, Optional

import redis.asyncio as aioredis

logger = logging.getLogger(__name__)

Event = dict[str, Any]
Handler = Callable[[Event], Awaitable[None]]
CHANNEL_PREFIX = "dorpspomp:events:"


class EventBus:
    """In-process fan-out; :class:`RedisEventBus` adds the other processes."""

    def __init__(self) -> None:
        self._handlers: dict[str, set[Handler]] = defaultdict(set)

    def subscribe(self, topic: str, handler: Handler) -> Callable[[], None]:
        """Call ``handler`` for every event on ``topic``; returns the unsubscribe."""
        self._handlers[topic].add(handler)
        return lambda: self._handlers[topic].discard(handler)

    async def publish(self, topic: str, event: Event) -> None:
        await self._dispatch(topic, event)

    async def _dispatch(self, topic: str, event: Event) -> None:
        for handler in list(self._handlers.get(topic, ())):
            try:
                await handler(event)
            except Exception:
                logger.exception("event handler failed on %s", topic)

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        return None


class RedisEventBus(EventBus):
    def __init__(self, redis: aioredis.Redis) -> None:
        super().__init__()
        self._redis = redis
        self._pubsub = redis.pubsub(ignore_subscribe_messages=True)
        self._listener: Optional[asyncio.Task[None]] = None

    async def start(self) -> None:
        await self._pubsub.psubscribe(CHANNEL_PREFIX + "*")
        self._listener = asyncio.create_task(self._listen())

    async def publish(self, topic: str, event: Event) -> None:
        # Every process, this one included, hears it back through the subscription.
        await self._redis.publish(CHANNEL_PREFIX + topic, json.dumps(event))

    async def _listen(self) -> None:
        while True:
            try:
                message = await self._pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("lost the Redis event subscription; resubscribing")
                await asyncio.sleep(1)
                with contextlib.suppress(Exception):
                    await self._pubsub.psubscribe(CHANNEL_PREFIX + "*")
                continue
            if message is None or message.get("type") != "pmessage":
                continue
            topic = message["channel"].decode()[len(CHANNEL_PREFIX) :]
            await self._dispatch(topic, json.loads(message["data"]))

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._pubsub.close()


def create_event_bus(redis: Optional[aioredis.Redis]) -> EventBus:
    return RedisEventBus(redis) if redis is not None else EventBus()
