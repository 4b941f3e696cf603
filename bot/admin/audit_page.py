"""The audit log page: who did what, newest first (never a citizen's words)."""

from __future__ import annotations

from aiohttp import web

from bot.admin.desk import AdminDesk, render
from bot.webcare.staff import StaffSession


class AuditPage:
    def __init__(self, desk: AdminDesk) -> None:
        self._desk = desk

    async def show(self, request: web.Request, session: StaffSession) -> web.Response:
        return render("audit", request, session, entries=await self._desk.audit.latest())
