"""The test clock: the instant every test runs at, and dates derived from it in Brussels.

Every test runs with the clock frozen (ticking) at one Brussels instant: the default below, or
``PORTAL_TEST_FROZEN_AT`` (ISO 8601 with an offset), or the instant a test's
``@pytest.mark.frozen_at(...)`` names. Dates are always derived in Europe/Brussels, never from the
host's time zone. "A working day" is judged by the ``holidays`` package, not by the portal's own
holiday table: a test must not use the code under test as its oracle.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays

BRUSSELS = ZoneInfo("Europe/Brussels")
# A Wednesday in June, no holiday anywhere near: the instant a test runs at unless told otherwise.
DEFAULT_FROZEN_AT = "2026-06-10T10:00:00+02:00"
ENV_VAR = "PORTAL_TEST_FROZEN_AT"


def parse_instant(value: str) -> datetime:
    """Return the aware instant of an ISO 8601 string; refuse one without an offset."""
    instant = datetime.fromisoformat(value)
    if instant.tzinfo is None:
        raise ValueError(f"{value!r}: an instant needs an offset (e.g. +01:00), the host's zone is no input")
    return instant


def configured_instant() -> datetime:
    """Return the instant the suite runs at: ``PORTAL_TEST_FROZEN_AT`` or the default."""
    return parse_instant(os.environ.get(ENV_VAR) or DEFAULT_FROZEN_AT)


def now() -> datetime:
    """Return the (frozen, ticking) current moment, aware, in Brussels."""
    return datetime.now(UTC).astimezone(BRUSSELS)


def today() -> date:
    """Return today's date in Brussels (not the host's date: the host may run on UTC)."""
    return now().date()


@cache
def _belgian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("BE", years=year))


def is_working_day(day: date) -> bool:
    """Tell whether ``day`` is a weekday that is no Belgian public holiday."""
    return day.weekday() < 5 and day not in _belgian_holidays(day.year)


def working_day(days_ahead: int = 0, *, clear_days: int = 1, start: date | None = None) -> date:
    """Return the first working day ``days_ahead`` or more days after ``start`` (default today)
    from which ``clear_days`` days in a row hold no public holiday (weekends may fall among them)."""
    day = (start or today()) + timedelta(days=days_ahead)
    while not is_working_day(day) or any(
        day + timedelta(days=n) in _belgian_holidays((day + timedelta(days=n)).year) for n in range(clear_days)
    ):
        day += timedelta(days=1)
    return day
