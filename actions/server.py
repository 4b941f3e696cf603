"""The action server: rasa-sdk's executor in a small app of ours, on loopback by
default, behind a shared secret.

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
import json
import logging
import zlib
from typing import Iterable, Optional, Sequence

from rasa_sdk import Action, utils
from rasa_sdk.executor import ActionExecutor
from rasa_sdk.interfaces import ActionExecutionRejection, ActionNotFoundException
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from actions.registry import actions_with
from actions.services import build_services
from bot.logs import configure_logging
from bot.municipality import load_municipality
from bot.settings import Settings, is_loopback
from bot.store import Database

logger = logging.getLogger(__name__)

OPEN_PATHS = frozenset({"/health"})


def authorised(request: Request, expected: bytes) -> bool:
    if request.path in OPEN_PATHS:
        return True
    return hmac.compare_digest(request.headers.get("authorization", "").encode(), expected)


def create_app(token: str, actions: Iterable[Action]) -> Sanic:
    """rasa-sdk's webhook for ``actions``, made by us so that every action gets
    its services at start (rasa-sdk's own app makes actions without arguments).
    No CORS: only Rasa calls the action server, never a browser."""
    executor = ActionExecutor()
    for action in actions:
        executor.register_action(action)
    app = Sanic("dorpspomp_actions", configure_logging=False)
    expected = f"Bearer {token}".encode()

    @app.middleware("request")
    async def authenticate(request: Request) -> Optional[HTTPResponse]:
        if authorised(request, expected):
            return None
        return response.json({"error": "missing or wrong action server token"}, status=401)

    @app.get("/health")
    async def health(_: Request) -> HTTPResponse:
        return response.json({"status": "ok"})

    @app.get("/actions")
    async def listed(_: Request) -> HTTPResponse:
        return response.json([{"name": name} for name in executor.actions])

    @app.post("/webhook")
    async def webhook(request: Request) -> HTTPResponse:
        body = request.body
        if request.headers.get("Content-Encoding") == "deflate":
            body = zlib.decompress(body)
        try:
            call = json.loads(body)
        except (ValueError, RecursionError):
            call = None
        if not isinstance(call, dict):
            return response.json({"error": "Invalid body request"}, status=400)
        utils.check_version_compatibility(call.get("version"))
        try:
            return response.json(await executor.run(call))
        except ActionExecutionRejection as rejection:
            return response.json({"error": rejection.message, "action_name": rejection.action_name}, status=400)
        except ActionNotFoundException as missing:
            logger.error("%s", missing)
            return response.json({"error": missing.message, "action_name": missing.action_name}, status=404)

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
    configure_logging(settings.log_level, settings.log_format)
    services = build_services(settings, load_municipality(settings), Database(settings.database_url))
    logger.info("action server on http://%s:%d (token required)", host, args.port)
    create_app(settings.action_token, actions_with(services)).run(host, args.port, workers=1, access_log=False)


if __name__ == "__main__":
    main()
