"""RFM scores rank customers against each other; named segments are rules over the scores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from analytics.domain.rfm import (
    DEFAULT_RULES,
    OTHERS,
    Purchases,
    RfmScore,
    SegmentRule,
    score,
    segment_of,
)

NOW = datetime(2026, 11, 2, tzinfo=UTC)


def bought(days_ago: int, orders: int, spent: str) -> Purchases:
    return Purchases(orders, Decimal(spent), NOW - timedelta(days=days_ago))


def test_the_most_recent_frequent_big_spender_scores_555_and_the_opposite_111() -> None:
    customers = {
        f"c-{i}": bought(days_ago=10 * i, orders=10 - i, spent=str(1000 - 100 * i))
        for i in range(10)
    }

    scores = score(customers, NOW)

    assert scores["c-0"] == RfmScore(5, 5, 5)
    assert scores["c-9"] == RfmScore(1, 1, 1)
    assert [scores[f"c-{i}"].recency for i in range(10)] == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_customers_with_equal_values_share_a_score() -> None:
    customers = {f"c-{i}": bought(days_ago=5, orders=1, spent="20") for i in range(4)}

    scores = score(customers, NOW)

    assert set(scores.values()) == {RfmScore(3, 3, 3)}


def test_the_default_segments_name_the_usual_rfm_groups() -> None:
    assert segment_of(RfmScore(5, 5, 5)) == "Champions"
    assert segment_of(RfmScore(4, 4, 2)) == "Loyal"
    assert segment_of(RfmScore(1, 5, 5)) == "Cannot lose them"
    assert segment_of(RfmScore(2, 4, 3)) == "At risk"
    assert segment_of(RfmScore(5, 2, 2)) == "Potential loyalists"
    assert segment_of(RfmScore(5, 1, 1)) == "New customers"
    assert segment_of(RfmScore(2, 1, 3)) == "Hibernating"
    assert segment_of(RfmScore(1, 1, 1)) == "Lost"


def test_every_score_falls_in_a_named_default_segment() -> None:
    every = [RfmScore(r, f, m) for r in range(1, 6) for f in range(1, 6) for m in range(1, 6)]

    assert OTHERS not in {segment_of(s) for s in every}


def test_configured_rules_replace_the_default_and_the_first_match_wins() -> None:
    rules = (
        SegmentRule("VIP", monetary=(5, 5)),
        SegmentRule("Everyone else"),
    )

    assert segment_of(RfmScore(1, 1, 5), rules) == "VIP"
    assert segment_of(RfmScore(5, 5, 4), rules) == "Everyone else"
    assert segment_of(RfmScore(5, 5, 3), DEFAULT_RULES[:1]) == OTHERS
