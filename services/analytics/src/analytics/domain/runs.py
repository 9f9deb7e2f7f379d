"""An assessment run: the current view of every customer, or a scenario beside it.

Only a run as of now tells the business something new: its results become what
the 360 and the segments show and its changes are published as signals. A run as
of an earlier moment answers "what would we have thought then?": it is kept
beside the current results, readable by its id, and changes nothing else; a
backdated run that published would date signals in the past and loyalty would
act on them as news.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from analytics.domain.valuation import Valuation

#: how far ``as_of`` may be from the clock and still be "now": client clocks drift,
#: and a run takes a while to be picked up
NOW_TOLERANCE = timedelta(minutes=5)


class AssessmentInTheFuture(ValueError):
    """Nobody's orders after today are known: an assessment cannot look from there."""


def is_scenario(as_of: datetime, now: datetime) -> bool:
    """Whether a run as of ``as_of`` is a scenario (earlier than now) or current."""
    if as_of > now + NOW_TOLERANCE:
        raise AssessmentInTheFuture(
            f"as_of {as_of.isoformat()} is in the future (now is {now.isoformat()})"
        )
    return as_of < now - NOW_TOLERANCE


@dataclass(frozen=True)
class SegmentSize:
    segment: str
    customers: int
    lifetime_value: float


@dataclass(frozen=True)
class AssessmentRun:
    """What one run found, with the models it fitted, so the fit can be checked."""

    id: UUID
    scenario: bool
    started_at: datetime
    finished_at: datetime
    valuation: Valuation
    signals: int | None
    """Signals the run recorded; None for a scenario, which records none."""

    @property
    def as_of(self) -> datetime:
        return self.valuation.as_of

    def segments(self) -> list[SegmentSize]:
        """Customers and their CLV by segment, the largest segment first."""
        counted: dict[str, tuple[int, float]] = {}
        for assessment in self.valuation.customers.values():
            customers, value = counted.get(assessment.segment, (0, 0.0))
            counted[assessment.segment] = (customers + 1, value + assessment.lifetime_value)
        return [
            SegmentSize(segment, customers, round(value, 2))
            for segment, (customers, value) in sorted(
                counted.items(), key=lambda item: (-item[1][0], item[0])
            )
        ]
