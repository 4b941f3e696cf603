"""An urgent passport, with the dates worked out for the citizen."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any, Optional

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import asked_text, local_now, say
from actions.services import WithServices
from bot.dates import DateSpan, find_span, is_working_day, next_working_day, relative_day_label

TOPIC = "passport_urgent"


def urgent_days(now: datetime, deadline: time, holiday_country: str) -> tuple[date, date]:
    """The day an urgent application can still be made, and the day it is ready
    (the next working day after it, from the deadline hour on)."""
    today = now.date()
    if is_working_day(today, holiday_country) and now.time() < deadline:
        apply_day = today
    else:
        apply_day = next_working_day(today, holiday_country)
    return apply_day, next_working_day(apply_day, holiday_country)


def urgent_advice(
    trip: Optional[DateSpan], now: datetime, deadline: time, holiday_country: str
) -> tuple[str, dict[str, str]]:
    """Which text of the topic file fits ("in_time", "too_late", "no_date"), and its days."""
    today = now.date()
    apply_day, ready_day = urgent_days(now, deadline, holiday_country)
    days = {"apply_day": relative_day_label(apply_day, today), "ready_day": relative_day_label(ready_day, today)}
    if trip is None:
        return "no_date", days
    # Ready on the day of departure is ready too late: after noon, the plane may be gone.
    key = "in_time" if trip.first > ready_day else "too_late"
    return key, {**days, "departure": relative_day_label(trip.first, today)}


class ActionPassportUrgent(WithServices, Action):
    def name(self) -> str:
        return "action_passport_urgent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        shared = self.services
        topics, country = shared.topics, shared.webcare.holiday_country or "NL"
        now = local_now(self.services)
        deadline = time.fromisoformat(topics.facts["urgent_deadline"].zfill(5))
        key, days = urgent_advice(find_span(asked_text(tracker), now, country), now, deadline, country)
        if key == "no_date":
            say(dispatcher, topics.text(TOPIC, key, **days), topics.short(TOPIC))
            say(dispatcher, topics.text(TOPIC, "emergency_document"))
        else:
            # The worked-out dates are the answer, in public too (cut to whole sentences there).
            say(dispatcher, topics.text(TOPIC, key, **days))
        return []
