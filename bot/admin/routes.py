"""The admin pages: review queue, training and promotion, KPIs, audit log.

Admins only: an agent who opens them gets 403, a visitor the login page.
Forms post with the session's CSRF token, as in the inbox.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Callable, Optional

import aiohttp_jinja2
from aiohttp import web

from bot.admin.settings import AdminSettings
from bot.audit import AuditLog
from bot.contract import HandoffReason
from bot.kpi import charts
from bot.kpi.figures import KpiReport
from bot.learning.annotate import Annotation, NewIntent, annotate
from bot.learning.examples import ExampleError, TrainingData
from bot.learning.launcher import TrainingLauncher
from bot.learning.review import ReviewQueue
from bot.learning.runs import RunError, TrainingRuns
from bot.web.http import HttpProblem
from bot.webcare.auth import StaffAuth
from bot.webcare.staff import StaffSession

STATIC = Path(__file__).parent / "static"
KPI_DAYS = 30
MAX_KPI_DAYS = 366
HANDOFF_REASONS = {
    HandoffReason.HUMAN_HANDOFF: "vroeg om een mens",
    HandoffReason.COMPLAINT: "klacht",
    HandoffReason.SOCIAL_SUPPORT: "zorg en ondersteuning",
    HandoffReason.FALLBACK: "bot begreep het niet",
    HandoffReason.REPORT_OTHER: "melding 'overig'",
    HandoffReason.OFFER_ACCEPTED: "aanbod aangenomen",
    HandoffReason.BOT: "door de bot",
}
REASONS = {
    "fallback": "niet begrepen",
    "low_confidence": "twijfel",
    "handoff": "naar collega",
    "flagged": "door collega gemeld",
}


@dataclass(frozen=True)
class AdminDesk:
    review: ReviewQueue
    data: TrainingData
    runs: TrainingRuns
    launcher: TrainingLauncher
    kpi: KpiReport
    audit: AuditLog
    settings: AdminSettings
    topic_label: Callable[[Optional[str]], str]


def _handoff_reason(reason: str) -> str:
    return HANDOFF_REASONS.get(reason, reason)


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _period(request: web.Request) -> tuple[date, date]:
    today = date.today()
    try:
        end = date.fromisoformat(request.query["to"]) if request.query.get("to") else today
        start = (
            date.fromisoformat(request.query["from"])
            if request.query.get("from")
            else end - timedelta(days=KPI_DAYS - 1)
        )
    except ValueError:
        raise HttpProblem(400, "Datums zijn JJJJ-MM-DD, bijvoorbeeld 2026-11-01.") from None
    if start > end:
        raise HttpProblem(400, "De begindatum ligt na de einddatum.")
    if (end - start).days >= MAX_KPI_DAYS:
        raise HttpProblem(400, f"Kies een periode van hoogstens {MAX_KPI_DAYS} dagen.")
    return start, end


def admin_routes(desk: AdminDesk, auth: StaffAuth) -> list[web.AbstractRouteDef]:
    def page(name: str, request: web.Request, session: StaffSession, status: int = 200, **context: Any) -> web.Response:
        return aiohttp_jinja2.render_template(
            f"admin/{name}.html",
            request,
            {"member": session.member, "csrf": session.csrf_token, "section": name, **context},
            status=status,
        )

    async def home(request: web.Request, session: StaffSession) -> web.Response:
        raise web.HTTPSeeOther("/admin/review")

    async def review_page(
        request: web.Request, session: StaffSession, error: str = "", status: int = 200
    ) -> web.Response:
        try:
            number = int(request.query.get("page", "1"))
        except ValueError:
            number = 1
        review = await desk.review.page(number)
        return page(
            "review",
            request,
            session,
            status,
            groups=review.groups,
            page_number=review.number,
            pages=review.pages,
            first=review.first,
            intents=await asyncio.to_thread(desk.data.intents),
            reasons=REASONS,
            threshold=desk.settings.review_below_confidence,
            done=request.query.get("done", ""),
            error=error,
        )

    async def show_review(request: web.Request, session: StaffSession) -> web.Response:
        return await review_page(request, session)

    async def decide(request: web.Request, session: StaffSession) -> web.Response:
        form = await request.post()
        group = await desk.review.group(str(form.get("key", "")))
        if group is None:
            return await review_page(request, session, "Deze vraag staat niet (meer) in de rij.", 404)
        decision = str(form.get("decision", ""))
        new_intent = (
            NewIntent(
                str(form.get("new_name", "")).strip(),
                str(form.get("new_title", "")),
                str(form.get("new_answer", "")),
                str(form.get("new_short", "")),
            )
            if decision == "new_intent"
            else None
        )
        try:
            intent = await annotate(
                desk.review,
                desk.data,
                desk.audit,
                group,
                Annotation(decision, str(form.get("intent", "")) or None, new_intent),
                session.member.username,
                session.member.id,
            )
        except ExampleError as error:
            return await review_page(request, session, str(error), 400)
        raise web.HTTPSeeOther(f"/admin/review?done={intent or 'genegeerd'}")

    async def training_page(
        request: web.Request, session: StaffSession, error: str = "", status: int = 200
    ) -> web.Response:
        runs = await desk.runs.latest()
        return page(
            "training",
            request,
            session,
            status,
            runs=runs,
            active=await desk.runs.active_model(),
            running=next((r for r in runs if r.state == "running"), None),
            allowed_drop=desk.settings.allowed_f1_drop,
            error=error,
        )

    async def show_training(request: web.Request, session: StaffSession) -> web.Response:
        return await training_page(request, session)

    async def start_training(request: web.Request, session: StaffSession) -> web.Response:
        form = await request.post()
        promote = "auto" if form.get("promote") == "auto" else "no"
        try:
            run = await desk.runs.start(session.member.username)
        except RunError as error:
            return await training_page(request, session, str(error), 409)
        await desk.audit.record(session.member.username, "training", f"run {run.id}", {"promote": promote})
        await desk.launcher.launch(run.id, promote)
        raise web.HTTPSeeOther("/admin/training")

    def deciding(action: str) -> Callable[[web.Request, StaffSession], Any]:
        async def handler(request: web.Request, session: StaffSession) -> web.Response:
            run_id = int(request.match_info["id"])
            try:
                if action == "promotion":
                    run = await desk.runs.promote(run_id)
                    subject = run.model or ""
                else:
                    await desk.runs.reject(run_id)
                    subject = f"run {run_id}"
            except RunError as error:
                return await training_page(request, session, str(error), 409)
            await desk.audit.record(session.member.username, action, subject, {"run": run_id})
            raise web.HTTPSeeOther("/admin/training")

        return handler

    async def run_status(request: web.Request, session: StaffSession) -> web.Response:
        run = await desk.runs.get(int(request.match_info["id"]))
        if run is None:
            raise HttpProblem(404, "Deze training bestaat niet.")
        return web.json_response({"id": run.id, "state": run.state, "stage": run.stage})

    async def kpi_page(request: web.Request, session: StaffSession) -> web.Response:
        start, end = _period(request)
        figures = await desk.kpi.figures(start, end)
        return page(
            "kpi",
            request,
            session,
            figures=figures,
            minutes=charts.minutes,
            colour=charts.colour,
            channel_name=charts.channel_name,
            per_day=charts.messages_per_day(figures),
            bar_charts=[
                charts.bar_chart("Gesprekken per kanaal", figures.conversations_per_channel, charts.channel_name),
                charts.bar_chart("Onderwerpen", figures.topics, desk.topic_label),
                charts.bar_chart("Redenen voor overdracht", figures.handoff_reasons, _handoff_reason),
                charts.bar_chart("Meldingen per categorie", figures.reports_per_category),
                charts.bar_chart("Meldingen per status", figures.reports_per_status),
                charts.bar_chart(
                    "Aandeel",
                    {
                        "Alleen de bot": figures.bot_only_share or 0,
                        "Niet begrepen": figures.fallback_rate or 0,
                        "Naar een collega": figures.handoff_rate or 0,
                    },
                    text=_percent,
                ),
            ],
        )

    async def kpi_csv(request: web.Request, session: StaffSession) -> web.Response:
        start, end = _period(request)
        figures = await desk.kpi.figures(start, end)
        await desk.audit.record(session.member.username, "export", f"kpi {start}..{end}")
        return web.Response(
            text=figures.csv(),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="dorpspomp-kpi-{start}-{end}.csv"'},
        )

    async def audit_page(request: web.Request, session: StaffSession) -> web.Response:
        return page("audit", request, session, entries=await desk.audit.latest())

    admin = {"admin": True}
    return [
        web.get("/admin", auth.page(home, **admin)),
        web.get("/admin/review", auth.page(show_review, **admin)),
        web.post("/admin/review", auth.page(decide, **admin)),
        web.get("/admin/training", auth.page(show_training, **admin)),
        web.post("/admin/training", auth.page(start_training, **admin)),
        web.post("/admin/training/{id:[0-9]+}/promote", auth.page(deciding("promotion"), **admin)),
        web.post("/admin/training/{id:[0-9]+}/reject", auth.page(deciding("rejection"), **admin)),
        web.get("/admin/api/training/{id:[0-9]+}", auth.api(run_status, **admin)),
        web.get("/admin/kpi", auth.page(kpi_page, **admin)),
        web.get("/admin/kpi.csv", auth.page(kpi_csv, **admin)),
        web.get("/admin/audit", auth.page(audit_page, **admin)),
        web.static("/admin/static", STATIC),
    ]
