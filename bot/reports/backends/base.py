"""What every reports back end offers, and how its HTTP failures are classified."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Optional, Protocol

import aiohttp

from bot.clock import utcnow
from bot.reports.store import Report
from bot.retries import AttemptFailed

REQUEST_TIMEOUT = aiohttp.ClientTimeout(total=15)


class BackendError(AttemptFailed):
    """A call to the reports back end failed: retryable for 5xx, 429 and the
    network (after ``retry_after`` when the back end said so)."""


@dataclass(frozen=True)
class Photo:
    """A stored photo on its way to the back end."""

    name: str
    data: bytes
    mime_type: str


@dataclass(frozen=True)
class BackendStatus:
    status: str  # one of bot.reports.settings.STATUSES
    notes: Optional[str]


class ReportBackend(Protocol):
    async def create(self, report: Report) -> str:
        """Create the report at the back end; returns the back end's id for it."""

    async def attach(self, external_id: str, photo: Photo) -> None:
        """Add a photo to a report already created."""

    async def status(self, external_id: str) -> BackendStatus: ...

    async def close(self) -> None: ...


def retry_after_seconds(value: Optional[str]) -> Optional[float]:
    """Retry-After as seconds or an HTTP date (RFC 9110 allows both)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - utcnow()).total_seconds())
    except (TypeError, ValueError):
        return None


class HttpBackend:
    """Shared plumbing: one session, JSON requests, failures as BackendError."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self._session: Optional[aiohttp.ClientSession] = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=REQUEST_TIMEOUT)
        return self._session

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            async with self.session.request(method, self.base_url + path, **kwargs) as response:
                body = await response.text()
                if response.status == 429 or response.status >= 500:
                    raise BackendError(
                        f"{method} {path}: HTTP {response.status}",
                        retryable=True,
                        retry_after=retry_after_seconds(response.headers.get("Retry-After")),
                    )
                if response.status >= 400:
                    raise BackendError(f"{method} {path}: HTTP {response.status}: {body[:500]}", retryable=False)
                return await response.json(content_type=None) if body else None
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise BackendError(f"{method} {path}: {error!r}", retryable=True) from None
        except ValueError:
            raise BackendError(f"{method} {path}: the answer is not JSON", retryable=True) from None

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
