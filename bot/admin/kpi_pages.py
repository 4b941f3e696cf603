"""The KPI dashboard: figures of a period as charts with their tables, and as CSV."""

from __future__ import annotations

from datetime import date
from typing import Optional

from aiohttp import web

from bot.admin.desk import AdminDesk, render
from bot.clock import utcnow
from bot.contract import HandoffReason
from bot.kpi import charts
from bot.kpi.figures import KpiReport
from bot.web.http import HttpProblem
from bot.webcare.staff import StaffSession

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


def _handoff_reason(reason: str) -> str:
    return HANDOFF_REASONS.get(reason, reason)


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _day(request: web.Request, name: str) -> Optional[date]:
    text = request.query.get(name)
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        raise HttpProblem(400, "Datums zijn JJJJ-MM-DD, bijvoorbeeld 2026-11-01.") from None


def _period(request: web.Request, report: KpiReport) -> tuple[date, date]:
    start, end = report.period(_day(request, "from"), _day(request, "to"), utcnow())
    if start > end:
        raise HttpProblem(400, "De begindatum ligt na de einddatum.")
    if (end - start).days >= MAX_KPI_DAYS:
        raise HttpProblem(400, f"Kies een periode van hoogstens {MAX_KPI_DAYS} dagen.")
    return start, end


class KpiPages:
    def __init__(self, desk: AdminDesk) -> None:
        self._desk = desk

    async def show(self, request: web.Request, session: StaffSession) -> web.Response:
        start, end = _period(request, self._desk.kpi)
        figures = await self._desk.kpi.figures(start, end)
        return render(
            "kpi",
            request,
            session,
            figures=figures,
            minutes=charts.minutes,
            colour=self._desk.channels.colour,
            channel_name=self._desk.channels.title,
            per_day=charts.messages_per_day(figures),
            bar_charts=[
                charts.bar_chart("Gesprekken per kanaal", figures.conversations_per_channel, self._desk.channels.title),
                charts.bar_chart("Onderwerpen", figures.topics, self._desk.topic_label),
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

    async def csv(self, request: web.Request, session: StaffSession) -> web.Response:
        start, end = _period(request, self._desk.kpi)
        figures = await self._desk.kpi.figures(start, end)
        await self._desk.audit.record(session.member.username, "export", f"kpi {start}..{end}")
        return web.Response(
            text=figures.csv(),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="dorpspomp-kpi-{start}-{end}.csv"'},
        )
