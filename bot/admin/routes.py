"""The admin pages, in one table: review queue, training and promotion, KPIs,
audit log. Admins only: an agent who opens them gets 403, a visitor the login
page. Forms post with the session's CSRF token, as in the inbox."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.admin.audit_page import AuditPage
from bot.admin.desk import AdminDesk
from bot.admin.kpi_pages import KpiPages
from bot.admin.review_pages import ReviewPages
from bot.admin.training_pages import TrainingPages
from bot.webcare.auth import Handler, StaffAuth, StaffHandler
from bot.webcare.staff import StaffSession

STATIC = Path(__file__).parent / "static"
RUN = "/admin/training/{id:[0-9]+}"


async def home(request: web.Request, session: StaffSession) -> web.Response:
    raise web.HTTPSeeOther("/admin/review")


def admin_routes(desk: AdminDesk, auth: StaffAuth) -> list[web.AbstractRouteDef]:
    review, training, kpi, audit = ReviewPages(desk), TrainingPages(desk), KpiPages(desk), AuditPage(desk)

    def page(handler: StaffHandler) -> Handler:
        return auth.page(handler, admin=True)

    return [
        web.get("/admin", page(home)),
        web.get("/admin/review", page(review.show)),
        web.post("/admin/review", page(review.decide)),
        web.get("/admin/training", page(training.show)),
        web.post("/admin/training", page(training.start)),
        web.post(RUN + "/promote", page(training.promote)),
        web.post(RUN + "/reject", page(training.reject)),
        web.get("/admin/api/training/{id:[0-9]+}", auth.api(training.status, admin=True)),
        web.get("/admin/kpi", page(kpi.show)),
        web.get("/admin/kpi.csv", page(kpi.csv)),
        web.get("/admin/audit", page(audit.show)),
        web.static("/admin/static", STATIC),
    ]
