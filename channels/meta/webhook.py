"""How Meta proves a webhook is its own, for every Meta channel.

At subscription Meta sends a ``GET`` with ``hub.mode=subscribe``, our
``hub.verify_token`` and a ``hub.challenge`` to echo. Every delivery after is
signed with ``X-Hub-Signature-256``: the HMAC-SHA256 of the raw body under the
app secret. The legacy SHA-1 ``X-Hub-Signature`` alone is not accepted.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.web.http import HttpProblem
from channels.signatures import hmac_sha256, require_signature

SIGNATURE_HEADER = "X-Hub-Signature-256"


@dataclass(frozen=True)
class MetaWebhook:
    app_secret: str
    verify_token: str

    async def verify(self, request: web.Request) -> web.Response:
        """Meta's subscription check: echo the challenge when the token is ours."""
        query = request.query
        if query.get("hub.mode") != "subscribe" or "hub.challenge" not in query:
            raise HttpProblem(400, "expected hub.mode=subscribe with hub.challenge")
        require_signature(query.get("hub.verify_token", ""), self.verify_token)
        return web.Response(text=query["hub.challenge"])

    def authenticate(self, request: web.Request, body: bytes) -> None:
        expected = "sha256=" + hmac_sha256(self.app_secret, body).hex()
        require_signature(request.headers.get(SIGNATURE_HEADER, ""), expected)
