"""The figures executives steer by, counted over a period from plain facts (no I/O).

Each figure says what it counts, so a rate is never a bare number without its
numerator and denominator: a 50% win rate on two deals reads differently from
one on two hundred.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Period:
    """From ``start`` (inclusive; None: since the beginning) to ``end`` (exclusive)."""

    start: datetime | None
    end: datetime

    def __contains__(self, moment: object) -> bool:
        if not isinstance(moment, datetime):
            return False
        return (self.start is None or moment >= self.start) and moment < self.end


@dataclass(frozen=True)
class Lead:
    source: str
    campaign_id: str | None
    captured_at: datetime | None
    converted_at: datetime | None


@dataclass(frozen=True)
class Opportunity:
    status: str  # open, won or lost
    amount: Decimal
    probability: int
    opened_at: datetime | None
    closed_at: datetime | None


@dataclass(frozen=True)
class Purchase:
    customer_id: str
    placed_at: datetime
    kept: Decimal
    """What the customer kept: the total less returns (cancelled orders are not purchases)."""


@dataclass(frozen=True)
class PointsMovement:
    kind: str  # issued, reversed, redeemed, expired or returned
    points: int
    monetary_value: Decimal
    occurred_at: datetime


@dataclass(frozen=True)
class ServedCase:
    opened_at: datetime | None
    first_response_at: datetime | None
    sla_breached: bool
    satisfaction: int | None
    satisfaction_at: datetime | None


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def money(amount: Decimal) -> str:
    return str(amount.quantize(CENT))


def leads(found: Iterable[Lead], period: Period) -> dict[str, Any]:
    """Leads captured in the period by source, and the share of them converted to customers.

    Conversions are counted for the leads captured in the period (a cohort),
    so the rate is never above one however late a lead converts.
    """
    captured = [lead for lead in found if lead.captured_at in period]
    by_source: dict[str, dict[str, int]] = defaultdict(lambda: {"leads": 0, "converted": 0})
    acquired_by_campaign: Counter[str] = Counter()
    for lead in captured:
        by_source[lead.source]["leads"] += 1
        if lead.converted_at is not None:
            by_source[lead.source]["converted"] += 1
            if lead.campaign_id:
                acquired_by_campaign[lead.campaign_id] += 1
    converted = sum(figures["converted"] for figures in by_source.values())
    return {
        "captured": len(captured),
        "converted": converted,
        "conversion_rate": rate(converted, len(captured)),
        "by_source": {
            source: {**figures, "conversion_rate": rate(figures["converted"], figures["leads"])}
            for source, figures in sorted(by_source.items())
        },
        "customers_acquired_by_campaign": dict(sorted(acquired_by_campaign.items())),
    }


@dataclass(frozen=True)
class CampaignCost:
    name: str | None
    currency: str | None
    actual_cost: Decimal


def acquisition(
    found: Iterable[Lead], costs: Mapping[str, CampaignCost], period: Period
) -> dict[str, Any]:
    """Leads and conversions, and what each campaign paid per customer it brought.

    A campaign's whole actual cost is divided by the customers its leads of the
    period became: the cost of acquiring them, not of the leads that stayed leads.
    """
    figures = leads(found, period)
    per_campaign = {}
    for campaign_id, acquired in figures["customers_acquired_by_campaign"].items():
        cost = costs.get(campaign_id)
        if cost is None:
            continue
        per_campaign[campaign_id] = {
            "name": cost.name,
            "actual_cost": money(cost.actual_cost),
            "currency": cost.currency,
            "customers_acquired": acquired,
            "cost_per_acquired_customer": money(cost.actual_cost / acquired),
        }
    return {**figures, "cost_per_acquired_customer": per_campaign}


def pipeline(found: Iterable[Opportunity], period: Period) -> dict[str, Any]:
    """Open pipeline at the period's end (raw and weighted by probability); win rate of the
    deals closed in the period."""
    found = list(found)
    open_at_end = [
        o
        for o in found
        if o.opened_at is not None
        and o.opened_at < period.end
        and (o.status == "open" or (o.closed_at is not None and o.closed_at >= period.end))
    ]
    won = [o for o in found if o.status == "won" and o.closed_at in period]
    lost = [o for o in found if o.status == "lost" and o.closed_at in period]
    return {
        "open_opportunities": len(open_at_end),
        "pipeline_value": money(sum((o.amount for o in open_at_end), Decimal(0))),
        "weighted_pipeline_value": money(
            sum((o.amount * o.probability / 100 for o in open_at_end), Decimal(0))
        ),
        "won": len(won),
        "lost": len(lost),
        "won_value": money(sum((o.amount for o in won), Decimal(0))),
        "win_rate": rate(len(won), len(won) + len(lost)),
    }


def orders(found: Sequence[Purchase], period: Period) -> dict[str, Any]:
    """Average order value in the period, and the share of its buyers who had bought more
    than once by the period's end (repeat-purchase rate)."""
    in_period = [p for p in found if p.placed_at in period]
    buyers = {p.customer_id for p in in_period}
    orders_by_end: Counter[str] = Counter(
        p.customer_id for p in found if p.placed_at < period.end and p.customer_id in buyers
    )
    repeat = sum(1 for count in orders_by_end.values() if count > 1)
    revenue = sum((p.kept for p in in_period), Decimal(0))
    return {
        "orders": len(in_period),
        "revenue": money(revenue),
        "average_order_value": money(revenue / len(in_period)) if in_period else None,
        "buyers": len(buyers),
        "repeat_buyers": repeat,
        "repeat_purchase_rate": rate(repeat, len(buyers)),
    }


