"""Dates the way citizens write them and the way we say them back, in Dutch.

Citizens write "overmorgen", "dit weekend", "in december" or "met Koningsdag";
dateparser reads single dates ("donderdag", "12 december", "3/12"), and the
phrases it does not know as spans are recognised here first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, Optional

import holidays
from dateparser.search import search_dates

from bot.contract import Language
from bot.dutch_names import DAY_NAMES, MONTH_NAMES

NEAR_DAYS = {0: "vandaag", 1: "morgen", 2: "overmorgen"}
ENGLISH_NEAR_DAYS = {0: "today", 1: "tomorrow", 2: "the day after tomorrow"}
ENGLISH_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
ENGLISH_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip
# A date this many days from today or fewer is said without its year.
WITHOUT_YEAR_DAYS = 90
MONTH_WORDS = {name: number for number, name in enumerate(MONTH_NAMES, start=1)}
MONTH_WORDS.update({"january": 1, "february": 2, "march": 3, "june": 6, "july": 7, "august": 8, "october": 10})

# Holidays whose date moves come from the holidays package (by their Dutch
# name); the rest are fixed days that are no public holiday. Whole words only:
# "kerstmarkt" is an event, not Christmas Day.
MOVABLE_DAYS = {
    r"koningsdag|king'?s ?day": ("Koningsdag",),
    r"kerst(mis|dag|dagen)?|christmas": ("Eerste Kerstdag", "Tweede Kerstdag"),
    r"pasen|paasdagen|easter": ("Eerste paasdag", "Tweede paasdag"),
    r"pinksteren|pinksterdagen": ("Eerste Pinksterdag", "Tweede Pinksterdag"),
    r"hemelvaart(sdag)?": ("Hemelvaartsdag",),
    r"nieuwjaar(sdag)?|new year'?s day": ("Nieuwjaarsdag",),
}
FIXED_DAYS = {
    r"bevrijdingsdag|liberation day": (5, 5),
    r"oud en nieuw|oudjaar(sdag|savond)?|oudejaarsavond|new year'?s eve": (12, 31),
    r"pakjesavond": (12, 5),
}
# dateparser also reads times of day ("om 7 uur"); those say nothing about the day.
TIME_ONLY = re.compile(r"^\s*(om\s*)?\d{1,2}([:.]\d{2})?\s*(uur|u)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class DateSpan:
    """The days a citizen means, first and last included."""

    first: date
    last: date

    def __contains__(self, day: date) -> bool:
        return self.first <= day <= self.last

    @property
    def is_one_day(self) -> bool:
        return self.first == self.last


def day_label(day: date, today: date, language: str = Language.DUTCH) -> str:
    """ "donderdag 3 december" ("Thursday 3 December"); with the year when the
    day is not within the coming (or last) months: "zaterdag 18 december 2027",
    which a reader in December 2026 would otherwise take for a fortnight away."""
    days, months = (
        (ENGLISH_DAY_NAMES, ENGLISH_MONTH_NAMES) if language == Language.ENGLISH else (DAY_NAMES, MONTH_NAMES)
    )
    label = f"{days[day.weekday()]} {day.day} {months[day.month - 1]}"
    return f"{label} {day.year}" if abs((day - today).days) > WITHOUT_YEAR_DAYS else label


def relative_day_label(day: date, today: date, language: str = Language.DUTCH) -> str:
    """ "vandaag", "morgen", "overmorgen", else "donderdag 3 december"."""
    near = ENGLISH_NEAR_DAYS if language == Language.ENGLISH else NEAR_DAYS
    return near.get((day - today).days) or day_label(day, today, language)


def span_label(span: DateSpan, today: date, language: str = Language.DUTCH) -> str:
    if span.is_one_day:
        return relative_day_label(span.first, today, language)
    first, last = day_label(span.first, today, language), day_label(span.last, today, language)
    return f"from {first} to {last}" if language == Language.ENGLISH else f"van {first} tot en met {last}"


def _weekend(today: date, weeks_ahead: int) -> DateSpan:
    saturday = today + timedelta(days=(5 - today.weekday()) % 7)
    if today.weekday() == 6:  # on a Sunday "this weekend" is today; the next starts in six days
        if weeks_ahead == 0:
            return DateSpan(today, today)
        weeks_ahead -= 1
    saturday += timedelta(weeks=weeks_ahead)
    return DateSpan(saturday, saturday + timedelta(days=1))


def _week(today: date, weeks_ahead: int) -> DateSpan:
    monday = today - timedelta(days=today.weekday()) + timedelta(weeks=weeks_ahead)
    return DateSpan(max(monday, today), monday + timedelta(days=6))


def _weekday_next_week(today: date, weekday: int) -> DateSpan:
    day = today - timedelta(days=today.weekday()) + timedelta(weeks=1, days=weekday)
    return DateSpan(day, day)


def _days(offset: int) -> Callable[[date], DateSpan]:
    return lambda today: DateSpan(today + timedelta(days=offset), today + timedelta(days=offset))


# Order matters: "overmorgen" before "morgen", "volgend weekend" before "weekend".
PHRASES: tuple[tuple[re.Pattern[str], Callable[[date], DateSpan]], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), span)
    for pattern, span in (
        (r"\bovermorgen\b|\bday after tomorrow\b", _days(2)),
        (r"\bmorgen\w*|\btomorrow\b", _days(1)),
        (r"\bvandaag\b|\bvan(avond|middag|nacht)\b|\btoday\b|\btonight\b", _days(0)),
        (r"\bvolgend(e)? ?weekend\b|\bnext weekend\b", lambda today: _weekend(today, 1)),
        (r"\bweekend\b", lambda today: _weekend(today, 0)),
        *(
            (rf"\bvolgende week {name}\b", lambda today, n=number: _weekday_next_week(today, n))
            for number, name in enumerate(DAY_NAMES)
        ),
        (r"\bvolgende week\b|\bnext week\b", lambda today: _week(today, 1)),
        (r"\bdeze week\b|\bthis week\b", lambda today: _week(today, 0)),
    )
)


def _named_day(text: str, today: date, country: Optional[str]) -> Optional[DateSpan]:
    calendar = holidays.country_holidays(country or "NL", years=[today.year, today.year + 1], language="nl")
    for pattern, names in MOVABLE_DAYS.items():
        if re.search(rf"\b({pattern})\b", text, re.IGNORECASE):
            days = sorted(day for day, name in calendar.items() if name in names and day >= today)
            if days:
                first = days[0]
                last = max(day for day in days if (day - first).days < 7)
                return DateSpan(first, last)
    for pattern, (month, day_of_month) in FIXED_DAYS.items():
        if re.search(rf"\b({pattern})\b", text, re.IGNORECASE):
            day = date(today.year, month, day_of_month)
            day = day if day >= today else date(today.year + 1, month, day_of_month)
            return DateSpan(day, day)
    return None


def _whole_month(text: str, today: date) -> Optional[DateSpan]:
    """ "in december", but not "12 december" (a single day dateparser reads)."""
    for match in re.finditer(r"\b([a-z]+)\b", text.lower()):
        month = MONTH_WORDS.get(match.group(1))
        if month is None or re.search(r"\d\s*$", text[: match.start()]):
            continue
        year = today.year if month >= today.month else today.year + 1
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return DateSpan(max(first, today), following - timedelta(days=1))
    return None


def _single_day(text: str, now: datetime) -> Optional[DateSpan]:
    settings = {"PREFER_DATES_FROM": "future", "RELATIVE_BASE": now.replace(tzinfo=None), "DATE_ORDER": "DMY"}
    for languages in (["nl"], ["en"]):
        for phrase, moment in search_dates(text, languages=languages, settings=settings) or ():
            if not TIME_ONLY.match(phrase) and moment.date() >= now.date():
                return DateSpan(moment.date(), moment.date())
    return None


def find_span(text: str, now: datetime, holiday_country: Optional[str] = "NL") -> Optional[DateSpan]:
    """The days ``text`` speaks of, seen from ``now``; None when it names none."""
    today = now.date()
    for pattern, span in PHRASES:
        if pattern.search(text):
            return span(today)
    return _named_day(text, today, holiday_country) or _whole_month(text, today) or _single_day(text, now)


def is_working_day(day: date, holiday_country: Optional[str] = "NL") -> bool:
    """Monday to Friday, and no public holiday."""
    if day.weekday() >= 5:
        return False
    return not holiday_country or day not in holidays.country_holidays(holiday_country, years=day.year)


def next_working_day(day: date, holiday_country: Optional[str] = "NL") -> date:
    """The first working day after ``day``."""
    following = day + timedelta(days=1)
    while not is_working_day(following, holiday_country):
        following += timedelta(days=1)
    return following


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
    trip: Optional[DateSpan], now: datetime, deadline: time, holiday_country: str, language: str = Language.DUTCH
) -> tuple[str, dict[str, str]]:
    """Which text of the topic file fits ("in_time", "too_late", "no_date"), and its days."""
    today = now.date()
    apply_day, ready_day = urgent_days(now, deadline, holiday_country)
    days = {
        "apply_day": relative_day_label(apply_day, today, language),
        "ready_day": relative_day_label(ready_day, today, language),
    }
    if trip is None:
        return "no_date", days
    # Ready on the day of departure is ready too late: after noon, the plane may be gone.
    key = "in_time" if trip.first > ready_day else "too_late"
    return key, {**days, "departure": relative_day_label(trip.first, today, language)}
