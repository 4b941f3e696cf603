"""Training runs: start one, follow it, promote or reject its model."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.admin.desk import AdminDesk, render
from bot.engine import EngineError
from bot.learning.runs import FAILED, RunError
from bot.web.http import HttpProblem
from bot.webcare.staff import StaffSession

logger = logging.getLogger(__name__)


def _run_id(request: web.Request) -> int:
    return int(request.match_info["id"])


class TrainingPages:
    def __init__(self, desk: AdminDesk) -> None:
        self._desk = desk

    async def _page(
        self, request: web.Request, session: StaffSession, error: str = "", status: int = 200
    ) -> web.Response:
        runs = await self._desk.runs.latest()
        return render(
            "training",
            request,
            session,
            status,
            runs=runs,
            active=await self._desk.runs.active_model(),
            running=next((r for r in runs if r.state == "running"), None),
            allowed_drop=self._desk.settings.allowed_f1_drop,
            error=error,
        )

    async def show(self, request: web.Request, session: StaffSession) -> web.Response:
        return await self._page(request, session)

    async def start(self, request: web.Request, session: StaffSession) -> web.Response:
        form = await request.post()
        promote = "auto" if form.get("promote") == "auto" else "no"
        try:
            run = await self._desk.runs.start(session.member.username)
        except RunError as error:
            return await self._page(request, session, str(error), 409)
        await self._desk.audit.record(session.member.username, "training", f"run {run.id}", {"promote": promote})
        try:
            await self._desk.launcher.launch(run.id, promote)
        except EngineError as error:
            logger.error("could not start training run %s: %s", run.id, error)
            error_text = "kon de training niet starten: de dialoogmotor antwoordt niet"
            await self._desk.runs.update(run.id, state=FAILED, stage="mislukt", error=error_text)
        raise web.HTTPSeeOther("/admin/training")

    async def promote(self, request: web.Request, session: StaffSession) -> web.Response:
        try:
            run = await self._desk.runs.promote(_run_id(request))
        except RunError as error:
            return await self._page(request, session, str(error), 409)
        await self._desk.audit.record(session.member.username, "promotion", run.model or "", {"run": run.id})
        raise web.HTTPSeeOther("/admin/training")

    async def reject(self, request: web.Request, session: StaffSession) -> web.Response:
        run_id = _run_id(request)
        try:
            await self._desk.runs.reject(run_id)
        except RunError as error:
            return await self._page(request, session, str(error), 409)
        await self._desk.audit.record(session.member.username, "rejection", f"run {run_id}", {"run": run_id})
        raise web.HTTPSeeOther("/admin/training")

    async def status(self, request: web.Request, session: StaffSession) -> web.Response:
        run = await self._desk.runs.get(_run_id(request))
        if run is None:
            raise HttpProblem(404, "Deze training bestaat niet.")
        return web.json_response({"id": run.id, "state": run.state, "stage": run.stage})
