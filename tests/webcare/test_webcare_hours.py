"""When the webcare team answers, with Dutch public holidays, and how that is said."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from bot.contract import Language
from bot.webcare.hours import TeamHours
from tests.support import project_municipality

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
HOURS = TeamHours(project_municipality().webcare)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=AMSTERDAM)


def test_working_hours_are_open_and_evenings_say_tomorrow() -> None:
    assert HOURS.is_open(at(2026, 11, 24, 10, 0))  # a Tuesday
    evening = at(2026, 11, 24, 18, 30)
    assert not HOURS.is_open(evening)
    assert HOURS.when(evening, HOURS.next_opening(evening)) == "morgen vanaf 8:00"
    early = at(2026, 11, 24, 6, 0)
    assert HOURS.when(early, HOURS.next_opening(early)) == "vandaag vanaf 8:00"
    assert HOURS.is_open(at(2026, 11, 26, 19, 0)), "late opening on Thursday"


def test_the_weekend_waits_for_monday() -> None:
    saturday = at(2026, 11, 28, 11, 0)
    assert not HOURS.is_open(saturday)
    assert HOURS.next_opening(saturday) == at(2026, 11, 30, 8, 0)
    assert HOURS.when(saturday, HOURS.next_opening(saturday)) == "maandag vanaf 8:00"


def test_public_holidays_are_days_off() -> None:
    kings_day = at(2026, 4, 27, 10, 0)  # a Monday
    assert not HOURS.is_open(kings_day)
    assert HOURS.next_opening(kings_day) == at(2026, 4, 28, 8, 0)
    christmas_eve = at(2026, 12, 24, 18, 0)  # Thursday evening after closing; then Christmas, Boxing Day, weekend
    assert HOURS.next_opening(christmas_eve) == at(2026, 12, 28, 8, 0)
    assert HOURS.when(christmas_eve, HOURS.next_opening(christmas_eve)) == "maandag vanaf 8:00"


def test_a_long_wait_names_the_date() -> None:
    friday = at(2026, 12, 18, 18, 0)
    far = at(2026, 12, 29, 8, 0)
    assert HOURS.when(friday, far) == "op dinsdag 29 december vanaf 8:00"


def test_when_the_team_is_back_in_english() -> None:
    evening, saturday = at(2026, 11, 24, 18, 30), at(2026, 11, 28, 11, 0)
    assert HOURS.when(evening, HOURS.next_opening(evening), Language.ENGLISH) == "tomorrow from 8:00"
    assert HOURS.when(saturday, HOURS.next_opening(saturday), Language.ENGLISH) == "on Monday from 8:00"
    friday, far = at(2026, 12, 18, 18, 0), at(2026, 12, 29, 8, 0)
    assert HOURS.when(friday, far, Language.ENGLISH) == "on Tuesday 29 December from 8:00"
    assert HOURS.when(friday, None, Language.ENGLISH) == "as soon as possible"
    assert HOURS.when(friday, None) == "zo snel mogelijk"


def test_a_wait_counts_only_the_teams_working_time() -> None:
    friday_late, monday_early = at(2026, 11, 27, 16, 50), at(2026, 11, 30, 8, 10)
    assert HOURS.working_minutes(friday_late, monday_early) == 20, "ten minutes each side of the weekend"
    assert HOURS.working_minutes(at(2026, 11, 24, 3, 47), at(2026, 11, 24, 4, 0)) == 0, "a night is not a wait"
    assert HOURS.working_minutes(at(2026, 11, 26, 19, 0), at(2026, 11, 26, 21, 0)) == 60, "Thursday until 20:00"
    # Christmas Eve is a Thursday (until 20:00); Christmas, Boxing Day and the weekend are off.
    assert HOURS.working_minutes(at(2026, 12, 24, 16, 0), at(2026, 12, 28, 9, 0)) == 4 * 60 + 60


@given(st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(AMSTERDAM)))
def test_the_next_opening_is_always_later_and_open(moment: datetime) -> None:
    opening = HOURS.next_opening(moment)
    assert opening > moment
    assert HOURS.is_open(opening)
    assert HOURS.when(moment, opening).endswith(f"vanaf {opening.hour}:{opening.minute:02d}")
