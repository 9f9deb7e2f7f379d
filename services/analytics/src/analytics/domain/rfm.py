"""RFM segmentation: who buys recently, often and for much, and what to call them.

Each customer gets a 1-5 score per dimension from their rank among all
customers (quintiles), so the segments follow the shop's own customer base
rather than fixed amounts. Named segments are ordered rules over the scores;
the first that matches wins, so marketing can change the rules (e.g. to line
them up with loyalty's tiers) without touching the scoring.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

Ranked = TypeVar("Ranked", int, float, Decimal)


@dataclass(frozen=True)
class Purchases:
    """What a customer bought: how many orders, for how much, the last one when."""

    orders: int
    spent: Decimal
    last_purchase_at: datetime


@dataclass(frozen=True)
class RfmScore:
    recency: int
    frequency: int
    monetary: int

    def __str__(self) -> str:
        return f"{self.recency}{self.frequency}{self.monetary}"


@dataclass(frozen=True)
class SegmentRule:
    """A named segment: inclusive score ranges per dimension."""

    name: str
    recency: tuple[int, int] = (1, 5)
    frequency: tuple[int, int] = (1, 5)
    monetary: tuple[int, int] = (1, 5)

    def matches(self, score: RfmScore) -> bool:
        return (
            self.recency[0] <= score.recency <= self.recency[1]
            and self.frequency[0] <= score.frequency <= self.frequency[1]
            and self.monetary[0] <= score.monetary <= self.monetary[1]
        )


OTHERS = "Others"

DEFAULT_RULES: tuple[SegmentRule, ...] = (
    SegmentRule("Champions", recency=(4, 5), frequency=(4, 5), monetary=(4, 5)),
    SegmentRule("Loyal", recency=(3, 5), frequency=(4, 5)),
    SegmentRule("Cannot lose them", recency=(1, 1), frequency=(4, 5), monetary=(4, 5)),
    SegmentRule("At risk", recency=(1, 2), frequency=(3, 5)),
    SegmentRule("Potential loyalists", recency=(4, 5), frequency=(2, 3)),
    SegmentRule("New customers", recency=(5, 5), frequency=(1, 1)),
    SegmentRule("Promising", recency=(4, 4), frequency=(1, 1)),
    SegmentRule("Need attention", recency=(3, 3), frequency=(2, 3)),
    SegmentRule("About to sleep", recency=(3, 3), frequency=(1, 1)),
    SegmentRule("Hibernating", recency=(2, 2), frequency=(1, 2)),
    SegmentRule("Lost", recency=(1, 1), frequency=(1, 2)),
)
"""The usual RFM segment map; every recency and frequency score falls in one of them."""


def score(customers: Mapping[str, Purchases], as_of: datetime) -> dict[str, RfmScore]:
    """Quintile scores of every customer; equal values get equal scores."""
    days_since = {c: (as_of - p.last_purchase_at).total_seconds() for c, p in customers.items()}
    recencies = sorted(days_since.values())
    frequencies = sorted(p.orders for p in customers.values())
    amounts = sorted(p.spent for p in customers.values())
    return {
        customer: RfmScore(
            recency=_quintile_of_lower(recencies, days_since[customer]),
            frequency=_quintile(frequencies, purchases.orders),
            monetary=_quintile(amounts, purchases.spent),
        )
        for customer, purchases in customers.items()
    }


def segment_of(score: RfmScore, rules: Sequence[SegmentRule] = DEFAULT_RULES) -> str:
    for rule in rules:
        if rule.matches(score):
            return rule.name
    return OTHERS


def _quintile(ordered: Sequence[Ranked], value: Ranked) -> int:
    """5 for the top fifth (higher is better), by the customer's mid-rank, so that
    equal values share a score and a base of equals sits in the middle."""
    share = (bisect_left(ordered, value) + bisect_right(ordered, value)) / 2 / len(ordered)
    return max(1, min(5, 1 + int(5 * share)))


def _quintile_of_lower(ordered: Sequence[Ranked], value: Ranked) -> int:
    """5 for the lowest fifth (lower is better: time since the last purchase)."""
    return 6 - _quintile(ordered, value)
