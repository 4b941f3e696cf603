"""``action_report_status``: a citizen asks how their report is doing."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.answers import language_of
from actions.services import WithServices
from bot.contract import Entity
from bot.reports.settings import ReportSettings
from bot.reports.store import Report, find_reference

logger = logging.getLogger(__name__)


def _line(reports: ReportSettings, report: Report, language: str) -> str:
    kind, status = reports.label(report.service_code, language), reports.status(report.status, language)
    return f"• {report.reference}: {kind}, {status}"


class ActionReportStatus(WithServices, Action):
    """Only reports made in this conversation are shown: a number alone proves nothing."""

    def name(self) -> str:
        return "action_report_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        text = (tracker.latest_message or {}).get("text") or ""
        reference = find_reference(text) or find_reference(
            next(
                (
                    e.get("value", "")
                    for e in tracker.latest_message.get("entities", [])
                    if e.get("entity") == Entity.REPORT_REFERENCE
                ),
                "",
            )
        )
        language = language_of(tracker)
        try:
            if reference:
                await self._one(dispatcher, reference, tracker.sender_id, language)
            else:
                await self._all(dispatcher, tracker.sender_id, language)
        except SQLAlchemyError:
            logger.exception("report status lookup failed")
            dispatcher.utter_message(response="utter_report_status_unavailable")
        return []

    async def _one(self, dispatcher: CollectingDispatcher, reference: str, conversation_id: str, language: str) -> None:
        found = self.services
        report = await found.report_store.by_reference(reference, conversation_id)
        if report is None:
            dispatcher.utter_message(response="utter_report_not_found", reference=reference)
            return
        dispatcher.utter_message(
            response="utter_report_status",
            reference=report.reference,
            category_label=found.reports.label(report.service_code, language),
            address=report.address or "",
            status_label=found.reports.status(report.status, language),
        )
        if report.status_notes:
            dispatcher.utter_message(response="utter_report_status_notes", notes=report.status_notes)

    async def _all(self, dispatcher: CollectingDispatcher, conversation_id: str, language: str) -> None:
        made_here = await self.services.report_store.for_conversation(conversation_id)
        if not made_here:
            dispatcher.utter_message(response="utter_report_none")
            return
        dispatcher.utter_message(
            response="utter_report_list",
            report_lines="\n".join(_line(self.services.reports, report, language) for report in made_here),
        )
