"""Tells a citizen, in the conversation they reported from, that their report moved on."""

from __future__ import annotations

from bot.messages import Reply
from bot.outreach import Outreach
from bot.profile import MunicipalityProfile
from bot.reports.settings import ReportSettings
from bot.reports.store import Report


class ReportNotifier:
    def __init__(self, outreach: Outreach, profile: MunicipalityProfile, reports: ReportSettings) -> None:
        self.outreach = outreach
        self.profile = profile
        self.reports = reports

    def replies(self, report: Report, language: str) -> list[Reply]:
        news = self.profile.text(
            "report_status_changed",
            language,
            reference=report.reference,
            category=self.reports.label(report.service_code, language).lower(),
            status=self.reports.status(report.status, language),
        )
        if report.status_notes:
            news += " " + self.profile.text("report_status_notes", language, notes=report.status_notes)
        return [Reply(news)]

    async def report_status_changed(self, report: Report) -> None:
        if report.conversation_id is not None:
            language = await self.outreach.language(report.conversation_id)
            await self.outreach.push(report.conversation_id, self.replies(report, language))
