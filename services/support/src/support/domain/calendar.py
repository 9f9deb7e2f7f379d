"""Working time: when the SLA clock runs (24/7, or business hours in a time zone)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

MONDAY_TO_FRIDAY = frozenset({0, 1, 2, 3, 4})


@dataclass(frozen=True)
class Calendar:
    """Around the clock, or ``opens``-``closes`` on ``days`` (0 = Monday) in ``timezone``."""

    around_the_clock: bool = False
    days: frozenset[int] = field(default=MONDAY_TO_FRIDAY)
    opens: time = time(9)
    closes: time = time(17)
    timezone: str = "UTC"

    def working_time(self, start: datetime, end: datetime) -> timedelta:
        """How much working time lies between two instants."""
        if end <= start:
            return timedelta(0)
        if self.around_the_clock:
            return end - start
        total = timedelta(0)
        for opening, closing in self._periods(start, end):
            total += min(end, closing) - max(start, opening)
        return total

    def add(self, start: datetime, working: timedelta) -> datetime:
        """The instant when ``working`` time will have passed after ``start``."""
        if self.around_the_clock:
            return start + working
        remaining = working
        for opening, closing in self._periods(start, None):
            begin = max(start, opening)
            if begin + remaining <= closing:
                return begin + remaining
            remaining -= closing - begin
        raise AssertionError("unreachable: periods never end")

    def _periods(
        self, start: datetime, end: datetime | None
    ) -> Iterator[tuple[datetime, datetime]]:
        """Working periods overlapping [start, end), in UTC, day after day."""
        zone = ZoneInfo(self.timezone)
        day: date = start.astimezone(zone).date()
        while end is None or datetime.combine(day, self.opens, zone) < end:
            if day.weekday() in self.days:
                opening = datetime.combine(day, self.opens, zone).astimezone(UTC)
                closing = datetime.combine(day, self.closes, zone).astimezone(UTC)
                if closing > start:
                    yield opening, closing
            day += timedelta(days=1)


AROUND_THE_CLOCK = Calendar(around_the_clock=True)
