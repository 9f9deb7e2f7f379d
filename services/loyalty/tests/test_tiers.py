"""Tiers follow rolling 12-month purchases: up at once, down as the policy allows."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from loyalty.domain.tiers import DowngradePolicy, Purchase, Tier, TierRules

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


GOLD_PURCHASE = [Purchase(day(0), Decimal(150_000))]


@pytest.mark.parametrize(
    ("amount", "tier"),
    [
        (Decimal(0), Tier.STANDARD),
        (Decimal(10_000), Tier.STANDARD),
        (Decimal("10000.01"), Tier.SILVER),
        (Decimal(100_001), Tier.GOLD),
        (Decimal(1_000_000), Tier.GOLD),
        (Decimal("1000000.01"), Tier.PREMIUM),
    ],
)
def test_a_tier_is_earned_by_purchases_above_its_threshold(amount: Decimal, tier: Tier) -> None:
    assert TierRules().qualifies_for(amount) is tier


def test_purchases_older_than_the_window_no_longer_count() -> None:
    rules = TierRules()

    assert rules.rolling_purchases(GOLD_PURCHASE, day(364)) == 150_000
    assert rules.rolling_purchases(GOLD_PURCHASE, day(365)) == 0


def test_thresholds_must_rise() -> None:
    with pytest.raises(ValueError, match="rise"):
        TierRules(silver_above=Decimal(10), gold_above=Decimal(5))


def test_with_the_never_policy_a_tier_is_kept_for_good() -> None:
    rules = TierRules(downgrade=DowngradePolicy.NEVER)

    assert rules.next_tier(Tier.GOLD, day(0), GOLD_PURCHASE, day(2000)) is Tier.GOLD


def test_at_the_anniversary_policy_a_tier_drops_only_a_year_after_it_was_reached() -> None:
    rules = TierRules(downgrade=DowngradePolicy.AT_ANNIVERSARY)
    reached = day(100)

    assert rules.next_tier(Tier.GOLD, reached, GOLD_PURCHASE, day(400)) is Tier.GOLD
    assert rules.next_tier(Tier.GOLD, reached, GOLD_PURCHASE, day(465)) is Tier.STANDARD


def test_after_days_below_a_tier_drops_once_purchases_stayed_below_it_that_long() -> None:
    rules = TierRules(downgrade=DowngradePolicy.AFTER_DAYS_BELOW, days_below=30)

    # the purchase leaves the window on day 365: below gold from then on
    assert rules.next_tier(Tier.GOLD, day(0), GOLD_PURCHASE, day(380)) is Tier.GOLD
    assert rules.next_tier(Tier.GOLD, day(0), GOLD_PURCHASE, day(395)) is Tier.STANDARD


def test_an_upgrade_happens_at_once_whatever_the_policy() -> None:
    for policy in DowngradePolicy:
        rules = TierRules(downgrade=policy)
        assert rules.next_tier(Tier.STANDARD, day(0), GOLD_PURCHASE, day(1)) is Tier.GOLD
