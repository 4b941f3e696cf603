"""The waste calendar: the citizen's postcode (asked in private), then the next collection days."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import language_of, local_now, say
from actions.services import WithServices
from bot.content.feed import FeedUnavailable
from bot.content.waste import find_postcode
from bot.dates import relative_day_label

TOPIC = "waste_collection"
Slots = dict[str, Any]


def _question(tracker: Tracker) -> str:
    """The citizen's messages since the waste question: "wanneer gft?" and then
    "7311 AB" together ask for the green container."""
    texts: list[str] = []
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        texts.append(str(event.get("text") or ""))
        if ((event.get("parse_data") or {}).get("intent") or {}).get("name") == TOPIC:
            break
    return " ".join(reversed(texts))


class ValidateWasteForm(WithServices, FormValidationAction):
    def name(self) -> str:
        return "validate_waste_form"

    async def extract_postcode(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> Slots:
        postcode = find_postcode(tracker.latest_message.get("text") or "")
        return {"postcode": postcode} if postcode else {}

    async def validate_postcode(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> Slots:
        try:
            calendar = await self.services.waste.get()
        except FeedUnavailable:
            return {"postcode": value}  # the answer says the calendar is unavailable
        if calendar.area_for(str(value)) is None:
            language = language_of(tracker)
            say(dispatcher, self.services.topics.text(TOPIC, "unknown_postcode", language, postcode=value))
            return {"postcode": None}
        return {"postcode": value}


class ActionAskPostcode(WithServices, Action):
    def name(self) -> str:
        return "action_ask_postcode"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        say(dispatcher, self.services.topics.text(TOPIC, "ask_postcode", language_of(tracker)))
        return []


class ActionWasteCollection(WithServices, Action):
    def name(self) -> str:
        return "action_waste_collection"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        topics, postcode = self.services.topics, str(tracker.get_slot("postcode") or "")
        language = language_of(tracker)
        try:
            calendar = await self.services.waste.get()
        except FeedUnavailable:
            say(dispatcher, topics.text(TOPIC, "unavailable", language))
            return []
        area, today = calendar.area_for(postcode), local_now(self.services).date()
        if area is None:
            say(dispatcher, topics.text(TOPIC, "unknown_postcode", language, postcode=postcode))
            return [SlotSet("postcode", None)]
        asked = calendar.streams_named(_question(tracker)) or list(calendar.streams.values())
        lines = []
        for stream in asked:
            day = calendar.next_collection(area, stream.code, today)
            if day is not None:
                label = relative_day_label(day, today, language)
                lines.append(topics.text(TOPIC, "collection_line", language, stream=stream.name, day=label))
        if not lines:
            say(dispatcher, topics.text(TOPIC, "no_collection", language, postcode=postcode, stream=asked[0].name))
        else:
            say(dispatcher, topics.text(TOPIC, "collections", language, postcode=postcode, lines="\n".join(lines)))
        return []
