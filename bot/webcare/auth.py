"""Who is asking: the staff session cookie, roles and CSRF checks for the inbox.

The session cookie is HTTP-only and SameSite=Strict; every state-changing
request also carries the session's CSRF token (a form field, or the
``X-CSRF-Token`` header for the inbox's own fetches), compared in constant time.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Awaitable, Callable, Optional
from urllib.parse import quote

from aiohttp import web

from bot.webcare.staff import StaffSession, StaffStore

SESSION_COOKIE = "dp_staff"
LOGIN_CSRF_COOKIE = "dp_login_csrf"
# The inbox (/webcare) and the admin pages (/admin) share the session.
COOKIE_PATH = "/"
STAFF_SESSION = web.AppKey("staff_session", StaffSession)

StaffHandler = Callable[[web.Request, StaffSession], Awaitable[web.StreamResponse]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def same_token(given: Optional[str], expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given).encode(), expected.encode())


def safe_next(path: object) -> str:
    """Where to go after logging in: only our own staff pages, never another site."""
    text = str(path or "")
    return text if text.startswith(("/webcare", "/admin")) and "//" not in text else "/webcare"


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


class StaffAuth:
    def __init__(self, staff: StaffStore, secure_cookies: bool) -> None:
        self.staff = staff
        self.secure = secure_cookies

    def set_cookie(self, response: web.StreamResponse, name: str, value: str, max_age: Optional[int] = None) -> None:
        response.set_cookie(
            name, value, path=COOKIE_PATH, httponly=True, samesite="Strict", secure=self.secure, max_age=max_age
        )

    async def session(self, request: web.Request) -> Optional[StaffSession]:
        return await self.staff.session(request.cookies.get(SESSION_COOKIE))

    def page(self, handler: StaffHandler, admin: bool = False) -> Handler:
        """A page: without a session, off to the login page."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            session = await self.session(request)
            if session is None:
                raise web.HTTPSeeOther(f"/webcare/login?next={quote(request.path)}")
            if admin and not session.member.is_admin:
                raise web.HTTPForbidden(reason="alleen voor beheerders")
            if request.method == "POST":
                form = await request.post()
                if not same_token(form.get("csrf"), session.csrf_token):  # type: ignore[arg-type]
                    raise web.HTTPForbidden(reason="CSRF-token ontbreekt of klopt niet")
            return await handler(request, session)

        return guarded

    def api(self, handler: StaffHandler, admin: bool = False) -> Handler:
        """A JSON endpoint: 401 without a session, 403 for a wrong CSRF token or role."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            session = await self.session(request)
            if session is None:
                raise web.HTTPUnauthorized(reason="log eerst in")
            if admin and not session.member.is_admin:
                raise web.HTTPForbidden(reason="alleen voor beheerders")
            if request.method not in ("GET", "HEAD") and not same_token(
                request.headers.get("X-CSRF-Token"), session.csrf_token
            ):
                raise web.HTTPForbidden(reason="CSRF-token ontbreekt of klopt niet")
            return await handler(request, session)

        return guarded
