"""The Graph Send API over aiohttp, with Meta's errors sorted into retry or give up."""

from __future__ import annotations

import asyncio
from typing import Any, Collection, Optional
from urllib.parse import urlsplit

import aiohttp

from bot.messages import DeliveryFailed

GRAPH_VERSION = "v21.0"
# Graph's throttling and temporary-failure codes; it reports them with HTTP 400 too.
TRANSIENT_CODES = {1, 2, 4, 17, 32, 613, 1200}
TIMEOUT = aiohttp.ClientTimeout(total=20)


class GraphSendApi:
    def __init__(self, base_url: str, page_token: str) -> None:
        self._url = f"{base_url}/{GRAPH_VERSION}/me/messages"
        self._token = page_token
        self._session: Optional[aiohttp.ClientSession] = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def send(self, payload: dict[str, Any]) -> None:
        try:
            async with self.session.post(self._url, params={"access_token": self._token}, json=payload) as response:
                if response.status < 300:
                    return
                body = await _json(response)
                retry_after = _retry_after(response.headers.get("Retry-After"))
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise DeliveryFailed(f"Graph API unreachable: {error!r}", retryable=True) from None
        found = body.get("error")
        problem: dict[str, Any] = found if isinstance(found, dict) else {}
        message = f"Graph API {status}: {problem.get('message', 'no error message')} (code {problem.get('code')})"
        transient = (
            status == 429 or status >= 500 or problem.get("code") in TRANSIENT_CODES or problem.get("is_transient")
        )
        raise DeliveryFailed(message, retryable=bool(transient), retry_after=retry_after)

    async def download(self, url: str, limit: int, hosts: Collection[str]) -> bytes:
        """A photo a citizen sent, from Meta's CDN; at most ``limit`` bytes.

        Only from ``hosts`` (a host or its subdomains) and never following a
        redirect: a forged delivery must not make us fetch from our own network.
        """
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("https", "http") or not any(host == h or host.endswith("." + h) for h in hosts):
            raise ValueError(f"photo not on Meta's CDN: {host or url[:40]!r}")
        async with self.session.get(url, allow_redirects=False) as response:
            if response.status >= 300:
                raise ValueError(f"photo download answered {response.status}")
            data = await response.content.read(limit + 1)
        if len(data) > limit:
            raise ValueError(f"photo larger than {limit} bytes")
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
