"""The value objects of an account's ledger: lots, earned orders and statement lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from loyalty.domain.tiers import Purchase


class InsufficientPoints(Exception):
    """The account holds fewer available points than the command needs."""


@dataclass
class Lot:
    """Points earned together, consumed oldest first, expiring together."""

    lot_id: str
    points: int
    remaining: int
    earned_at: datetime
    expires_at: datetime | None
    order_id: str | None
    expired: int = 0  # of this lot, still not written off by a later return


@dataclass(frozen=True)
class OrderedLine:
    """A line as the ERP ordered it."""

    sku: str
    category: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class PromotionPoints:
    """Points a promotion added to one line, kept with the line so a return or a
    cancellation takes them back exactly as it takes back the line's own points."""

    promotion_id: str
    name: str
    points: int


@dataclass
class EarnedLine:
    """What one order line earned, and how much of it was given back."""

    line_no: int
    sku: str
    category: str
    quantity: int
    unit_price: Decimal
    points: int  # what the programme's rules earned
    returned: int = 0
    taken_back: int = 0
    promotions: tuple[PromotionPoints, ...] = ()

    def share_kept(self, points: int, returned: int) -> int:
        """What ``points`` earned by the whole line keep with ``returned`` units given back."""
        return points * (self.quantity - returned) // self.quantity

    def kept_if_returned(self, returned: int) -> int:
        """Points the line keeps with ``returned`` units given back: nothing when all are.
        Each part (the rules' points, each promotion's) is rounded on its own, so the
        parts always add up to the line."""
        return self.share_kept(self.points, returned) + sum(
            self.share_kept(bonus.points, returned) for bonus in self.promotions
        )

    @property
    def total_points(self) -> int:
        return self.points + sum(bonus.points for bonus in self.promotions)

    @property
    def kept(self) -> int:
        return self.total_points - self.taken_back

    def promotion_kept(self) -> dict[str, int]:
        return {b.promotion_id: self.share_kept(b.points, self.returned) for b in self.promotions}


class OrderStatus(StrEnum):
    PENDING = "pending"  # points wait for the payment
    AVAILABLE = "available"  # points were issued
    CANCELLED = "cancelled"


@dataclass
class EarnedOrder:
    order_id: str
    placed_at: datetime
    currency: str
    lines: list[EarnedLine]
    status: OrderStatus
    returns: set[str] = field(default_factory=set)
    promotions: tuple[str, ...] = ()  # every promotion given, with points or without

    @property
    def kept_points(self) -> int:
        return sum(line.kept for line in self.lines)

    @property
    def earned_points(self) -> int:
        return sum(line.total_points for line in self.lines)

    def promotion_kept(self) -> dict[str, int]:
        """Points each applied promotion still gives this order, net of what went back."""
        kept: dict[str, int] = {}
        for line in self.lines:
            for promotion_id, points in line.promotion_kept().items():
                kept[promotion_id] = kept.get(promotion_id, 0) + points
        return kept

    def promotion_names(self) -> dict[str, str]:
        return {b.promotion_id: b.name for line in self.lines for b in line.promotions}

    @property
    def purchase(self) -> Purchase:
        """What the order counts towards the tier: nothing once cancelled, net of returns."""
        if self.status is OrderStatus.CANCELLED:
            return Purchase(self.placed_at, Decimal(0))
        amount = sum(
            ((line.quantity - line.returned) * line.unit_price for line in self.lines), Decimal(0)
        )
        return Purchase(self.placed_at, amount)


@dataclass
class RedeemedPoints:
    """What a redemption took from which lots, kept so a cancellation returns exactly that."""

    points: int
    taken: list[list[Any]]  # [[lot_id, points], ...]
    reward_id: str | None
    monetary_value: Decimal
    currency: str
    returned: bool = False


class MovementKind(StrEnum):
    ISSUED = "issued"
    REVERSED = "reversed"
    REDEEMED = "redeemed"
    RETURNED = "returned"  # a cancelled redemption's points, given back
    EXPIRED = "expired"


@dataclass(frozen=True)
class Movement:
    """One line of the customer's statement."""

    sequence: int
    kind: MovementKind
    points: int  # signed: what the movement did to the balance
    balance_after: int
    occurred_at: datetime
    reason: str
    order_id: str | None
    reference: str | None
    actor: str | None
