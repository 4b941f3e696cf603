"""Sending a confirmed report, and clearing a report the citizen stopped."""

from __future__ import annotations

import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.answers import language_of
from actions.handoff import hand_off
from actions.services import WithServices
from bot.contract import REPORT_SLOTS, HandoffReason, Slot
from bot.reports.store import NewReport

logger = logging.getLogger(__name__)

OTHER_CATEGORY = "overig/overig"  # fits nowhere: a colleague looks at it in person


def cleared_report() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in REPORT_SLOTS]


def new_report(tracker: Tracker) -> NewReport:
    location = tracker.get_slot(Slot.REPORT_LOCATION) or {}
    contact = tracker.get_slot(Slot.REPORT_CONTACT) or {}
    return NewReport(
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "unknown",
        service_code=tracker.get_slot(Slot.REPORT_CATEGORY) or OTHER_CATEGORY,
        description=tracker.get_slot(Slot.REPORT_DESCRIPTION) or "",
        latitude=location.get("latitude"),
        longitude=location.get("longitude"),
        address=location.get("address"),
        media=list(tracker.get_slot(Slot.REPORT_PHOTO) or []),
        contact_email=contact.get("value") if contact.get("kind") == "email" else None,
        contact_phone=contact.get("value") if contact.get("kind") == "phone" else None,
    )


class ActionSubmitReport(WithServices, Action):
    """Commits the report (and its forwarding job) before saying it was received."""

    def name(self) -> str:
        return "action_submit_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        found = self.services
        try:
            report = await found.report_store.submit(new_report(tracker), forward=found.reports.backend.kind != "none")
        except SQLAlchemyError:
            logger.exception("report of conversation %s not stored", tracker.sender_id)
            dispatcher.utter_message(response="utter_report_not_saved")
            # Keep the answers: "Nog een keer versturen" only asks to confirm again.
            return [SlotSet(Slot.REPORT_CONFIRMED, None)]
        dispatcher.utter_message(
            response="utter_report_submitted",
            reference=report.reference,
            handling_days=found.reports.handling_days,
        )
        contact = report.contact_email or report.contact_phone
        if contact:
            dispatcher.utter_message(response="utter_report_next_contact", contact=contact)
        else:
            dispatcher.utter_message(response="utter_report_next_anonymous", reference=report.reference)
        if report.service_code == OTHER_CATEGORY:
            dispatcher.utter_message(response="utter_report_other_handoff")
            handed_off = hand_off(self.services, dispatcher, HandoffReason.REPORT_OTHER, language_of(tracker))
            return [*cleared_report(), *handed_off]
        return cleared_report()


class ActionResetReport(WithServices, Action):
    """Stops the report form and forgets its answers (cancel, emergency)."""

    def name(self) -> str:
        return "action_reset_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return [ActiveLoop(None), SlotSet(Slot.REQUESTED, None), *cleared_report()]
