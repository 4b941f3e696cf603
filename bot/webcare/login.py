"""Logging in and out of the inbox: CSRF-checked forms, failures throttled per
address and per username, every attempt in the audit log."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.audit import AuditLog
from bot.throttle import Throttle
from bot.web.http import ClientAddress
from bot.webcare.auth import (
    COOKIE_PATH,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    StaffAuth,
    new_login_csrf,
    safe_next,
    same_token,
)
from bot.webcare.live import InboxSockets
from bot.webcare.staff import SESSION_LIFETIME, StaffSession, StaffStore

LOCKED = "Te vaak een verkeerd wachtwoord. Probeer het over 15 minuten weer."
TOO_MANY_FROM_HERE = "Te veel mislukte inlogpogingen vanaf dit adres. Probeer het over tien minuten weer."
WRONG = "Gebruikersnaam of wachtwoord klopt niet."


class LoginPages:
    def __init__(
        self,
        staff: StaffStore,
        auth: StaffAuth,
        audit: AuditLog,
        throttle: Throttle,
        client_address: ClientAddress,
        sockets: InboxSockets,
    ) -> None:
        self._staff = staff
        self._auth = auth
        self._audit = audit
        self._throttle = throttle
        self._client_address = client_address
        self._sockets = sockets

    async def _page(
        self, request: web.Request, error: str = "", status: int = 200, next_path: str = ""
    ) -> web.Response:
        token = new_login_csrf()
        response = aiohttp_jinja2.render_template(
            "webcare/login.html",
            request,
            {"csrf": token, "error": error, "next": safe_next(next_path or request.query.get("next"))},
            status=status,
        )
        self._auth.set_cookie(response, LOGIN_CSRF_COOKIE, token)
        return response

    async def show(self, request: web.Request) -> web.Response:
        return await self._page(request)

    async def login(self, request: web.Request) -> web.Response:
        form = await request.post()
        if not same_token(form.get("csrf"), request.cookies.get(LOGIN_CSRF_COOKIE, "")):  # type: ignore[arg-type]
            raise web.HTTPForbidden(reason="CSRF-token ontbreekt of klopt niet")
        username = str(form.get("username", "")).strip().lower()
        next_path = safe_next(form.get("next"))
        client = self._client_address(request)
        throttle = self._throttle
        # Failures are counted per address (a colleague who logs in is never
        # held up by the office's shared address) and per username, whether the
        # account exists or not, so a locked account and an unknown name answer alike.
        if await throttle.exhausted("login_failure_per_client", client):
            return await self._page(request, TOO_MANY_FROM_HERE, 429, next_path)
        if await throttle.exhausted("login_failure_per_username", username):
            return await self._page(request, LOCKED, 429, next_path)
        result = await self._staff.login(username, str(form.get("password", "")))
        if result.token is None:
            await throttle.allow("login_failure_per_client", client)
            await throttle.allow("login_failure_per_username", username)
            locked = result.locked or await throttle.exhausted("login_failure_per_username", username)
            # What was typed as an unknown username may be a password in the wrong field.
            await self._audit.record(username if result.known else "?", "login_failed", "", {"locked": locked})
            if locked:
                return await self._page(request, LOCKED, 429, next_path)
            return await self._page(request, WRONG, 401, next_path)
        await self._audit.record(username, "login")
        response = web.HTTPSeeOther(next_path)
        self._auth.set_cookie(response, SESSION_COOKIE, result.token, int(SESSION_LIFETIME.total_seconds()))
        response.del_cookie(LOGIN_CSRF_COOKIE, path=COOKIE_PATH)
        raise response

    async def logout(self, request: web.Request, session: StaffSession) -> web.Response:
        cookie = request.cookies[SESSION_COOKIE]
        await self._staff.logout(cookie)
        await self._sockets.end_session(cookie)
        await self._audit.record(session.member.username, "logout")
        response = web.HTTPSeeOther("/webcare/login")
        response.del_cookie(SESSION_COOKIE, path=COOKIE_PATH)
        raise response
