"""HTTP plumbing shared by webhooks and APIs: JSON errors, bodies, bearer tokens."""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any, Awaitable, Callable, Mapping, Optional

from aiohttp import web

logger = logging.getLogger(__name__)

JSON_BODY_LIMIT = 64 * 1024

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpProblem(Exception):
    """A request the application refuses; answered as ``{"error": message}``."""

    def __init__(self, status: int, message: str, headers: Optional[Mapping[str, str]] = None):
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


def problem_response(status: int, message: str, headers: Optional[Mapping[str, str]] = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


@web.middleware
async def json_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error leaves as JSON with the right status; nothing leaks a traceback."""
    try:
        return await handler(request)
    except HttpProblem as problem:
        return problem_response(problem.status, problem.message, problem.headers)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        allow = {"Allow": error.headers["Allow"]} if "Allow" in error.headers else {}
        return problem_response(error.status, error.reason, allow)
    except Exception:
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return problem_response(500, "internal error")


async def read_body(request: web.Request, limit: int, too_large: HttpProblem) -> bytes:
    """The whole body, refused with ``too_large`` once it passes ``limit`` bytes."""
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    body = bytearray()
    # StreamReader.read(n) returns what has arrived, not n bytes: read to the end.
    while len(body) <= limit:
        chunk = await request.content.read(256 * 1024)
        if not chunk:
            return bytes(body)
        body += chunk
    raise too_large


async def read_json_object(request: web.Request, limit: int = JSON_BODY_LIMIT) -> dict[str, Any]:
    """The request's JSON object body; 413 when larger than ``limit``, 400 when not JSON."""
    return json_object(await read_body(request, limit, HttpProblem(413, f"request body larger than {limit} bytes")))


class NotJson(ValueError):
    """Text that is not JSON we read."""


class TooDeep(NotJson):
    """JSON nested deeper than Python's parser recurses: no client of ours sends it."""


def parse_json(text: str | bytes) -> Any:
    """``text`` as JSON. Deep nesting ("[[[[…", 30,000 deep) makes the parser
    recurse until RecursionError; that is malformed input, not our failure."""
    try:
        return json.loads(text)
    except ValueError:
        raise NotJson("not valid JSON") from None
    except RecursionError:
        raise TooDeep("JSON nested too deep") from None


def json_object(body: bytes) -> dict[str, Any]:
    """``body`` parsed as a JSON object; 400 when it is not one."""
    try:
        data = parse_json(body)
    except NotJson:
        raise HttpProblem(400, "request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise HttpProblem(400, "request body must be a JSON object")
    return data


class ClientAddress:
    """Who sent a request, for rate limits: the peer, or behind a trusted
    reverse proxy the address it appended last to ``X-Forwarded-For`` (the
    earlier entries are whatever the client claimed)."""

    def __init__(self, trust_forwarded_for: bool) -> None:
        self._trust = trust_forwarded_for

    def __call__(self, request: web.Request) -> str:
        if self._trust:
            hops = [hop.strip() for value in request.headers.getall("X-Forwarded-For", []) for hop in value.split(",")]
            if hops and hops[-1]:
                return hops[-1]
        return request.remote or "unknown"


def require_bearer_token(request: web.Request, token: str) -> None:
    """401 unless the request carries ``Authorization: Bearer <token>``."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise HttpProblem(401, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
