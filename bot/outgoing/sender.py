"""The postbox platform channels post to, and the outbox worker that sends for them.

A posted delivery wakes the worker at once, so a citizen's answer leaves
within milliseconds; the worker also looks every ``poll_seconds`` for retries
that came due and for work other processes queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Mapping, Optional, Protocol

from bot.messages import DeliveryFailed
from bot.outgoing.deliveries import DELIVER_JOB, Delivery, DeliveryStore
from bot.retries import RetryPolicy
from bot.store.outbox import Job, Outbox

logger = logging.getLogger(__name__)


class PlatformSender(Protocol):
    """What the worker needs of a channel (``channels.platform.PlatformChannel``)."""

    name: str

    async def send(self, item: dict[str, Any]) -> Optional[str]:
        """Send one rendered item; the platform's id for it, if it has one.
        Raises :class:`DeliveryFailed`."""


class DeliveryPostbox:
    """What channels post to (``channels.base.Postbox``): kept in SQL first."""

    def __init__(self, store: DeliveryStore) -> None:
        self.store = store
        self.posted = asyncio.Event()

    async def post(
        self, conversation_id: str, channel: str, items: list[dict[str, Any]], answering: Optional[int] = None
    ) -> None:
        """Keep the items for sending (and mark the kept message they answer answered) and wake the worker."""
        await self.store.add(conversation_id, channel, items, answering)
        self.posted.set()

    async def hold_back(self, conversation_id: str, channel: str, items: list[dict[str, Any]], reason: str) -> None:
        await self.store.hold_back(conversation_id, channel, items, reason)

    async def platform_status(self, channel: str, platform_id: str, status: str, error: Optional[str]) -> None:
        await self.store.platform_status(channel, platform_id, status, error)


class DeliverySender:
    def __init__(
        self,
        postbox: DeliveryPostbox,
        outbox: Outbox,
        channels: Mapping[str, PlatformSender],
        policy: RetryPolicy = RetryPolicy(),
        poll_seconds: float = 1.0,
    ) -> None:
        self.postbox = postbox
        self.store = postbox.store
        self.outbox = outbox
        self.channels = channels
        self.policy = policy
        self.poll_seconds = poll_seconds
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Send what is due until :meth:`stop`; a failed round is logged, not fatal."""
        while not self._stopping.is_set():
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.postbox.posted.wait(), self.poll_seconds)
            self.postbox.posted.clear()
            try:
                while not self._stopping.is_set() and await self.send_due():
                    pass
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("sending deliveries failed; trying again shortly")

    def stop(self) -> None:
        """End :meth:`run` after the pass in progress. A send cut off mid-request
        may have reached the platform; given back, it would go out again from
        another process."""
        self._stopping.set()
        self.postbox.posted.set()

    async def send_due(self) -> int:
        """One pass over the due deliveries; returns how many were handled."""
        # At most one delivery per conversation: the outbox keeps each
        # conversation's in order (a sequence), so conversations go side by side.
        jobs = await self.outbox.claim(DELIVER_JOB, limit=20)
        due = []
        for job in jobs:
            delivery = await self.store.get(int(job.subject_id))
            if delivery is None:
                await self.outbox.fail(job, "the delivery no longer exists")
                continue
            due.append((job, delivery))
        try:
            await asyncio.gather(*(self._send(job, delivery) for job, delivery in due))
        except asyncio.CancelledError:
            # Stopping mid-send: the unfinished jobs go back to the queue now,
            # not when their lease runs out (a restarted gateway sends them).
            await self.outbox.release(jobs)
            raise
        return len(jobs)

    async def _send(self, job: Job, delivery: Delivery) -> None:
        channel = self.channels.get(delivery.channel)
        try:
            if channel is None:
                raise DeliveryFailed(f"channel {delivery.channel} is not enabled", retryable=True)
            async with self.outbox.holding(job):
                for index, item in enumerate(delivery.unsent, start=delivery.sent):
                    if not await self.outbox.holds(job):
                        logger.warning("delivery %s was taken over by another sender; this one stops", delivery.id)
                        return
                    platform_id = await channel.send(item)
                    await self.store.mark_item_sent(delivery, index + 1, platform_id)
        except DeliveryFailed as error:
            await self._failed(job, delivery, error)
            return
        except Exception as error:
            logger.exception("delivery %s to %s crashed", delivery.id, delivery.channel)
            await self._failed(job, delivery, DeliveryFailed(repr(error), retryable=True))
            return
        await self.store.mark_sent(delivery.id)
        await self.outbox.complete(job)

    async def _failed(self, job: Job, delivery: Delivery, error: DeliveryFailed) -> None:
        delay = await self.outbox.settle_failure(job, error, self.policy)
        if delay is not None:
            logger.warning("delivery %s to %s failed (%s); retry in %.1fs", delivery.id, delivery.channel, error, delay)
            await self.store.note_error(delivery.id, str(error))
            return
        logger.error("delivery %s to %s failed for good: %s", delivery.id, delivery.channel, error)
        await self.store.mark_failed(delivery.id, str(error))
