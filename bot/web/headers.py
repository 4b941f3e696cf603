"""Security headers on every response of the gateway.

Our own pages (the staff inbox, the admin pages, the demo page) load scripts
and styles from our origin only, cannot be framed, and send no referrer. With
an https ``PUBLIC_URL`` browsers are told to keep to https (HSTS).
The widget's files carry no CSP of their own: the host page's policy applies
to them (README, "Embedding the chat").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from bot.web.http import Handler

if TYPE_CHECKING:
    from aiohttp.typedefs import Middleware

HSTS = "max-age=31536000; includeSubDomains"


def page_policy(host: str) -> str:
    """The CSP of our HTML pages; websockets named, as older browsers do not read 'self' as ws:."""
    return "; ".join(
        (
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            # Answers may show an image from the municipality's own site.
            "img-src 'self' data: https:",
            f"connect-src 'self' ws://{host} wss://{host}",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        )
    )


def security_headers(https: bool) -> Middleware:
    def add(request: web.Request, response: web.StreamResponse) -> None:
        if response.prepared:  # a websocket, already under way
            return
        headers = response.headers
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "no-referrer")
        if response.content_type == "text/html":
            headers.setdefault("Content-Security-Policy", page_policy(request.host))
            headers.setdefault("X-Frame-Options", "DENY")
        if https:
            headers.setdefault("Strict-Transport-Security", HSTS)

    @web.middleware
    async def add_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as redirect:  # raised redirects are responses too
            add(request, redirect)
            raise
        add(request, response)
        return response

    return add_headers
