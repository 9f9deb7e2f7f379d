"""How many points a purchase earns, when they become usable, expire, and what they cost."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from loyalty.domain.tiers import Tier, TierRules


def _default_tier_multipliers() -> dict[Tier, Decimal]:
    return {
        Tier.STANDARD: Decimal(1),
        Tier.SILVER: Decimal("1.25"),
        Tier.GOLD: Decimal("1.5"),
        Tier.PREMIUM: Decimal(2),
    }


@dataclass(frozen=True)
class EarningRules:
    """The programme's earning configuration; the points a line earned are recorded with
    the order, so changing the rules never changes history."""

    points_per_unit: Decimal = Decimal(1)
    category_multipliers: Mapping[str, Decimal] = field(default_factory=dict)
    sku_multipliers: Mapping[str, Decimal] = field(default_factory=dict)
    tier_multipliers: Mapping[Tier, Decimal] = field(default_factory=_default_tier_multipliers)
    pending_until_paid: bool = True
    expiry_days: int | None = 365
    point_value: Decimal = Decimal("0.01")
    currency: str = "EUR"

    def __post_init__(self) -> None:
        multipliers = [
            *self.category_multipliers.values(),
            *self.sku_multipliers.values(),
            *self.tier_multipliers.values(),
        ]
        if self.points_per_unit < 0 or any(m < 0 for m in multipliers):
            raise ValueError("rates and multipliers cannot be negative")
        if self.point_value < 0:
            raise ValueError("a point cannot cost less than nothing")
        if self.expiry_days is not None and self.expiry_days <= 0:
            raise ValueError("points expire a positive number of days after earning, or never")

    def points_for_line(
        self, sku: str, category: str, quantity: int, unit_price: Decimal, tier: Tier
    ) -> int:
        """Whole points, rounded down: a line never earns more than the rules promise."""
        raw = (
            quantity
            * unit_price
            * self.points_per_unit
            * self.sku_multipliers.get(sku, self.category_multipliers.get(category, Decimal(1)))
            * self.tier_multipliers.get(tier, Decimal(1))
        )
        return int(raw.to_integral_value(rounding=ROUND_FLOOR))

    def expiry_of(self, earned_at: datetime) -> datetime | None:
        return None if self.expiry_days is None else earned_at + timedelta(days=self.expiry_days)

    def value_of(self, points: int) -> Decimal:
        return (self.point_value * points).quantize(Decimal("0.01"))

    def to_dict(self) -> dict[str, Any]:
        return {
            "points_per_unit": str(self.points_per_unit),
            "category_multipliers": {k: str(v) for k, v in self.category_multipliers.items()},
            "sku_multipliers": {k: str(v) for k, v in self.sku_multipliers.items()},
            "tier_multipliers": {k.value: str(v) for k, v in self.tier_multipliers.items()},
            "pending_until_paid": self.pending_until_paid,
            "expiry_days": self.expiry_days,
            "point_value": str(self.point_value),
            "currency": self.currency,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EarningRules:
        return cls(
            points_per_unit=Decimal(data["points_per_unit"]),
            category_multipliers={k: Decimal(v) for k, v in data["category_multipliers"].items()},
            sku_multipliers={k: Decimal(v) for k, v in data["sku_multipliers"].items()},
            tier_multipliers={Tier(k): Decimal(v) for k, v in data["tier_multipliers"].items()},
            pending_until_paid=bool(data["pending_until_paid"]),
            expiry_days=data["expiry_days"],
            point_value=Decimal(data["point_value"]),
            currency=str(data["currency"]),
        )


@dataclass(frozen=True)
class ProgrammeRules:
    """Everything a decision on an account needs to know about the programme."""

    earning: EarningRules = field(default_factory=EarningRules)
    tiers: TierRules = field(default_factory=TierRules)
