"""The inbox's own pages: the inbox itself and the canned replies admins keep."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.webcare.canned import CannedError
from bot.webcare.desk import WebcareDesk
from bot.webcare.staff import StaffSession


class StaffPages:
    def __init__(self, desk: WebcareDesk) -> None:
        self._desk = desk

    async def inbox(self, request: web.Request, session: StaffSession) -> web.Response:
        return aiohttp_jinja2.render_template(
            "webcare/inbox.html",
            request,
            {
                "member": session.member,
                "csrf": session.csrf_token,
                "profile": self._desk.profile,
                "timezone": str(self._desk.settings.timezone),
                "channels": self._desk.channels.badges(),
            },
        )

    async def _canned(self, request: web.Request, session: StaffSession, error: str = "") -> web.Response:
        return aiohttp_jinja2.render_template(
            "webcare/canned.html",
            request,
            {
                "member": session.member,
                "csrf": session.csrf_token,
                "canned": await self._desk.canned.all(),
                "error": error,
            },
            status=400 if error else 200,
        )

    async def show_canned(self, request: web.Request, session: StaffSession) -> web.Response:
        return await self._canned(request, session)

    async def save_canned(self, request: web.Request, session: StaffSession) -> web.Response:
        form = await request.post()
        canned_id = str(form.get("id", ""))
        canned = self._desk.canned
        try:
            if form.get("delete"):
                await canned.delete(int(canned_id))
            else:
                await canned.save(
                    str(form.get("title", "")), str(form.get("text", "")), int(canned_id) if canned_id else None
                )
        except (CannedError, ValueError) as error:
            return await self._canned(request, session, str(error))
        raise web.HTTPSeeOther("/webcare/canned")
