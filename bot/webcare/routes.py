"""The webcare inbox over HTTP: login, the inbox page, its JSON API and live socket."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any, Callable, Optional

import aiohttp_jinja2
from aiohttp import WSCloseCode, WSMsgType, web

from bot.audit import AuditLog
from bot.events import EventBus
from bot.learning.review import ReviewQueue
from bot.media import MediaStore
from bot.throttle import Throttle
from bot.web.http import ClientAddress, HttpProblem, read_json_object
from bot.webcare.auth import (
    COOKIE_PATH,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    StaffAuth,
    new_login_csrf,
    safe_next,
    same_token,
)
from bot.webcare.canned import CannedError
from bot.webcare.desk import DeskError, WebcareDesk
from bot.webcare.gate import INBOX_TOPIC
from bot.webcare.staff import SESSION_LIFETIME, StaffSession

STATIC = Path(__file__).parent / "static"
# How often an open inbox socket checks that its session still holds (an
# admin may disable the account from another process), and its close code.
SESSION_CHECK_SECONDS = 10
SESSION_ENDED = 4401
MAX_REPLY_LENGTH = 4000


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


LOCKED = "Te vaak een verkeerd wachtwoord. Probeer het over 15 minuten weer."
TOO_MANY_FROM_HERE = "Te veel mislukte inlogpogingen vanaf dit adres. Probeer het over tien minuten weer."


def webcare_routes(
    desk: WebcareDesk,
    auth: StaffAuth,
    bus: EventBus,
    media: MediaStore,
    audit: AuditLog,
    review: ReviewQueue,
    throttle: Throttle,
    client_address: ClientAddress,
) -> list[web.AbstractRouteDef]:
    async def login_page(request: web.Request, error: str = "", status: int = 200, next_path: str = "") -> web.Response:
        token = new_login_csrf()
        response = aiohttp_jinja2.render_template(
            "webcare/login.html",
            request,
            {"csrf": token, "error": error, "next": safe_next(next_path or request.query.get("next"))},
            status=status,
        )
        auth.set_cookie(response, LOGIN_CSRF_COOKIE, token)
        return response

    async def show_login(request: web.Request) -> web.Response:
        return await login_page(request)

    async def login(request: web.Request) -> web.Response:
        form = await request.post()
        if not same_token(form.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE, "")):  # type: ignore[arg-type]
            raise web.HTTPForbidden(reason="CSRF-token ontbreekt of klopt niet")
        username = str(form.get("username", "")).strip().lower()
        next_path = safe_next(form.get("next"))
        client = client_address(request)
        # Failures are counted per address (a colleague who logs in is never
        # held up by the office's shared address) and per username, whether the
        # account exists or not, so a locked account and an unknown name answer alike.
        if await throttle.exhausted("login_failure_per_client", client):
            return await login_page(request, TOO_MANY_FROM_HERE, 429, next_path)
        if await throttle.exhausted("login_failure_per_username", username):
            return await login_page(request, LOCKED, 429, next_path)
        result = await desk.staff.login(username, str(form.get("password", "")))
        if result.token is None:
            await throttle.allow("login_failure_per_client", client)
            await throttle.allow("login_failure_per_username", username)
            locked = result.locked or await throttle.exhausted("login_failure_per_username", username)
            # What was typed as an unknown username may be a password in the wrong field.
            await audit.record(username if result.known else "?", "login_failed", "", {"locked": locked})
            if locked:
                return await login_page(request, LOCKED, 429, next_path)
            return await login_page(request, "Gebruikersnaam of wachtwoord klopt niet.", 401, next_path)
        await audit.record(username, "login")
        response = web.HTTPSeeOther(next_path)
        auth.set_cookie(response, SESSION_COOKIE, result.token, int(SESSION_LIFETIME.total_seconds()))
        response.del_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
        raise response

    async def logout(request: web.Request, session: StaffSession) -> web.Response:
        await desk.staff.logout(request.cookies[SESSION_COOKIE])
        for socket in list(sockets.get(request.cookies[SESSION_COOKIE], ())):
            await end(socket)
        await audit.record(session.member.username, "logout")
        response = web.HTTPSeeOther("/webcare/login")
        response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)
        raise response

    async def inbox(request: web.Request, session: StaffSession) -> web.Response:
        return aiohttp_jinja2.render_template(
            "webcare/inbox.html",
            request,
            {"member": session.member, "csrf": session.csrf_token, "profile": desk.profile},
        )

    async def canned_page(request: web.Request, session: StaffSession, error: str = "") -> web.Response:
        return aiohttp_jinja2.render_template(
            "webcare/canned.html",
            request,
            {"member": session.member, "csrf": session.csrf_token, "canned": await desk.canned.all(), "error": error},
            status=400 if error else 200,
        )

    async def show_canned(request: web.Request, session: StaffSession) -> web.Response:
        return await canned_page(request, session)

    async def save_canned(request: web.Request, session: StaffSession) -> web.Response:
        form = await request.post()
        canned_id = str(form.get("id", ""))
        try:
            if form.get("delete"):
                await desk.canned.delete(int(canned_id))
            else:
                await desk.canned.save(
                    str(form.get("title", "")), str(form.get("text", "")), int(canned_id) if canned_id else None
                )
        except (CannedError, ValueError) as error:
            return await canned_page(request, session, str(error))
        raise web.HTTPSeeOther("/webcare/canned")

    def acting(action: Callable[..., Any], audited: Optional[str] = None) -> Callable[[web.Request, StaffSession], Any]:
        """A desk action as JSON; ``audited`` names it in the audit log when it succeeds."""

        async def handler(request: web.Request, session: StaffSession) -> web.Response:
            try:
                result = await action(request, session)
            except DeskError as error:
                raise HttpProblem(error.status, error.message) from None
            if audited:
                await audit.record(session.member.username, audited, request.match_info.get("id", ""))
            return web.json_response(result if result is not None else {"ok": True})

        return handler

    async def queue(request: web.Request, session: StaffSession) -> dict[str, Any]:
        return {**await desk.queue(), "me": {"id": session.member.id, "initials": session.member.initials}}

    async def colleagues(request: web.Request, session: StaffSession) -> list[dict[str, Any]]:
        return [{"id": m.id, "name": m.display_name, "initials": m.initials} for m in await desk.staff.all()]

    async def conversation(request: web.Request, session: StaffSession) -> dict[str, Any]:
        return await desk.view(request.match_info["id"], session.member)

    async def claim(request: web.Request, session: StaffSession) -> None:
        await desk.claim(request.match_info["id"], session.member)

    async def transfer(request: web.Request, session: StaffSession) -> None:
        body = await read_json_object(request)
        await desk.transfer(request.match_info["id"], session.member, _int(body, "to"))

    async def reply(request: web.Request, session: StaffSession) -> None:
        body = await read_json_object(request)
        await desk.reply(request.match_info["id"], session.member, _text(body, "text"))

    async def note(request: web.Request, session: StaffSession) -> None:
        body = await read_json_object(request)
        await desk.note(request.match_info["id"], session.member, _text(body, "text"))

    async def close(request: web.Request, session: StaffSession) -> None:
        body = await read_json_object(request)
        back_to_bot = body.get("back_to_bot", True)
        if not isinstance(back_to_bot, bool):
            raise HttpProblem(400, "'back_to_bot' must be true or false")
        await desk.close(request.match_info["id"], session.member, _int(body, "last_seen"), back_to_bot)

    async def flag(request: web.Request, session: StaffSession) -> None:
        """Send a citizen's message to the admins' review queue."""
        body = await read_json_object(request)
        if not await review.flag(request.match_info["id"], _int(body, "message_id"), session.member.id):
            raise HttpProblem(404, "Dit bericht van de inwoner bestaat niet in dit gesprek.")

    async def photo(request: web.Request, session: StaffSession) -> web.FileResponse:
        """A photo a citizen sent, for colleagues only: never cached or shared."""
        path = media.path(request.match_info["id"])
        if path is None:
            raise HttpProblem(404, "Deze foto bestaat niet (meer).")
        return web.FileResponse(
            path,
            headers={
                "Content-Type": media.mime_type(request.match_info["id"]),
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    # Each colleague's open inbox sockets by session cookie, so logging out closes them.
    sockets: dict[str, set[web.WebSocketResponse]] = {}
    # Why a socket is being closed from another task: the handler closes it with
    # this code itself (aiohttp would otherwise close it with 1000 first).
    ending: dict[web.WebSocketResponse, int] = {}

    async def end(socket: web.WebSocketResponse) -> None:
        ending[socket] = SESSION_ENDED
        await socket.close(code=SESSION_ENDED, message=b"session ended")

    async def live(request: web.Request, session: StaffSession) -> web.WebSocketResponse:
        """Queue and conversation changes, from every gateway process, as they happen.
        The socket closes when its session ends (logout, a disabled account, expiry)."""
        origin = request.headers.get("Origin")
        if origin is not None and origin.split("://", 1)[-1] != request.host:
            raise web.HTTPForbidden(reason="andere herkomst")
        cookie = request.cookies[SESSION_COOKIE]
        socket = web.WebSocketResponse(heartbeat=25)
        await socket.prepare(request)

        async def forward(event: dict[str, Any]) -> None:
            if not socket.closed:
                await socket.send_str(json.dumps(event))

        async def watch_session() -> None:
            while not socket.closed:
                await asyncio.sleep(SESSION_CHECK_SECONDS)
                if await auth.session(request) is None:
                    await end(socket)

        unsubscribe = bus.subscribe(INBOX_TOPIC, forward)
        sockets.setdefault(cookie, set()).add(socket)
        watcher = asyncio.create_task(watch_session())
        try:
            async for frame in socket:
                if frame.type == WSMsgType.ERROR:
                    break
        finally:
            unsubscribe()
            watcher.cancel()
            sockets.get(cookie, set()).discard(socket)
            if not sockets.get(cookie):
                sockets.pop(cookie, None)
            await socket.close(code=ending.pop(socket, WSCloseCode.OK))
        return socket

    api = auth.api
    base = "/webcare/api/conversations/{id:[0-9a-f]{32}}"
    return [
        web.get("/webcare/login", show_login),
        web.post("/webcare/login", login),
        web.post("/webcare/logout", auth.page(logout)),
        web.get("/webcare", auth.page(inbox)),
        web.get("/webcare/canned", auth.page(show_canned, admin=True)),
        web.post("/webcare/canned", auth.page(save_canned, admin=True)),
        web.get("/webcare/ws", api(live)),
        web.get("/webcare/api/queue", api(acting(queue))),
        web.get("/webcare/api/staff", api(acting(colleagues))),
        web.get("/webcare/api/media/{id}", api(photo)),
        web.get(base, api(acting(conversation))),
        web.post(base + "/claim", api(acting(claim, "claim"))),
        web.post(base + "/transfer", api(acting(transfer, "transfer"))),
        web.post(base + "/reply", api(acting(reply, "reply"))),
        web.post(base + "/notes", api(acting(note))),
        web.post(base + "/close", api(acting(close, "close"))),
        web.post(base + "/flag", api(acting(flag, "flag"))),
        web.static("/webcare/static", STATIC),
    ]
