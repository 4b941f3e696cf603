"""Every HTTP route of the webcare inbox, in one table: the login, the pages,
the JSON API and the live socket, each to a handler of a small class."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.audit import AuditLog
from bot.events import EventBus
from bot.learning.review import ReviewQueue
from bot.media import MediaStore
from bot.throttle import Throttle
from bot.web.http import ClientAddress
from bot.web.sockets import OpenSockets
from bot.webcare.api import DeskApi
from bot.webcare.auth import StaffAuth
from bot.webcare.desk import WebcareDesk
from bot.webcare.live import InboxSockets
from bot.webcare.login import LoginPages
from bot.webcare.pages import StaffPages

STATIC = Path(__file__).parent / "static"
CONVERSATION = "/webcare/api/conversations/{id:[0-9a-f]{32}}"


def webcare_routes(
    desk: WebcareDesk,
    auth: StaffAuth,
    bus: EventBus,
    media: MediaStore,
    audit: AuditLog,
    review: ReviewQueue,
    throttle: Throttle,
    client_address: ClientAddress,
    open_sockets: OpenSockets,
) -> list[web.AbstractRouteDef]:
    sockets = InboxSockets(auth, bus, open_sockets)
    login = LoginPages(desk.staff, auth, audit, throttle, client_address, sockets)
    pages = StaffPages(desk)
    api = DeskApi(desk, review, media, audit)
    page, staff_api, as_json = auth.page, auth.api, api.json
    return [
        web.get("/webcare/login", login.show),
        web.post("/webcare/login", login.login),
        web.post("/webcare/logout", page(login.logout)),
        web.get("/webcare", page(pages.inbox)),
        web.get("/webcare/canned", page(pages.show_canned, admin=True)),
        web.post("/webcare/canned", page(pages.save_canned, admin=True)),
        web.get("/webcare/ws", staff_api(sockets.live)),
        web.get("/webcare/api/queue", staff_api(as_json(api.queue))),
        web.get("/webcare/api/staff", staff_api(as_json(api.colleagues))),
        web.get("/webcare/api/media/{id}", staff_api(api.photo)),
        web.get(CONVERSATION, staff_api(as_json(api.conversation))),
        web.post(CONVERSATION + "/contact", staff_api(as_json(api.contact, "contact"))),
        web.post(CONVERSATION + "/claim", staff_api(as_json(api.claim, "claim"))),
        web.post(CONVERSATION + "/transfer", staff_api(as_json(api.transfer, "transfer"))),
        web.post(CONVERSATION + "/reply", staff_api(as_json(api.reply, "reply"))),
        web.post(CONVERSATION + "/notes", staff_api(as_json(api.note))),
        web.post(CONVERSATION + "/close", staff_api(as_json(api.close, "close"))),
        web.post(CONVERSATION + "/flag", staff_api(as_json(api.flag, "flag"))),
        web.static("/webcare/static", STATIC),
    ]
