"""Pages the gateway serves itself: the demo municipal page, health and readiness."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Awaitable, Callable

import aiohttp_jinja2
from aiohttp import web

from bot.profile import MunicipalityProfile

ReadinessCheck = Callable[[], Awaitable[dict[str, bool]]]
STATIC = Path(__file__).parent / "static"


def page_routes(profile: MunicipalityProfile, readiness: ReadinessCheck) -> list[web.AbstractRouteDef]:
    @aiohttp_jinja2.template("demo.html")
    async def demo(request: web.Request) -> dict[str, Any]:
        return {"profile": profile}

    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(request: web.Request) -> web.Response:
        checks = await readiness()
        ready = all(checks.values())
        return web.json_response(
            {"status": "ready" if ready else "not ready", "checks": checks},
            status=200 if ready else 503,
        )

    return [
        web.get("/", demo),
        web.get("/healthz", healthz),
        web.get("/readyz", readyz),
        web.static("/static", STATIC),
    ]
