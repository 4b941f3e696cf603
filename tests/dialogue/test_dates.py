"""Dutch dates as citizens write them, and the urgent-passport arithmetic."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.dates import DateSpan, day_label, find_span, is_working_day, next_working_day, span_label, urgent_advice

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# A Saturday.
SATURDAY = datetime(2026, 11, 28, 10, 0, tzinfo=AMSTERDAM)
NOON = time(12, 0)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=AMSTERDAM)


@pytest.mark.parametrize(
    "text, first, last",
    [
        ("ik vlieg overmorgen naar Barcelona", date(2026, 11, 30), date(2026, 11, 30)),
        ("I fly the day after tomorrow", date(2026, 11, 30), date(2026, 11, 30)),
        ("morgenochtend vroeg weg", date(2026, 11, 29), date(2026, 11, 29)),
        ("wat is er dit weekend te doen?", date(2026, 11, 28), date(2026, 11, 29)),
        ("en volgend weekend?", date(2026, 12, 5), date(2026, 12, 6)),
        ("volgende week vrijdag", date(2026, 12, 4), date(2026, 12, 4)),
        ("ik vertrek donderdag", date(2026, 12, 3), date(2026, 12, 3)),
        ("vlucht op 3/12", date(2026, 12, 3), date(2026, 12, 3)),
        ("we gaan 12 december", date(2026, 12, 12), date(2026, 12, 12)),
        ("wat is er te doen in december", date(2026, 12, 1), date(2026, 12, 31)),
        ("wat is er met Koningsdag", date(2027, 4, 27), date(2027, 4, 27)),
        ("met kerst", date(2026, 12, 25), date(2026, 12, 26)),
        ("vuurwerk met oud en nieuw", date(2026, 12, 31), date(2026, 12, 31)),
    ],
)
def test_the_days_a_citizen_means(text: str, first: date, last: date) -> None:
    assert find_span(text, SATURDAY) == DateSpan(first, last)


@pytest.mark.parametrize(
    "text",
    ["mijn paspoort is verlopen", "wanneer is de kerstmarkt", "mijn vlucht is om 7 uur", "2 jaar geleden aangevraagd"],
)
def test_no_day_is_read_into_words_that_name_none(text: str) -> None:
    assert find_span(text, SATURDAY) is None


def test_this_weekend_on_a_sunday_is_today_and_next_weekend_starts_saturday() -> None:
    sunday = at(date(2026, 11, 29))
    assert find_span("dit weekend", sunday) == DateSpan(date(2026, 11, 29), date(2026, 11, 29))
    assert find_span("volgend weekend", sunday) == DateSpan(date(2026, 12, 5), date(2026, 12, 6))


def test_spans_are_said_in_dutch() -> None:
    today = date(2026, 11, 28)
    assert span_label(DateSpan(today, today), today) == "vandaag"
    assert span_label(DateSpan(date(2026, 12, 3), date(2026, 12, 3)), today) == "donderdag 3 december"
    assert span_label(DateSpan(date(2026, 12, 5), date(2026, 12, 6)), today) == (
        "van zaterdag 5 december tot en met zondag 6 december"
    )


def test_a_date_beyond_the_coming_months_says_its_year() -> None:
    today = date(2026, 12, 2)
    assert day_label(date(2027, 1, 15), today) == "vrijdag 15 januari", "next month: no year needed"
    assert day_label(date(2027, 12, 18), today) == "zaterdag 18 december 2027"
    assert day_label(date(2025, 12, 18), today) == "donderdag 18 december 2025"
    assert span_label(DateSpan(date(2027, 4, 1), date(2027, 6, 30)), today) == (
        "van donderdag 1 april 2027 tot en met woensdag 30 juni 2027"
    )


def test_working_days_skip_weekends_and_public_holidays() -> None:
    assert not is_working_day(date(2026, 12, 25))  # Christmas, a Friday
    assert next_working_day(date(2026, 12, 24)) == date(2026, 12, 28)
    assert next_working_day(date(2026, 11, 27)) == date(2026, 11, 30)


def test_a_trip_after_the_urgent_passport_is_ready_is_in_time() -> None:
    monday_morning = at(date(2026, 11, 30), 9)
    trip = find_span("ik vertrek donderdag", monday_morning)
    key, days = urgent_advice(trip, monday_morning, NOON, "NL")
    assert key == "in_time"
    assert days == {"apply_day": "vandaag", "ready_day": "morgen", "departure": "donderdag 3 december"}


def test_after_the_deadline_the_application_moves_to_the_next_working_day() -> None:
    monday_afternoon = at(date(2026, 11, 30), 14)
    key, days = urgent_advice(find_span("ik vlieg overmorgen", monday_afternoon), monday_afternoon, NOON, "NL")
    # Applied Tuesday, ready Wednesday after noon: the day of the flight.
    assert key == "too_late"
    assert days == {"apply_day": "morgen", "ready_day": "overmorgen", "departure": "overmorgen"}


def test_on_a_saturday_the_classic_case_needs_the_emergency_document() -> None:
    key, days = urgent_advice(find_span("ik vlieg overmorgen naar Barcelona", SATURDAY), SATURDAY, NOON, "NL")
    assert key == "too_late"
    assert days["apply_day"] == "overmorgen" and days["ready_day"] == "dinsdag 1 december"


def test_christmas_pushes_the_urgent_passport_past_the_holidays() -> None:
    christmas_eve = at(date(2026, 12, 24), 11)
    key, days = urgent_advice(None, christmas_eve, NOON, "NL")
    assert key == "no_date"
    assert days == {"apply_day": "vandaag", "ready_day": "maandag 28 december"}
