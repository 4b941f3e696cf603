"""What is on: the next events from the iCalendar feed, for the days the citizen names."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.answers import asked_text, language_of, local_now, say
from actions.services import WithServices
from bot.content.agenda import Event, events_between, pick, topic_words
from bot.content.feed import FeedUnavailable
from bot.contract import Language
from bot.dates import find_span, relative_day_label, span_label

TOPIC = "events"
SHOWN = 4
# "om 11:00", "at 11:00"
AT = {Language.DUTCH: "om", Language.ENGLISH: "at"}
# Without a date, "wanneer is de kermis?" looks this far ahead.
AHEAD_DAYS = 366


class ActionEvents(WithServices, Action):
    def name(self) -> str:
        return "action_events"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        shared = self.services
        topics, zone, language = shared.topics, shared.webcare.timezone, language_of(tracker)
        try:
            calendar = await shared.agenda.get()
        except FeedUnavailable:
            say(dispatcher, topics.text(TOPIC, "unavailable", language), topics.short(TOPIC, language))
            return []
        text, now = asked_text(tracker), local_now(self.services)
        today, words = now.date(), topic_words(text)
        span = find_span(text, now, shared.webcare.holiday_country)
        if span is not None:
            chosen, _ = pick(events_between(calendar, span.first, span.last, zone), words, SHOWN)
            if chosen:
                when = span_label(span, today, language)
                say(
                    dispatcher,
                    topics.text(TOPIC, "found", language, when=when, events=self._lines(chosen, today, language)),
                )
                return []
        upcoming, _ = pick(events_between(calendar, today, today + timedelta(days=AHEAD_DAYS), zone), words, SHOWN)
        if not upcoming:
            say(dispatcher, topics.text(TOPIC, "nothing", language), topics.short(TOPIC, language))
        elif span is not None:
            when = span_label(span, today, language)
            say(
                dispatcher,
                topics.text(TOPIC, "nothing_then", language, when=when, events=self._lines(upcoming, today, language)),
            )
        else:
            say(dispatcher, topics.text(TOPIC, "upcoming", language, events=self._lines(upcoming, today, language)))
        return []

    def _lines(self, events: list[Event], today: date, language: str) -> str:
        topics = self.services.topics
        return "\n".join(
            topics.text(
                TOPIC,
                "event_line",
                language,
                title=event.title,
                day=relative_day_label(event.start.date(), today, language),
                time="" if event.all_day else f" {AT[language]} {event.start.hour}:{event.start.minute:02d}",
                place=f", {event.place}" if event.place else "",
            )
            for event in events
        )
