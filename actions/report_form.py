"""``validate_report_form``: fills a report from whatever the citizen says, in any order.

Every message is read for all it offers: "de lantaarnpaal voor Kerkstraat 12
is kapot" gives the description, the category and the place at once. A
message that changes the subject fills nothing, so the form steps aside and
Rasa's rules answer it; the form then asks its question again.
"""

from __future__ import annotations

import difflib
import re
from typing import Any, Optional

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import FormValidationAction
from rasa_sdk.types import DomainDict

from actions.emergency import may_be_emergency
from actions.report_turn import Turn, likely_options
from actions.services import WithServices
from bot.contract import SOMETHING_ELSE, Entity, Intent, Language, Slot
from bot.reports.contact import find_email, find_phone, looks_like_contact_attempt
from bot.reports.places import valid_coordinates
from bot.reports.settings import ReportSettings

SUB_CONFIDENCE = 0.5
MIN_DESCRIPTION = 3
CHANGEABLE = (
    Slot.REPORT_DESCRIPTION,
    Slot.REPORT_CATEGORY,
    Slot.REPORT_LOCATION,
    Slot.REPORT_PHOTO,
    Slot.REPORT_CONTACT,
)
Slots = dict[str, Any]
# Typed instead of the button, and not always read as "deny" by the model.
NO_PHOTO = re.compile(r"^\s*(geen|nee|no)\b", re.IGNORECASE)
LANGUAGES = (Language.DUTCH, Language.ENGLISH)
ANONYMOUS = re.compile(r"^\s*(anoniem|anonymous|liever niet)\b", re.IGNORECASE)


def _category_from_choice(reports: ReportSettings, value: str) -> Slots:
    """A tapped button: a whole category code, a main category to narrow down, or
    none of the likeliest (show them all)."""
    if value in reports.categories or value in reports.main_categories or value == SOMETHING_ELSE:
        return {Slot.REPORT_CATEGORY: value}
    return {}


def _category_from_words(reports: ReportSettings, text: str, main: Optional[str], offered: list[str]) -> Slots:
    """Typed instead of tapped: match the text to the labels on offer."""
    codes = [*offered, *(reports.subcategories(main) if main else reports.main_categories)]
    # In either language: a citizen may type the Dutch name of a button shown in English.
    by_label = {reports.label(code, language).lower(): code for code in codes for language in LANGUAGES}
    close = difflib.get_close_matches(text.lower(), by_label, n=1, cutoff=0.75)
    return _category_from_choice(reports, by_label[close[0]]) if close else {}


def _category_from_suggestion(reports: ReportSettings, turn: Turn) -> Slots:
    """The category when the model is sure. When it only has likely ones, the slot
    is set empty: validate_report_category then offers them (only the form's own
    slots pass from extraction to the tracker)."""
    suggestion = turn.suggestion or {}
    if suggestion.get("code") and suggestion.get("confidence", 0) >= SUB_CONFIDENCE:
        return _category_from_choice(reports, suggestion["code"])
    return {Slot.REPORT_CATEGORY: None} if likely_options(suggestion, reports.categories) else {}


