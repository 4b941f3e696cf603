"""When the webcare team works, and how to say when it next does, in Dutch or English."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Optional

import holidays

from bot.contract import Language
from bot.dates import ENGLISH_DAY_NAMES, day_label, relative_day_label
from bot.dutch_names import DAY_NAMES
from bot.webcare.settings import WebcareSettings


class TeamHours:
    def __init__(self, settings: WebcareSettings) -> None:
        self.settings = settings
        self._holidays = holidays.country_holidays(settings.holiday_country) if settings.holiday_country else {}

    def _working_day(self, day: date) -> bool:
        return self.settings.hours[day.weekday()] is not None and day not in self._holidays

    def is_open(self, moment: datetime) -> bool:
        local = moment.astimezone(self.settings.timezone)
        span = self.settings.hours[local.weekday()]
        return span is not None and self._working_day(local.date()) and span.start <= local.time() < span.end

    def working_minutes(self, start: datetime, end: datetime) -> float:
        """The minutes of the team's working hours between ``start`` and ``end``:
        what a citizen's wait counts against the queue's thresholds (a night or
        a weekend does not)."""
        zone = self.settings.timezone
        first, last = start.astimezone(zone), end.astimezone(zone)
        total, day = 0.0, first.date()
        while day <= last.date():
            span = self.settings.hours[day.weekday()]
            if span is not None and self._working_day(day):
                opens = datetime.combine(day, span.start, tzinfo=zone)
                closes = datetime.combine(day, span.end, tzinfo=zone)
                total += max(0.0, (min(closes, last) - max(opens, first)).total_seconds()) / 60
            day += timedelta(days=1)
        return total

    def next_opening(self, moment: datetime) -> Optional[datetime]:
        """The start of the next working period after ``moment`` (None: the team never works)."""
        local = moment.astimezone(self.settings.timezone)
        for offset in range(0, 60):
            day = local.date() + timedelta(days=offset)
            span = self.settings.hours[day.weekday()]
            if span is None or not self._working_day(day):
                continue
            start = datetime.combine(day, span.start, tzinfo=self.settings.timezone)
            if start > local:
                return start
        return None

    def when(self, moment: datetime, opening: Optional[datetime], language: str = Language.DUTCH) -> str:
        """ "morgen vanaf 8:00", "maandag vanaf 8:30", "op dinsdag 2 januari vanaf 8:30"
        ("tomorrow from 8:00", "on Monday from 8:30"…); "zo snel mogelijk" when the
        team has no next opening."""
        english = language == Language.ENGLISH
        if opening is None:
            return "as soon as possible" if english else "zo snel mogelijk"
        today, day = moment.astimezone(self.settings.timezone).date(), opening.date()
        at = f"{'from' if english else 'vanaf'} {opening.hour}:{opening.minute:02d}"
        days = (day - today).days
        if days <= 1:
            return f"{relative_day_label(day, today, language)} {at}"
        on = "on " if english else ""
        if days < 7:
            return f"{on}{(ENGLISH_DAY_NAMES if english else DAY_NAMES)[day.weekday()]} {at}"
        return f"{'on' if english else 'op'} {day_label(day, today, language)} {at}"
