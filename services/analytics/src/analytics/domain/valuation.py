"""Assesses every customer at once: RFM segment, P(alive), expected purchases and CLV.

The models are fitted on the whole order book at each assessment (they are
population models: a customer's P(alive) depends on how everybody else buys).
A young shop with too few repeat buyers cannot support a fit; it starts from
the published CDNOW estimates, with the spend model rescaled to its own average
purchase, until it has enough history.

The models count *purchase occasions*, as Fader, Hardie & Lee do on CDNOW
("RFM and CLV: Using iso-value curves", 2005): a customer's orders on one
calendar day (UTC) are one purchase whose spend is their sum; the frequency
counts the repeat occasions and the spend model averages the repeat occasions'
spend. Counting orders instead split a day's basket into several purchases, made
the first day's extra orders repeat spend and let the arrival order of the
orders decide which one was "first".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from analytics.domain.assessment import Assessment
from analytics.domain.clv import BgNbd, Fitted, GammaGamma, PurchaseHistory, lifetime_value
from analytics.domain.rfm import DEFAULT_RULES, Purchases, SegmentRule, score, segment_of

PUBLISHED_BG_NBD = BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)
PUBLISHED_GAMMA_GAMMA = GammaGamma(p=6.25, q=3.74, gamma=15.44)
DAYS_A_WEEK = 7


@dataclass(frozen=True)
class Order:
    placed_at: datetime
    value: Decimal


@dataclass(frozen=True)
class Occasion:
    """One purchase as the CLV models count it: a customer's orders of one day."""

    day: date
    spend: Decimal


def occasions_of(orders: Iterable[Order]) -> list[Occasion]:
    """The customer's purchase occasions, by day (UTC): the same whatever order the
    orders arrive in."""
    by_day: dict[date, Decimal] = {}
    for order in orders:
        day = order.placed_at.astimezone(UTC).date()
        by_day[day] = by_day.get(day, Decimal(0)) + order.value
    return [Occasion(day, spend) for day, spend in sorted(by_day.items())]


def history_of(occasions: Sequence[Occasion], as_of: datetime) -> PurchaseHistory:
    """Repeat occasions, and weeks from the first occasion's day to the last one's
    (recency) and to ``as_of``'s day (age), counted in whole days as the paper does."""
    if not occasions:
        raise ValueError("a history needs at least the first purchase")
    first, last = occasions[0].day, occasions[-1].day
    recency = (last - first).days / DAYS_A_WEEK
    age = (as_of.astimezone(UTC).date() - first).days / DAYS_A_WEEK
    return PurchaseHistory(frequency=len(occasions) - 1, recency=recency, age=max(age, recency))


def repeat_spend(occasions: Sequence[Occasion]) -> float:
    """The average spend of the repeat occasions (the first is atypical, as the paper
    notes, and the spend model leaves it out); 0 without repeat occasions."""
    repeat = occasions[1:]
    if not repeat:
        return 0.0
    return float(sum((o.spend for o in repeat), Decimal(0)) / len(repeat))


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
    """The purchase and spend models an assessment used, with what their fit rests on."""

    purchases: Fitted[BgNbd]
    spend: Fitted[GammaGamma]

    @property
    def fitted(self) -> bool:
        """Estimated on the shop's own customers (else: the published CDNOW estimates)."""
        return self.purchases.converged is not None


@dataclass(frozen=True)
class Valuation:
    """Every customer's assessment as of one moment, and the models behind it."""

    as_of: datetime
    models: Models | None
    customers: dict[str, Assessment]


def assess(
    order_book: Mapping[str, Sequence[Order]],
    as_of: datetime,
    policy: ValuationPolicy = ValuationPolicy(),
) -> Valuation:
    """Every customer with an order placed by ``as_of``, assessed as of then."""
    book = {
        customer: [o for o in orders if o.placed_at <= as_of]
        for customer, orders in order_book.items()
    }
    book = {customer: orders for customer, orders in book.items() if orders}
    if not book:
        return Valuation(as_of, None, {})
    occasions = {customer: occasions_of(orders) for customer, orders in book.items()}
    histories = {customer: history_of(o, as_of) for customer, o in occasions.items()}
    spends = {customer: repeat_spend(o) for customer, o in occasions.items()}
    models = fit(histories, spends, occasions, policy)
    scores = score(
        {
            customer: Purchases(
                orders=len(orders),
                spent=sum((o.value for o in orders), Decimal(0)),
                last_purchase_at=max(o.placed_at for o in orders),
            )
            for customer, orders in book.items()
        },
        as_of,
    )
    purchases, spend = models.purchases.model, models.spend.model
    assessed = {}
    for customer, history in histories.items():
        rfm = scores[customer]
        assessed[customer] = Assessment(
            segment=segment_of(rfm, policy.rules),
            rfm=str(rfm),
            probability_alive=purchases.probability_alive(history),
            expected_purchases=purchases.expected_purchases(history, policy.horizon_weeks),
            lifetime_value=lifetime_value(
                purchases,
                spend,
                history,
                spends[customer],
                horizon=policy.horizon_weeks,
                periods=policy.periods,
                discount_rate=policy.discount_rate,
            ),
            horizon_weeks=policy.horizon_weeks,
        )
    return Valuation(as_of, models, assessed)


def fit(
    histories: Mapping[str, PurchaseHistory],
    spends: Mapping[str, float],
    occasions: Mapping[str, Sequence[Occasion]],
    policy: ValuationPolicy,
) -> Models:
    """The models fitted on these customers, or the published ones while too few of
    them bought again."""
    repeat_buyers = sum(1 for h in histories.values() if h.frequency > 0)
    if repeat_buyers >= policy.minimum_repeat_buyers:
        return Models(
            BgNbd.fit(histories.values()),
            GammaGamma.fit((histories[c].frequency, spends[c]) for c in histories),
        )
    spent = [float(o.spend) for each in occasions.values() for o in each]
    average = sum(spent) / len(spent) if spent else 0.0
    prior = PUBLISHED_GAMMA_GAMMA
    rescaled = GammaGamma(prior.p, prior.q, max(average, 0.01) * (prior.q - 1) / prior.p)
    spenders = [(h.frequency, spends[c]) for c, h in histories.items()]
    spenders = [(x, zbar) for x, zbar in spenders if x > 0 and zbar > 0]
    return Models(
        Fitted(
            PUBLISHED_BG_NBD,
            sum(PUBLISHED_BG_NBD.log_likelihood(h) for h in histories.values()),
            len(histories),
            None,
        ),
        Fitted(
            rescaled,
            sum(rescaled.log_likelihood(x, zbar) for x, zbar in spenders),
            len(spenders),
            None,
        ),
    )