class ValidateReportForm(WithServices, FormValidationAction):
    def name(self) -> str:
        return "validate_report_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        starting = tracker.get_slot(Slot.REQUESTED) is None
        if starting and may_be_emergency((tracker.latest_message or {}).get("intent_ranking") or []):
            dispatcher.utter_message(response="utter_report_emergency_hint")
        return await super().run(dispatcher, tracker, domain)

    async def required_slots(
        self,
        domain_slots: list[str],
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        domain: DomainDict,
    ) -> list[str]:
        # Contact details are personal: never asked for in a public post.
        if Turn.of(tracker).is_public:
            return [slot for slot in domain_slots if slot != Slot.REPORT_CONTACT]
        return domain_slots

    # --- description -------------------------------------------------------

    async def extract_report_description(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        turn = Turn.of(tracker)
        if turn.changes_subject or not turn.typed or turn.intent in ("affirm", "deny"):
            return {}
        opening_names_problem = turn.requested is None and turn.suggestion is not None
        if turn.requested == Slot.REPORT_DESCRIPTION or opening_names_problem:
            return {Slot.REPORT_DESCRIPTION: turn.text}
        return {}

    def validate_report_description(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if not isinstance(value, str) or len(value.strip()) < MIN_DESCRIPTION:
            return {Slot.REPORT_DESCRIPTION: None}
        return {Slot.REPORT_DESCRIPTION: value.strip()}

    # --- category ----------------------------------------------------------

    async def extract_report_category(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        turn = Turn.of(tracker)
        if Entity.REPORT_CATEGORY in turn.entities:
            return _category_from_choice(self.services.reports, turn.entities[Entity.REPORT_CATEGORY])
        if turn.changes_subject or tracker.get_slot(Slot.REPORT_CATEGORY):
            return {}
        if turn.requested not in (None, Slot.REPORT_DESCRIPTION, Slot.REPORT_CATEGORY):
            return {}
        if turn.requested == Slot.REPORT_CATEGORY and turn.typed:
            named = _category_from_words(
                self.services.reports,
                turn.text,
                tracker.get_slot(Slot.REPORT_MAIN_CATEGORY),
                tracker.get_slot(Slot.REPORT_CATEGORY_OPTIONS) or [],
            )
            if named:
                return named
        return _category_from_suggestion(self.services.reports, turn)

    def validate_report_category(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        reports = self.services.reports
        if value in reports.categories:
            return {Slot.REPORT_CATEGORY: value, Slot.REPORT_MAIN_CATEGORY: value.split("/")[0]}
        if value in reports.main_categories:
            subs = reports.subcategories(value)
            # A main category alone is half an answer: ask for its sub-categories next.
            chosen = next(iter(subs)) if len(subs) == 1 else None
            return {Slot.REPORT_CATEGORY: chosen, Slot.REPORT_MAIN_CATEGORY: value}
        # The model's likeliest when it named some; none after "Iets anders" or
        # "Soort aanpassen" in the summary: then all main categories.
        options = likely_options(Turn.of(tracker).suggestion or {}, reports.categories) if value is None else []
        cleared = {Slot.REPORT_CATEGORY: None, Slot.REPORT_MAIN_CATEGORY: None}
        return {**cleared, Slot.REPORT_CATEGORY_OPTIONS: options or None}

    # --- location ----------------------------------------------------------

    async def extract_report_location(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        turn = Turn.of(tracker)
        if turn.shared_location is not None:
            return {Slot.REPORT_LOCATION: {**turn.shared_location, "source": "shared"}}
        if not turn.typed:
            return {}
        if turn.requested == Slot.REPORT_LOCATION:
            # "bij het station" may look like a question about roads or events; asked
            # where, a known place that is not itself a question is the answer.
            names_place = not turn.text.endswith("?") and self.services.reports.places.find_in(turn.text)
            if names_place or not turn.changes_subject:
                return {Slot.REPORT_LOCATION: {"typed": turn.text}}
            return {}
        if turn.changes_subject:
            return {}
        # Elsewhere only a place we know for sure: an opener's words are no answer to "where?".
        if tracker.get_slot(Slot.REPORT_LOCATION) is None or turn.requested == Slot.REPORT_CONFIRMED:
            place = self.services.reports.places.find_in(turn.text)
            if place is not None:
                return {Slot.REPORT_LOCATION: place.as_slot("typed")}
        return {}

    def validate_report_location(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        reports = self.services.reports
        if not isinstance(value, dict):
            return {Slot.REPORT_LOCATION: None}
        if "typed" in value:
            place = reports.places.resolve(str(value["typed"]))
            if place is None:
                dispatcher.utter_message(response="utter_report_location_unknown", place=str(value["typed"])[:80])
                return {Slot.REPORT_LOCATION: None}
            value = place.as_slot("typed")
        point = valid_coordinates(value.get("latitude"), value.get("longitude"))
        if point is None:
            dispatcher.utter_message(response="utter_report_location_invalid")
            return {Slot.REPORT_LOCATION: None}
        if not reports.area.contains(*point):
            dispatcher.utter_message(response="utter_report_location_outside")
            return {Slot.REPORT_LOCATION: None}
        address = value.get("address") or self._describe_point(*point)
        return {Slot.REPORT_LOCATION: {**value, "latitude": point[0], "longitude": point[1], "address": address}}

    def _describe_point(self, latitude: float, longitude: float) -> str:
        nearest = self.services.reports.places.nearest(latitude, longitude)
        if nearest:
            return self.services.profile.text("report_near_place", place=nearest)
        return f"{latitude:.5f}, {longitude:.5f}"

    # --- photo -------------------------------------------------------------

    async def extract_report_photo(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        turn = Turn.of(tracker)
        if turn.photo_ids:
            return {Slot.REPORT_PHOTO: [*(tracker.get_slot(Slot.REPORT_PHOTO) or []), *turn.photo_ids]}
        if turn.requested == Slot.REPORT_PHOTO and (turn.intent == Intent.DENY or NO_PHOTO.match(turn.text)):
            return {Slot.REPORT_PHOTO: []}
        return {}

    async def validate_report_photo(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        media = self.services.media
        candidates = value if isinstance(value, list) else []
        ids = [i for i in candidates if isinstance(i, str) and await media.has(i)]
        if isinstance(value, list) and value and not ids:
            dispatcher.utter_message(response="utter_report_photo_missing")
            return {Slot.REPORT_PHOTO: None}
        return {Slot.REPORT_PHOTO: ids}

    # --- contact -----------------------------------------------------------

    async def extract_report_contact(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        turn = Turn.of(tracker)
        if turn.requested != Slot.REPORT_CONTACT or turn.is_public:
            return {}
        if turn.intent == "deny" or ANONYMOUS.match(turn.text):
            return {Slot.REPORT_CONTACT: {"kind": "anonymous"}}
        if turn.typed and looks_like_contact_attempt(turn.text):
            return {Slot.REPORT_CONTACT: {"typed": turn.text}}
        return {}

    def validate_report_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        if isinstance(value, dict) and value.get("kind") in ("anonymous", "email", "phone"):
            return {Slot.REPORT_CONTACT: value}
        typed = str(value.get("typed", "")) if isinstance(value, dict) else ""
        email = find_email(typed)
        if email:
            return {Slot.REPORT_CONTACT: {"kind": "email", "value": email}}
        phone = find_phone(typed)
        if phone:
            return {Slot.REPORT_CONTACT: {"kind": "phone", "value": phone}}
        dispatcher.utter_message(response="utter_report_contact_invalid")
        return {Slot.REPORT_CONTACT: None}

    # --- confirmation ------------------------------------------------------

    async def extract_report_confirmed(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        turn = Turn.of(tracker)
        if turn.requested != Slot.REPORT_CONFIRMED or turn.changes_subject:
            return {}
        change = turn.entities.get(Entity.REPORT_CHANGE)
        if change in CHANGEABLE:
            return {change: None, Slot.REPORT_CONFIRMED: None}
        if turn.intent == "affirm":
            return {Slot.REPORT_CONFIRMED: True}
        if turn.intent == "deny":
            dispatcher.utter_message(response="utter_report_what_to_change")
            return {Slot.REPORT_CONFIRMED: None}
        return {}
