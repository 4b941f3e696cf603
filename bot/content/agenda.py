"""The municipality's events calendar, an iCalendar feed.

Recurring events (a weekly market, King's Day every year) are expanded with
recurring-ical-events; times are shown in the municipality's time zone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

# Words too common to pick events by ("wat is er te doen in de stad").
COMMON_WORDS = frozenset(
    [
        "wanneer",
        "welke",
        "zijn",
        "waar",
        "wordt",
        "worden",
        "staat",
        "gaat",
        "leuke",
        "leuks",
        "iets",
        "doen",
        "stad",
        "gemeente",
        "evenement",
        "evenementen",
        "activiteiten",
        "agenda",
        "deze",
        "weekend",
        "volgende",
    ]
)


@dataclass(frozen=True)
class Event:
    title: str
    start: datetime
    all_day: bool
    place: str
    url: str

    def matches(self, words: Iterable[str]) -> bool:
        title = self.title.lower()
        return any(word in title for word in words)


def parse_calendar(raw: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(raw)


def _as_event(component: icalendar.cal.Component, zone: ZoneInfo) -> Event:
    start = component.decoded("DTSTART")
    all_day = not isinstance(start, datetime)
    moment = datetime.combine(start, datetime.min.time(), zone) if all_day else start.astimezone(zone)
    return Event(
        title=str(component.get("SUMMARY", "")).strip(),
        start=moment,
        all_day=all_day,
        place=str(component.get("LOCATION", "")).strip(),
        url=str(component.get("URL", "")).strip(),
    )


def events_between(calendar: icalendar.Calendar, first: date, last: date, zone: ZoneInfo) -> list[Event]:
    """Events starting on ``first`` … ``last`` (inclusive), in order."""
    components = recurring_ical_events.of(calendar).between(first, last + timedelta(days=1))
    return sorted((_as_event(c, zone) for c in components), key=lambda event: event.start)


def topic_words(text: str) -> set[str]:
    """The words of a question that could name an event ("kerstmarkt", "kermis")."""
    return {w for w in re.findall(r"[a-zà-ÿ]{5,}", text.lower()) if w not in COMMON_WORDS}


def pick(events: list[Event], words: set[str], limit: int) -> tuple[list[Event], bool]:
    """The next events named by ``words`` and True; if none is named, the next
    events and False. A recurring event shows once: its next date."""
    named = [event for event in events if event.matches(words)]
    firsts: dict[str, Event] = {}
    for event in named or events:
        firsts.setdefault(event.title, event)
    return list(firsts.values())[:limit], bool(named)
