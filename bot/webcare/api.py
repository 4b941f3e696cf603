"""The inbox's JSON API: each handler reads the request, asks the desk, and
answers JSON; a desk refusal becomes its HTTP status with a Dutch message."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Optional

from aiohttp import web

from bot.audit import AuditLog
from bot.learning.review import ReviewQueue
from bot.media import MediaStore
from bot.web.http import HttpProblem, read_json_object
from bot.webcare.desk import DeskError, WebcareDesk
from bot.webcare.staff import StaffSession

MAX_REPLY_LENGTH = 4000
Action = Callable[[web.Request, StaffSession], Awaitable[Any]]
Handler = Callable[[web.Request, StaffSession], Awaitable[web.StreamResponse]]


def _text(body: dict[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise HttpProblem(400, f"'{key}' must be a string")
    if len(value) > MAX_REPLY_LENGTH:
        raise HttpProblem(413, f"'{key}' is longer than {MAX_REPLY_LENGTH} characters")
    return value


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise HttpProblem(400, f"'{key}' must be a whole number")
    return value


def _conversation(request: web.Request) -> str:
    return request.match_info["id"]


class DeskApi:
    def __init__(self, desk: WebcareDesk, review: ReviewQueue, media: MediaStore, audit: AuditLog) -> None:
        self._desk = desk
        self._review = review
        self._media = media
        self._audit = audit

    def json(self, action: Action, audited: Optional[str] = None) -> Handler:
        """``action`` answered as JSON; ``audited`` names it in the audit log when it succeeds."""

        async def handler(request: web.Request, session: StaffSession) -> web.StreamResponse:
            try:
                result = await action(request, session)
            except DeskError as error:
                raise HttpProblem(error.status, error.message) from None
            if audited:
                await self._audit.record(session.member.username, audited, request.match_info.get("id", ""))
            return web.json_response(result if result is not None else {"ok": True})

        return handler

    async def queue(self, request: web.Request, session: StaffSession) -> dict[str, Any]:
        return {**await self._desk.queue(), "me": {"id": session.member.id, "initials": session.member.initials}}

    async def colleagues(self, request: web.Request, session: StaffSession) -> list[dict[str, Any]]:
        return [{"id": m.id, "name": m.display_name, "initials": m.initials} for m in await self._desk.staff.all()]

    async def conversation(self, request: web.Request, session: StaffSession) -> dict[str, Any]:
        return await self._desk.view(_conversation(request), session.member)

    async def contact(self, request: web.Request, session: StaffSession) -> dict[str, str]:
        return {"contact": await self._desk.contact(_conversation(request))}

    async def claim(self, request: web.Request, session: StaffSession) -> None:
        await self._desk.claim(_conversation(request), session.member)

    async def transfer(self, request: web.Request, session: StaffSession) -> None:
        body = await read_json_object(request)
        await self._desk.transfer(_conversation(request), session.member, _int(body, "to"))

    async def reply(self, request: web.Request, session: StaffSession) -> None:
        body = await read_json_object(request)
        await self._desk.reply(_conversation(request), session.member, _text(body, "text"))

    async def note(self, request: web.Request, session: StaffSession) -> None:
        body = await read_json_object(request)
        await self._desk.note(_conversation(request), session.member, _text(body, "text"))

    async def close(self, request: web.Request, session: StaffSession) -> None:
        body = await read_json_object(request)
        back_to_bot = body.get("back_to_bot", True)
        if not isinstance(back_to_bot, bool):
            raise HttpProblem(400, "'back_to_bot' must be true or false")
        await self._desk.close(_conversation(request), session.member, _int(body, "last_seen"), back_to_bot)

    async def flag(self, request: web.Request, session: StaffSession) -> None:
        """Send a citizen's message to the admins' review queue."""
        body = await read_json_object(request)
        if not await self._review.flag(_conversation(request), _int(body, "message_id"), session.member.id):
            raise HttpProblem(404, "Dit bericht van de inwoner bestaat niet in dit gesprek.")

    async def photo(self, request: web.Request, session: StaffSession) -> web.Response:
        """A photo a citizen sent, for colleagues only: never cached or shared."""
        media_id = request.match_info["id"]
        photo = await self._media.photo(media_id)
        if photo is None:
            raise HttpProblem(404, "Deze foto bestaat niet (meer).")
        return web.Response(
            body=photo,
            headers={
                "Content-Type": self._media.mime_type(media_id),
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )
