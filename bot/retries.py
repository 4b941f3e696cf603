"""Trying again: the failure a job's attempt raises, and how long to wait
before the next attempt (outgoing messages, reports to the back end)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Optional


class AttemptFailed(Exception):
    """One attempt at a job failed. ``retryable`` when trying again later may
    succeed (429, 5xx, the network); ``retry_after`` when the other side said
    how long to wait. Platforms raise it as DeliveryFailed, back ends as BackendError."""

    def __init__(self, message: str, retryable: bool, retry_after: Optional[float] = None) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter, capped; ``max_attempts`` then failed."""

    base_seconds: float = 2.0
    cap_seconds: float = 900.0
    max_attempts: int = 10

    def delay(self, attempts: int, retry_after: Optional[float] = None) -> float:
        backoff = random.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempts))
        # The back end's own Retry-After is a floor: asking earlier only earns another 429.
        return max(backoff, retry_after or 0.0)
