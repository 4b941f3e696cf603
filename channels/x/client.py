"""tweepy's AsyncClient, sent to a configurable API address.

tweepy builds every URL on ``https://api.twitter.com``; requests go through
``client.session``, so a session that swaps the origin lets an operator use a
proxy and lets the tests use a local server, with tweepy's own request
building, OAuth 1.0a signing and error handling unchanged.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import tweepy.asynchronous
from yarl import URL

DEFAULT_API_URL = "https://api.twitter.com"
TIMEOUT = aiohttp.ClientTimeout(total=20)


class RebasedSession:
    """The one method tweepy calls on its session, with the origin replaced."""

    def __init__(self, base_url: str) -> None:
        self._base = URL(base_url)
        self._session = aiohttp.ClientSession(timeout=TIMEOUT)

    def request(self, method: str, url: Any, **kwargs: Any) -> Any:
        original = url if isinstance(url, URL) else URL(str(url), encoded=True)
        rebased = URL.build(
            scheme=self._base.scheme,
            host=self._base.host or "",
            port=self._base.explicit_port,
            path=self._base.raw_path.rstrip("/") + original.raw_path,
            query_string=original.raw_query_string,
            encoded=True,
        )
        return self._session.request(method, rebased, **kwargs)

    async def close(self) -> None:
        await self._session.close()


def x_client(
    consumer_key: str, consumer_secret: str, access_token: str, access_token_secret: str, api_url: str
) -> tuple[tweepy.asynchronous.AsyncClient, RebasedSession]:
    """An AsyncClient acting as the municipality's account (OAuth 1.0a user context)."""
    client = tweepy.asynchronous.AsyncClient(
        consumer_key=consumer_key,
        consumer_secret=consumer_secret,
        access_token=access_token,
        access_token_secret=access_token_secret,
        # Rate limits are the outbox's to honour: waiting here would hold a worker.
        wait_on_rate_limit=False,
    )
    session = RebasedSession(api_url)
    client.session = session
    return client, session
