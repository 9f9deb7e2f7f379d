"""Promotions: what a cart gets for whom, when, and within which budget.

Evaluation is pure: the same cart, promotion state and moment always give the
same effects, so ``POST /promotions/evaluate`` before checkout shows exactly
what recording the order would apply. What a promotion spent, and on whom, is
kept apart (:mod:`loyalty.domain.promotion_budget`): a promotion's own history
is only its drafting and its activations, however many orders it was given to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from loyalty.domain.rewards import IllegalTransition


class PromotionKind(StrEnum):
    PAYMENT_METHOD = (
        "payment_method"  # a discount or bonus points when paying with e.g. the store card
    )
    GIFT_WITH_PURCHASE = "gift_with_purchase"  # buy X, get Y free
    POINTS_MULTIPLIER = "points_multiplier"  # more points per unit for a period
    LIMITED_OFFER = "limited_offer"  # a time-limited discount on some products


class PromotionStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    PAUSED = "paused"


@dataclass(frozen=True)
class CartLine:
    sku: str
    category: str
    quantity: int
    unit_price: Decimal

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Cart:
    """What a customer is about to buy, and how: everything eligibility looks at."""

    customer_id: str | None
    tier: str
    segments: frozenset[str]
    channel: str
    payment_method: str | None
    lines: tuple[CartLine, ...]
    at: datetime

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))


@dataclass(frozen=True)
class Effect:
    """What one promotion gives a cart; ``cost`` is what it costs the company."""

    promotion_id: UUID
    name: str
    kind: PromotionKind
    discount: Decimal = Decimal(0)
    bonus_points: int = 0
    points_multiplier: Decimal = Decimal(1)
    gift_sku: str | None = None
    gift_quantity: int = 0
    cost: Decimal = Decimal(0)


@dataclass(frozen=True)
class Terms:
    """The kind-specific terms; unused fields stay at their defaults."""

    payment_method: str | None = None
    discount_percent: Decimal = Decimal(0)
    bonus_points: int = 0
    multiplier: Decimal = Decimal(1)
    skus: frozenset[str] = frozenset()  # the products it applies to; empty: all
    categories: frozenset[str] = frozenset()
    buy_sku: str | None = None
    buy_quantity: int = 1
    gift_sku: str | None = None
    gift_quantity: int = 1
    gift_cost: Decimal = Decimal(0)

    def applies_to(self, line: CartLine) -> bool:
        if not self.skus and not self.categories:
            return True
        return line.sku in self.skus or line.category in self.categories

    def to_dict(self) -> dict[str, Any]:
        return {
            "payment_method": self.payment_method,
            "discount_percent": str(self.discount_percent),
            "bonus_points": self.bonus_points,
            "multiplier": str(self.multiplier),
            "skus": sorted(self.skus),
            "categories": sorted(self.categories),
            "buy_sku": self.buy_sku,
            "buy_quantity": self.buy_quantity,
            "gift_sku": self.gift_sku,
            "gift_quantity": self.gift_quantity,
            "gift_cost": str(self.gift_cost),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Terms:
        return cls(
            payment_method=data["payment_method"],
            discount_percent=Decimal(data["discount_percent"]),
            bonus_points=int(data["bonus_points"]),
            multiplier=Decimal(data["multiplier"]),
            skus=frozenset(data["skus"]),
            categories=frozenset(data["categories"]),
            buy_sku=data["buy_sku"],
            buy_quantity=int(data["buy_quantity"]),
            gift_sku=data["gift_sku"],
            gift_quantity=int(data["gift_quantity"]),
            gift_cost=Decimal(data["gift_cost"]),
        )


@dataclass(frozen=True)
class Eligibility:
    """Who may benefit; an empty set admits everyone."""

    tiers: frozenset[str] = field(default_factory=frozenset)
    segments: frozenset[str] = field(default_factory=frozenset)
    channels: frozenset[str] = field(default_factory=frozenset)

    def admits(self, cart: Cart) -> bool:
        return (
            (not self.tiers or cart.tier in self.tiers)
            and (not self.segments or bool(self.segments & cart.segments))
            and (not self.channels or cart.channel in self.channels)
        )


def _validate(kind: PromotionKind, terms: Terms) -> None:
    if not Decimal(0) <= terms.discount_percent <= Decimal(100):
        raise ValueError("a discount is between 0 and 100 percent")
    if terms.bonus_points < 0 or terms.multiplier < 1:
        raise ValueError("bonus points cannot be negative nor a multiplier below 1")
    if kind is PromotionKind.PAYMENT_METHOD and not terms.payment_method:
        raise ValueError("a payment-method promotion names the payment method")
    if kind is PromotionKind.GIFT_WITH_PURCHASE and not (terms.buy_sku and terms.gift_sku):
        raise ValueError("a gift with purchase names what to buy and the gift")
    if terms.buy_quantity < 1 or terms.gift_quantity < 1:
        raise ValueError("quantities are at least one")


class Promotion(Aggregate):
    """A promotion's terms, eligibility, period, budget and limits, and whether it runs."""

    TOPIC = "loyalty:Promotion"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:Promotion.Created"

    class Drafted(Aggregate.Created):
        TOPIC = "loyalty:Promotion.Drafted"
        name: str
        kind: str
        terms: dict[str, Any]
        starts_at: datetime | None
        ends_at: datetime | None
        tiers: list[str]
        segments: list[str]
        channels: list[str]
        budget: Decimal | None
        per_customer_limit: int | None

    class Activated(Aggregate.Event):
        TOPIC = "loyalty:Promotion.Activated"
        actor: str | None

    class Paused(Aggregate.Event):
        TOPIC = "loyalty:Promotion.Paused"
        actor: str | None

    @event(Drafted)
    def __init__(
        self,
        id: UUID,
        name: str,
        kind: str,
        terms: dict[str, Any],
        starts_at: datetime | None,
        ends_at: datetime | None,
        tiers: list[str],
        segments: list[str],
        channels: list[str],
        budget: Decimal | None,
        per_customer_limit: int | None,
    ) -> None:
        self.name = name
        self.kind = PromotionKind(kind)
        self.terms = Terms.from_dict(terms)
        _validate(self.kind, self.terms)
        if starts_at and ends_at and ends_at <= starts_at:
            raise ValueError("a promotion ends after it starts")
        if (budget is not None and budget < 0) or (
            per_customer_limit is not None and per_customer_limit < 1
        ):
            raise ValueError("a budget is not negative and a per-customer limit at least one")
        self.starts_at = starts_at
        self.ends_at = ends_at
        self.eligibility = Eligibility(frozenset(tiers), frozenset(segments), frozenset(channels))
        self.budget = budget
        self.per_customer_limit = per_customer_limit
        self.status = PromotionStatus.DRAFT

    def activate(self, actor: str | None) -> bool:
        if self.status is PromotionStatus.ACTIVE:
            return False
        self._activated(actor)
        return True

    def pause(self, actor: str | None) -> bool:
        if self.status is PromotionStatus.PAUSED:
            return False
        if self.status is not PromotionStatus.ACTIVE:
            raise IllegalTransition(f"the promotion is {self.status}: only a running one pauses")
        self._paused(actor)
        return True

    @event(Activated)
    def _activated(self, actor: str | None) -> None:
        self.status = PromotionStatus.ACTIVE

    @event(Paused)
    def _paused(self, actor: str | None) -> None:
        self.status = PromotionStatus.PAUSED

    def runs_at(self, at: datetime) -> bool:
        return (
            self.status is PromotionStatus.ACTIVE
            and (self.starts_at is None or self.starts_at <= at)
            and (self.ends_at is None or at < self.ends_at)
        )

    def effect_for(self, cart: Cart) -> Effect | None:
        """What this promotion's terms give the cart, or None when they do not apply to
        it; whether the budget and the customer's limit allow it is the budget's to say
        (:mod:`loyalty.domain.promotion_budget`)."""
        if not self.runs_at(cart.at) or not self.eligibility.admits(cart):
            return None
        return self._effect(cart)

    def _effect(self, cart: Cart) -> Effect | None:
        terms = self.terms
        lines = [line for line in cart.lines if terms.applies_to(line)]
        base = Effect(self.id, self.name, self.kind)
        if self.kind is PromotionKind.GIFT_WITH_PURCHASE:
            bought = sum(line.quantity for line in cart.lines if line.sku == terms.buy_sku)
            times = bought // terms.buy_quantity
            if times == 0:
                return None
            quantity = times * terms.gift_quantity
            return _with(
                base,
                gift_sku=terms.gift_sku,
                gift_quantity=quantity,
                cost=quantity * terms.gift_cost,
            )
        if not lines:
            return None
        if (
            self.kind is PromotionKind.PAYMENT_METHOD
            and cart.payment_method != terms.payment_method
        ):
            return None
        amount = sum((line.amount for line in lines), Decimal(0))
        discount = (amount * terms.discount_percent / 100).quantize(
            Decimal("0.01"), rounding=ROUND_FLOOR
        )
        if self.kind is PromotionKind.POINTS_MULTIPLIER:
            return _with(base, points_multiplier=terms.multiplier)
        return _with(base, discount=discount, bonus_points=terms.bonus_points, cost=discount)