def retention(found: Sequence[Purchase], period: Period) -> list[dict[str, Any]]:
    """Monthly cohorts of first-time buyers in the period: the share who bought again in a
    later month, by the period's end."""
    months: dict[str, set[str]] = defaultdict(set)
    for purchase in found:
        if purchase.placed_at < period.end:
            months[purchase.customer_id].add(purchase.placed_at.strftime("%Y-%m"))
    first_orders: dict[str, datetime] = {}
    for purchase in found:
        seen = first_orders.get(purchase.customer_id)
        if seen is None or purchase.placed_at < seen:
            first_orders[purchase.customer_id] = purchase.placed_at
    cohorts: dict[str, list[bool]] = defaultdict(list)
    for customer, first in first_orders.items():
        if first not in period:
            continue
        cohort = first.strftime("%Y-%m")
        cohorts[cohort].append(any(month > cohort for month in months[customer]))
    return [
        {
            "cohort": cohort,
            "customers": len(returned),
            "retained": sum(returned),
            "retention_rate": rate(sum(returned), len(returned)),
        }
        for cohort, returned in sorted(cohorts.items())
    ]


SIGN = {"issued": 1, "returned": 1, "reversed": -1, "redeemed": -1, "expired": -1}


def points_liability(found: Iterable[PointsMovement], period: Period) -> dict[str, Any]:
    """Points outstanding at the period's end (issued - reversed - redeemed - expired +
    returned) and what they are worth; and the period's movements by kind."""
    outstanding = 0
    value = Decimal(0)
    moved: Counter[str] = Counter()
    for movement in found:
        if movement.occurred_at >= period.end:
            continue
        outstanding += SIGN[movement.kind] * movement.points
        value += SIGN[movement.kind] * movement.monetary_value
        if movement.occurred_at in period:
            moved[movement.kind] += movement.points
    return {
        "points_outstanding": outstanding,
        "liability_value": money(value),
        "points_moved_in_period": {kind: moved.get(kind, 0) for kind in SIGN},
    }


def service(found: Iterable[ServedCase], period: Period) -> dict[str, Any]:
    """SLA compliance of the cases opened in the period, CSAT of the ratings given in it, and
    the average first-response time of the cases first answered in it."""
    found = list(found)
    opened = [case for case in found if case.opened_at in period]
    compliant = sum(1 for case in opened if not case.sla_breached)
    rated = [c.satisfaction for c in found if c.satisfaction and c.satisfaction_at in period]
    waits = [
        (case.first_response_at - case.opened_at).total_seconds()
        for case in found
        if case.first_response_at is not None
        and case.first_response_at in period
        and case.opened_at is not None
    ]
    return {
        "cases_opened": len(opened),
        "sla_compliance": rate(compliant, len(opened)),
        "ratings": len(rated),
        "csat": round(sum(rated) / len(rated), 2) if rated else None,
        "satisfied_share": rate(sum(1 for score in rated if score >= 4), len(rated)),
        "average_first_response_minutes": round(sum(waits) / len(waits) / 60, 1) if waits else None,
    }
