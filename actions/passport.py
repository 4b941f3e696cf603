"""An urgent passport, with the dates worked out for the citizen."""

from __future__ import annotations

from datetime import time
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import asked_text, language_of, local_now, say
from actions.services import WithServices
from bot.dates import find_span, urgent_advice

TOPIC = "passport_urgent"


class ActionPassportUrgent(WithServices, Action):
    def name(self) -> str:
        return "action_passport_urgent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        shared = self.services
        topics, country = shared.topics, shared.webcare.holiday_country or "NL"
        now = local_now(self.services)
        deadline = time.fromisoformat(topics.facts["urgent_deadline"].zfill(5))
        language = language_of(tracker)
        trip = find_span(asked_text(tracker), now, country)
        key, days = urgent_advice(trip, now, deadline, country, language)
        if key == "no_date":
            say(dispatcher, topics.text(TOPIC, key, language, **days), topics.short(TOPIC, language))
            say(dispatcher, topics.text(TOPIC, "emergency_document", language))
        else:
            # The worked-out dates are the answer, in public too (cut to whole sentences there).
            say(dispatcher, topics.text(TOPIC, key, language, **days))
        return []
