"""The action server: rasa-sdk's app, on loopback by default, behind a shared secret.

Rasa sends ``Authorization: Bearer <ACTION_SERVER_TOKEN>`` with every call
(bot/engine/rasa_endpoints.py); anything else is refused, so nobody on the
network can run an action with a made-up tracker. ``/health`` stays open for
probes. Listening beyond loopback (``ACTION_SERVER_HOST``) needs the token
set explicitly, shared with the gateway.

    python -m actions.server --port 5055
"""

from __future__ import annotations

import argparse
import hmac
import ipaddress
import logging
import os
from typing import Optional, Sequence

from sanic import Sanic, response
from sanic.request import Request

from bot.settings import Settings

logger = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health"})


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def require_token(app: Sanic, token: str) -> None:
    """Every request but the health check must carry ``token`` as bearer token."""
    expected = f"Bearer {token}".encode()

    @app.middleware("request")
    async def authenticate(request: Request) -> Optional[response.HTTPResponse]:
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get("authorization", "").encode()
        if not hmac.compare_digest(given, expected):
            return response.json({"error": "missing or wrong action server token"}, status=401)
        return None


def create_app(token: str) -> Sanic:
    from rasa_sdk.endpoint import create_app as create_sdk_app

    # No CORS: only Rasa calls the action server, never a browser.
    app = create_sdk_app("actions", cors_origins=None)
    require_token(app, token)
    return app


def main(argv: Optional[Sequence[str]] = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=5055)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    host = settings.action_host
    if not is_loopback(host) and not settings.action_token_set:
        raise SystemExit(
            f"ACTION_SERVER_HOST={host} is reachable from the network: set ACTION_SERVER_TOKEN "
            "(the same value for the gateway) before the action server listens there"
        )
    from bot.logs import configure_logging

    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    logger.info("action server on http://%s:%d (token required)", host, args.port)
    create_app(settings.action_token).run(host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