def points_by_line(
    promotion: Promotion, effect: Effect, lines: Sequence[CartLine], base_points: Sequence[int]
) -> dict[int, int]:
    """The points an effect adds to each line of an order: a multiplier adds to the
    lines it applies to what they earned; bonus points are shared by those lines in
    proportion to their amount (the remainder on the first), so a returned line takes
    its share back with it."""
    applicable = [n for n, line in enumerate(lines) if promotion.terms.applies_to(line)]
    added: dict[int, int] = {}
    if not applicable:
        return added
    if effect.points_multiplier > 1:
        for n in applicable:
            extra = base_points[n] * (effect.points_multiplier - 1)
            added[n] = int(extra.to_integral_value(rounding=ROUND_FLOOR))
    if effect.bonus_points > 0:
        total = sum((lines[n].amount for n in applicable), Decimal(0))
        shares = {
            n: (int(effect.bonus_points * lines[n].amount // total) if total > 0 else 0)
            for n in applicable
        }
        shares[applicable[0]] += effect.bonus_points - sum(shares.values())
        for n, share in shares.items():
            added[n] = added.get(n, 0) + share
    return {n: points for n, points in added.items() if points > 0}


def _with(effect: Effect, **changes: Any) -> Effect:
    return Effect(**{**effect.__dict__, **changes})
