"""Meta's Graph API over aiohttp, as Messenger, Instagram and WhatsApp use it:
posting messages, fetching what citizens sent, Meta's errors sorted into retry
or give up."""

from __future__ import annotations

import asyncio
from typing import Any, Collection, Optional
from urllib.parse import urlsplit

import aiohttp

from bot.messages import DeliveryFailed

GRAPH_VERSION = "v21.0"
# Throttling and temporary failures; Graph reports them with HTTP 400 too.
# 4, 17, 32, 613: app, user, page and hourly call limits; 80007: Messenger and
# Instagram's rate limit; 130429: WhatsApp's throughput; 131048: WhatsApp's spam
# limit; 131056: too many messages to one WhatsApp number in a short time.
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 613, 1200, 80007, 130429, 131048, 131056})
# Where Meta serves what citizens send (scontent-*.xx.fbcdn.net, lookaside.fbsbx.com).
MEDIA_HOSTS = ("fbcdn.net", "fbsbx.com")
TIMEOUT = aiohttp.ClientTimeout(total=20)


class GraphError(DeliveryFailed):
    """Graph refused a request; ``code`` is Meta's error code (131047: outside
    WhatsApp's 24-hour window), None when Graph was not reached."""

    def __init__(self, message: str, retryable: bool, retry_after: Optional[float], code: Optional[int]) -> None:
        super().__init__(message, retryable=retryable, retry_after=retry_after)
        self.code = code


class GraphApi:
    """One access token's view of the Graph API (a page's, a WhatsApp number's)."""

    def __init__(self, base_url: str, token: str, media_hosts: Collection[str] = MEDIA_HOSTS) -> None:
        self._base = f"{base_url.rstrip('/')}/{GRAPH_VERSION}"
        # In a header, not the query string: a URL ends up in logs.
        self._auth = {"Authorization": f"Bearer {token}"}
        self._media_hosts = tuple(media_hosts)
        self._session: Optional[aiohttp.ClientSession] = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to ``/{version}/{path}``; Graph's answer, or :class:`GraphError`."""
        return await self._call("POST", path, json=payload)

    async def get(self, path: str) -> dict[str, Any]:
        return await self._call("GET", path)

    async def _call(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        try:
            url = f"{self._base}/{path.lstrip('/')}"
            async with self.session.request(method, url, headers=self._auth, **kwargs) as response:
                body = await _json(response)
                if response.status < 300:
                    return body
                retry_after = _retry_after(response.headers.get("Retry-After"))
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise GraphError(f"Graph API unreachable: {error!r}", True, None, None) from None
        found = body.get("error")
        problem: dict[str, Any] = found if isinstance(found, dict) else {}
        code = problem.get("code") if isinstance(problem.get("code"), int) else None
        message = f"Graph API {status}: {problem.get('message', 'no error message')} (code {code})"
        transient = status == 429 or status >= 500 or code in TRANSIENT_CODES or problem.get("is_transient") is True
        raise GraphError(message, transient, retry_after, code)

    async def download(self, url: str, limit: int, authorised: bool = False) -> bytes:
        """A file a citizen sent, from Meta's CDN; at most ``limit`` bytes
        (``authorised``: WhatsApp's media URLs want the token).

        Only from the media hosts (a host or its subdomains) and never following
        a redirect: a forged delivery must not make us fetch from our own network.
        """
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("https", "http") or not any(
            host == h or host.endswith("." + h) for h in self._media_hosts
        ):
            raise ValueError(f"file not on Meta's CDN: {host or url[:40]!r}")
        headers = self._auth if authorised else {}
        async with self.session.get(url, headers=headers, allow_redirects=False) as response:
            if response.status >= 300:
                raise ValueError(f"download answered {response.status}")
            data = await response.content.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"file larger than {limit} bytes")
        return data

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


async def _json(response: aiohttp.ClientResponse) -> dict[str, Any]:
    try:
        body = await response.json(content_type=None)
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _retry_after(value: Optional[str]) -> Optional[float]:
    try:
        return float(value) if value else None
    except ValueError:
        return None
