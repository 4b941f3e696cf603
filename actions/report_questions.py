"""The form's questions whose buttons or text depend on what the citizen said."""

from __future__ import annotations

import json
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import language_of
from actions.services import Services, WithServices
from bot.contract import SOMETHING_ELSE, Entity, Slot


def _choice(value: str) -> str:
    return "/inform" + json.dumps({Entity.REPORT_CATEGORY: value}, ensure_ascii=False)


class ActionAskReportCategory(WithServices, Action):
    """The sub-categories of the main one chosen, else the likeliest ones the model
    named (with "Iets anders"), else the main categories, as buttons."""

    def name(self) -> str:
        return "action_ask_report_category"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        reports, language = self.services.reports, language_of(tracker)
        main = tracker.get_slot(Slot.REPORT_MAIN_CATEGORY)
        if main in reports.main_categories:
            buttons = [
                {"title": label, "payload": _choice(code)}
                for code, label in reports.subcategories(main, language).items()
            ]
            buttons.append({"title": reports.label("overig", language), "payload": _choice("overig/overig")})
            dispatcher.utter_message(
                response="utter_ask_report_sub_category",
                buttons=buttons,
                main_label=reports.label(main, language).lower(),
            )
        elif options := tracker.get_slot(Slot.REPORT_CATEGORY_OPTIONS):
            buttons = [{"title": reports.label(code, language), "payload": _choice(code)} for code in options]
            other = self.services.profile.text("report_something_else", language)
            buttons.append({"title": other, "payload": _choice(SOMETHING_ELSE)})
            dispatcher.utter_message(response="utter_ask_report_likely_category", buttons=buttons)
        else:
            buttons = [{"title": label, "payload": _choice(code)} for code, label in reports.mains(language).items()]
            dispatcher.utter_message(response="utter_ask_report_main_category", buttons=buttons)
        return []


def summary_values(found: Services, tracker: Tracker) -> dict[str, str]:
    """The report being made, in the words of its summary."""
    location = tracker.get_slot(Slot.REPORT_LOCATION) or {}
    photos = tracker.get_slot(Slot.REPORT_PHOTO) or []
    contact = tracker.get_slot(Slot.REPORT_CONTACT) or {}
    language, profile = language_of(tracker), found.profile
    return {
        "category_label": found.reports.label(tracker.get_slot(Slot.REPORT_CATEGORY) or "", language),
        "description": tracker.get_slot(Slot.REPORT_DESCRIPTION) or "",
        "address": str(location.get("address", "")),
        "photo": profile.text("report_photos", language, count=len(photos))
        if photos
        else profile.text("report_no_photo", language),
        "contact": contact.get("value") or profile.text("report_anonymous", language),
    }


class ActionAskReportConfirmed(WithServices, Action):
    """ "Klopt dit?" with the report as it stands, and buttons to send, change or stop."""

    def name(self) -> str:
        return "action_ask_report_confirmed"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(response="utter_report_summary", **summary_values(self.services, tracker))
        return []
