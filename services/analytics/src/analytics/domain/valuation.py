"""Assesses every customer at once: RFM segment, P(alive), expected purchases and CLV.

The models are fitted on the whole order book at each assessment (they are
population models: a customer's P(alive) depends on how everybody else buys).
A young shop with too few repeat buyers cannot support a fit; it starts from
the published CDNOW estimates, with the spend model rescaled to its own average
order, until it has enough history.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from analytics.domain.assessment import Assessment
from analytics.domain.clv import BgNbd, GammaGamma, PurchaseHistory, lifetime_value
from analytics.domain.rfm import DEFAULT_RULES, Purchases, SegmentRule, score, segment_of

WEEK = timedelta(weeks=1)
PUBLISHED_BG_NBD = BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)
PUBLISHED_GAMMA_GAMMA = GammaGamma(p=6.25, q=3.74, gamma=15.44)


@dataclass(frozen=True)
class Order:
    placed_at: datetime
    value: Decimal


@dataclass(frozen=True)
class ValuationPolicy:
    """How far ahead CLV looks and how it discounts (a monthly rate over monthly periods)."""

    horizon_weeks: float = 52.0
    periods: int = 12
    discount_rate: float = 0.01
    minimum_repeat_buyers: int = 30
    rules: tuple[SegmentRule, ...] = DEFAULT_RULES


@dataclass(frozen=True)
class Models:
    purchases: BgNbd
    spend: GammaGamma
    fitted: bool


def assess(
    order_book: Mapping[str, Sequence[Order]],
    as_of: datetime,
    policy: ValuationPolicy = ValuationPolicy(),
) -> dict[str, Assessment]:
    """Every customer with an order placed by ``as_of``, assessed as of then."""
    book = {
        customer: sorted((o for o in orders if o.placed_at <= as_of), key=lambda o: o.placed_at)
        for customer, orders in order_book.items()
    }
    book = {customer: orders for customer, orders in book.items() if orders}
    if not book:
        return {}
    histories = {customer: _history(orders, as_of) for customer, orders in book.items()}
    spends = {customer: _repeat_spend(orders) for customer, orders in book.items()}
    models = fit(histories, spends, book, policy)
    scores = score(
        {
            customer: Purchases(
                orders=len(orders),
                spent=sum((o.value for o in orders), Decimal(0)),
                last_purchase_at=orders[-1].placed_at,
            )
            for customer, orders in book.items()
        },
        as_of,
    )
    assessed = {}
    for customer, history in histories.items():
        rfm = scores[customer]
        assessed[customer] = Assessment(
            segment=segment_of(rfm, policy.rules),
            rfm=str(rfm),
            probability_alive=models.purchases.probability_alive(history),
            expected_purchases=models.purchases.expected_purchases(history, policy.horizon_weeks),
            lifetime_value=lifetime_value(
                models.purchases,
                models.spend,
                history,
                spends[customer],
                horizon=policy.horizon_weeks,
                periods=policy.periods,
                discount_rate=policy.discount_rate,
            ),
            horizon_weeks=policy.horizon_weeks,
        )
    return assessed


def fit(
    histories: Mapping[str, PurchaseHistory],
    spends: Mapping[str, float],
    book: Mapping[str, Sequence[Order]],
    policy: ValuationPolicy,
) -> Models:
    repeat_buyers = sum(1 for h in histories.values() if h.frequency > 0)
    if repeat_buyers >= policy.minimum_repeat_buyers:
        return Models(
            BgNbd.fit(histories.values()),
            GammaGamma.fit((histories[c].frequency, spends[c]) for c in histories),
            fitted=True,
        )
    values = [float(o.value) for orders in book.values() for o in orders]
    average_order = sum(values) / len(values) if values else 0.0
    prior = PUBLISHED_GAMMA_GAMMA
    rescaled = GammaGamma(prior.p, prior.q, max(average_order, 0.01) * (prior.q - 1) / prior.p)
    return Models(PUBLISHED_BG_NBD, rescaled, fitted=False)


def _history(orders: Sequence[Order], as_of: datetime) -> PurchaseHistory:
    """Weeks since the first purchase; several orders on one day count as one purchase."""
    first = orders[0].placed_at
    days = sorted({(o.placed_at - first).days for o in orders})
    return PurchaseHistory(
        frequency=len(days) - 1,
        recency=days[-1] / 7,
        age=max((as_of - first) / WEEK, days[-1] / 7),
    )


def _repeat_spend(orders: Sequence[Order]) -> float:
    """The average value of the repeat purchases (the first is atypical, as the paper notes)."""
    repeat = orders[1:]
    if not repeat:
        return 0.0
    return float(sum((o.value for o in repeat), Decimal(0))) / len(repeat)
