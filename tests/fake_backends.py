"""Local HTTP servers that speak the documented APIs of Signalen and Open311 GeoReport v2.

They check what Dorpspomp sends as the real systems would (GeoJSON order,
text limits, required fields) and can be told to fail for a while.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Optional

from aiohttp import web

from tests.support import free_port


@dataclass
class Failure:
    status: int
    retry_after: Optional[str] = None
    path_contains: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    body: Optional[dict[str, Any]] = None


@dataclass
class FakeServer:
    """Common plumbing: a queue of failures to answer first, and a running server."""

    failures: deque[Failure] = field(default_factory=deque)
    requests: list[tuple[str, str]] = field(default_factory=list)
    runner: Optional[web.AppRunner] = None
    url: str = ""

    def fail_next(
        self,
        times: int,
        status: int = 503,
        retry_after: Optional[str] = None,
        path_contains: str = "",
        headers: Optional[dict[str, str]] = None,
        body: Optional[dict[str, Any]] = None,
    ) -> None:
        """Answer the next ``times`` requests (to paths containing ``path_contains``)
        with ``status`` (and the platform's own error ``body`` and ``headers``)."""
        self.failures.extend(
            Failure(status, retry_after, path_contains, dict(headers or {}), body) for _ in range(times)
        )

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        if self.failures and self.failures[0].path_contains in request.path:
            failure = self.failures.popleft()
            headers = {"Retry-After": failure.retry_after} if failure.retry_after else {}
            return web.json_response(
                failure.body or {"detail": "unavailable"}, status=failure.status, headers={**headers, **failure.headers}
            )
        return await handler(request)

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    async def start(self) -> str:
        app = web.Application(middlewares=[self._middleware])
        app.add_routes(self.routes())
        self.runner = web.AppRunner(app)
        await self.runner.setup()
        port = free_port()
        await web.TCPSite(self.runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        return self.url

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()


@dataclass
class FakeSignalen(FakeServer):
    signals: dict[str, dict[str, Any]] = field(default_factory=dict)
    attachments: dict[str, list[bytes]] = field(default_factory=dict)
    arrived_at: dict[str, float] = field(default_factory=dict)  # time.perf_counter() per signal

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/signals/v1/public/signals/", self.create),
            web.get("/signals/v1/public/signals/{uuid}/", self.detail),
            web.post("/signals/v1/public/signals/{uuid}/attachments/", self.attach),
        ]

    def set_state(self, signal_id: str, state: str, text: Optional[str] = None) -> None:
        self.signals[signal_id]["status"] = {"state": state, "text": text}

    async def create(self, request: web.Request) -> web.Response:
        body = await request.json()
        errors = _signal_errors(body, self.url)
        if errors:
            return web.json_response(errors, status=400)
        signal_id = str(uuid.uuid4())
        self.signals[signal_id] = {**body, "status": {"state": "m", "state_display": "Gemeld"}}
        self.arrived_at[signal_id] = time.perf_counter()
        return web.json_response(self._detail(signal_id), status=201)

    def _detail(self, signal_id: str) -> dict[str, Any]:
        signal = self.signals[signal_id]
        return {
            "_display": f"SIG-{list(self.signals).index(signal_id) + 1}",
            "signal_id": signal_id,
            "status": signal["status"],
            "incident_date_start": signal["incident_date_start"],
        }

    async def detail(self, request: web.Request) -> web.Response:
        if request.match_info["uuid"] not in self.signals:
            return web.json_response({"detail": "Not found."}, status=404)
        return web.json_response(self._detail(request.match_info["uuid"]))

    async def attach(self, request: web.Request) -> web.Response:
        signal_id = request.match_info["uuid"]
        if signal_id not in self.signals:
            return web.json_response({"detail": "Not found."}, status=404)
        form = await request.post()
        upload = form.get("file")
        if not isinstance(upload, web.FileField):
            return web.json_response({"file": ["No file was submitted."]}, status=400)
        self.attachments.setdefault(signal_id, []).append(upload.file.read())
        return web.json_response({"_display": "attachment"}, status=201)


def _signal_errors(body: Any, base_url: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    text = body.get("text") if isinstance(body, dict) else None
    if not isinstance(text, str) or not text.strip() or len(text) > 3000:
        errors["text"] = ["A text of 1 to 3000 characters is required."]
    geometry = ((body.get("location") or {}).get("geometrie") or {}) if isinstance(body, dict) else {}
    coordinates = geometry.get("coordinates")
    if geometry.get("type") != "Point" or not (isinstance(coordinates, list) and len(coordinates) == 2):
        errors["location"] = ["A GeoJSON Point is required."]
    elif not (-180 <= coordinates[0] <= 180 and -90 <= coordinates[1] <= 90):
        errors["location"] = ["Coordinates must be [longitude, latitude]."]
    sub_category = ((body.get("category") or {}).get("sub_category") or "") if isinstance(body, dict) else ""
    if not sub_category.startswith(base_url + "/signals/v1/public/terms/categories/"):
        errors["category"] = ["A sub_category link is required."]
    if not isinstance(body, dict) or "incident_date_start" not in body or "reporter" not in body:
        errors["incident_date_start"] = ["This field is required."]
    return errors


@dataclass
class FakeOpen311(FakeServer):
    service_requests: dict[str, dict[str, Any]] = field(default_factory=dict)
    api_key: str = "open311-key"

    def routes(self) -> list[web.RouteDef]:
        return [
            web.post("/requests.json", self.create),
            web.get("/requests/{id}.json", self.detail),
        ]

    async def create(self, request: web.Request) -> web.Response:
        form = await request.post()
        if form.get("api_key") != self.api_key:
            return web.json_response([{"code": 403, "description": "Invalid api_key"}], status=403)
        missing = [f for f in ("service_code", "description", "lat", "long") if not form.get(f)]
        if missing:
            return web.json_response([{"code": 400, "description": f"{missing[0]} is required"}], status=400)
        request_id = str(1000 + len(self.service_requests))
        self.service_requests[request_id] = {**{k: str(v) for k, v in form.items()}, "status": "open"}
        return web.json_response([{"service_request_id": request_id, "service_notice": ""}])

    async def detail(self, request: web.Request) -> web.Response:
        found = self.service_requests.get(request.match_info["id"])
        if found is None:
            return web.json_response([{"code": 404, "description": "not found"}], status=404)
        return web.json_response(
            [
                {
                    "service_request_id": request.match_info["id"],
                    "status": found["status"],
                    "status_notes": found.get("status_notes"),
                }
            ]
        )
