"""Realistic bounds for the numbers clients and operators send.

A number past them is a mistake or an attack. Unbounded, it is stored first and
breaks whatever reads it later: SQLite and PostgreSQL hold integers of 64 bits,
``timedelta`` 999,999,999 days, and a projection or a nightly job fails on the
event that carries one. Each service bounds its own quantities; these are the
ones every service shares.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime, Field

#: the largest integer the stores hold (SQLite's INTEGER, PostgreSQL's bigint)
LARGEST_INTEGER = 2**63 - 1
#: a century: longer than any term a business sets, far inside ``timedelta``'s range
LONGEST_DAYS = 36_500
LONGEST_MINUTES = LONGEST_DAYS * 24 * 60
LONGEST_SECONDS = LONGEST_MINUTES * 60

Position = Annotated[
    int, Field(ge=0, le=LARGEST_INTEGER, description="A cursor: next_cursor of the previous page")
]
Days = Annotated[int, Field(gt=0, le=LONGEST_DAYS)]
Seconds = Annotated[float, Field(ge=0, le=LONGEST_SECONDS)]

#: the calendar a business works in: times and days outside it are typing mistakes,
#: and near ``datetime``'s own ends a change of zone or a day's step overflows
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _within_calendar(moment: datetime) -> datetime:
    try:
        year = moment.astimezone(UTC).year
    except OverflowError:
        year = 0
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"must fall in the years {FIRST_YEAR} to {LAST_YEAR}")
    return moment


def _day_within_calendar(day: date) -> date:
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise ValueError(f"must fall in the years {FIRST_YEAR} to {LAST_YEAR}")
    return day


Moment = Annotated[AwareDatetime, AfterValidator(_within_calendar)]
"""A point in time with its offset (``2026-11-02T10:00:00Z``), in the business calendar."""
Day = Annotated[date, AfterValidator(_day_within_calendar)]
