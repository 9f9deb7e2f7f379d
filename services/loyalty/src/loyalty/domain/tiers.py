"""Customer classification: which tier rolling 12-month purchases earn, and when it may drop."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any


class Tier(StrEnum):
    STANDARD = "standard"
    SILVER = "silver"
    GOLD = "gold"
    PREMIUM = "premium"

    @property
    def rank(self) -> int:
        return list(Tier).index(self)


class DowngradePolicy(StrEnum):
    NEVER = "never"
    AT_ANNIVERSARY = "at_anniversary"
    AFTER_DAYS_BELOW = "after_days_below"


@dataclass(frozen=True)
class Purchase:
    """What one order counts towards the tier: its amount net of returns, when placed."""

    placed_at: datetime
    amount: Decimal


@dataclass(frozen=True)
class TierRules:
    """The classification: thresholds on rolling purchases and the downgrade policy.

    A customer is in the highest tier whose threshold their purchases are *above*:
    Premium above 1,000,000 by default.
    """

    silver_above: Decimal = Decimal(10_000)
    gold_above: Decimal = Decimal(100_000)
    premium_above: Decimal = Decimal(1_000_000)
    window_days: int = 365
    downgrade: DowngradePolicy = DowngradePolicy.AT_ANNIVERSARY
    days_below: int = 90

    def __post_init__(self) -> None:
        if not Decimal(0) <= self.silver_above <= self.gold_above <= self.premium_above:
            raise ValueError("tier thresholds must rise: silver <= gold <= premium")
        if self.window_days <= 0 or self.days_below < 0:
            raise ValueError("the window must be positive and days_below not negative")

    def qualifies_for(self, purchases: Decimal) -> Tier:
        """THE classification rule: the tier a rolling purchase amount earns."""
        if purchases > self.premium_above:
            return Tier.PREMIUM
        if purchases > self.gold_above:
            return Tier.GOLD
        if purchases > self.silver_above:
            return Tier.SILVER
        return Tier.STANDARD

    def rolling_purchases(self, purchases: Iterable[Purchase], at: datetime) -> Decimal:
        start = at - timedelta(days=self.window_days)
        return sum((p.amount for p in purchases if start < p.placed_at <= at), Decimal(0))

    def next_tier(
        self, current: Tier, tier_since: datetime, purchases: list[Purchase], at: datetime
    ) -> Tier:
        """Upgrade at once; downgrade only as the policy allows."""
        qualified = self.qualifies_for(self.rolling_purchases(purchases, at))
        if qualified.rank >= current.rank:
            return qualified
        if self.downgrade is DowngradePolicy.NEVER:
            return current
        if self.downgrade is DowngradePolicy.AT_ANNIVERSARY:
            anniversary = tier_since + timedelta(days=self.window_days)
            return qualified if at >= anniversary else current
        # AFTER_DAYS_BELOW: below the current tier at every moment of the last days_below days
        since = max(at - timedelta(days=self.days_below), tier_since)
        if at - since < timedelta(days=self.days_below):
            return current
        return qualified if self._below_throughout(current, purchases, since, at) else current

    def _below_throughout(
        self, tier: Tier, purchases: list[Purchase], start: datetime, end: datetime
    ) -> bool:
        """The rolling sum only changes when a purchase enters or leaves the window."""
        window = timedelta(days=self.window_days)
        moments = {start, end}
        for purchase in purchases:
            moments.update({purchase.placed_at, purchase.placed_at + window})
        return all(
            self.qualifies_for(self.rolling_purchases(purchases, moment)).rank < tier.rank
            for moment in moments
            if start <= moment <= end
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "silver_above": str(self.silver_above),
            "gold_above": str(self.gold_above),
            "premium_above": str(self.premium_above),
            "window_days": self.window_days,
            "downgrade": self.downgrade.value,
            "days_below": self.days_below,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TierRules:
        return cls(
            silver_above=Decimal(data["silver_above"]),
            gold_above=Decimal(data["gold_above"]),
            premium_above=Decimal(data["premium_above"]),
            window_days=int(data["window_days"]),
            downgrade=DowngradePolicy(data["downgrade"]),
            days_below=int(data["days_below"]),
        )
