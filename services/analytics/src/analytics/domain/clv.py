"""Customer lifetime value: how often a customer will buy again, and for how much.

Two "buy till you die" models, fitted by maximum likelihood on each customer's
purchase history alone (no features, no training labels):

- BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"):
  while alive a customer buys at a Poisson rate (gamma-distributed across
  customers: r, alpha) and after each purchase drops out with a probability
  (beta-distributed: a, b). It gives P(alive) and the expected number of
  purchases over a horizon.
- Gamma-Gamma (Fader & Hardie 2013, "The Gamma-Gamma model of monetary
  value"): the average spend per purchase, shrunk towards the population mean
  the fewer purchases a customer made (p, q, gamma).

CLV over a horizon is the expected purchases in each period times the expected
spend, discounted per period. Time is in whatever unit the histories use; the
service uses weeks, like the paper.

Implemented in plain Python (``math.lgamma`` and a Nelder-Mead search) rather
than with ``lifetimes`` (unmaintained) or ``btyd`` (a beta of it): the formulas
are short and the published CDNOW estimates check them (see the tests).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass
from typing import Generic, TypeVar

from analytics.domain.optimize import minimize

Model = TypeVar("Model")


class NotEnoughHistory(ValueError):
    """Too few customers, or no repeat purchases, to estimate a model."""


@dataclass(frozen=True)
class Fitted(Generic[Model]):
    """A model's parameters and what they rest on, so a fit can be checked: the
    log-likelihood of the customers' data under them, how many customers that is, and
    whether the maximum-likelihood search converged (None: the parameters were not
    searched, e.g. published estimates taken as they are)."""

    model: Model
    log_likelihood: float
    customers: int
    converged: bool | None


@dataclass(frozen=True)
class PurchaseHistory:
    """A customer's purchases, as the models see them.

    ``frequency`` counts *repeat* purchases (x), ``recency`` is the time from
    the first purchase to the last (t_x) and ``age`` the time from the first
    purchase to now (T).
    """

    frequency: int
    recency: float
    age: float

    def __post_init__(self) -> None:
        if self.frequency < 0 or not 0 <= self.recency <= self.age:
            raise ValueError(f"inconsistent purchase history {self}")
        if self.frequency == 0 and self.recency != 0:
            raise ValueError("without repeat purchases the recency is 0")

    @classmethod
    def of(cls, purchase_times: Sequence[float], now: float) -> PurchaseHistory:
        """The history of purchases made at ``purchase_times`` (same unit as ``now``).

        Purchases at the same time count once, as the paper counts days.
        """
        times = sorted(set(purchase_times))
        if not times:
            raise ValueError("a history needs at least the first purchase")
        first = times[0]
        return cls(len(times) - 1, times[-1] - first, max(now - first, times[-1] - first))


@dataclass(frozen=True)
class BgNbd:
    """The BG/NBD model's parameters: purchase rate ~ Gamma(r, alpha), drop-out ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float

    @classmethod
    def fit(cls, histories: Iterable[PurchaseHistory]) -> Fitted[BgNbd]:
        """Maximum-likelihood estimates (searched in log space, so all stay positive)."""
        counted = Counter(histories)
        if len(counted) < 2 or not any(h.frequency for h in counted):
            raise NotEnoughHistory("BG/NBD needs several customers with repeat purchases")
        # summed in one fixed order: the estimate must not depend on the customers' order
        summed = sorted(counted.items(), key=lambda item: astuple(item[0]))

        def negative_log_likelihood(logs: Sequence[float]) -> float:
            if max(logs) > 20 or min(logs) < -20:
                return math.inf
            model = cls(*(math.exp(v) for v in logs))
            return -math.fsum(n * model.log_likelihood(h) for h, n in summed)

        mean_age = math.fsum(h.age * n for h, n in summed) / counted.total()
        start = [0.0, math.log(max(mean_age, 1e-3) / 4), 0.0, 0.0]
        found = minimize(negative_log_likelihood, start)
        model = cls(*(math.exp(v) for v in found.point))
        return Fitted(model, -found.value, counted.total(), found.converged)

    def log_likelihood(self, history: PurchaseHistory) -> float:
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, t_x, age = history.frequency, history.recency, history.age
        common = (
            math.lgamma(r + x)
            - math.lgamma(r)
            + r * math.log(alpha)
            + math.lgamma(a + b)
            + math.lgamma(b + x)
            - math.lgamma(b)
            - math.lgamma(a + b + x)
        )
        still_alive = -(r + x) * math.log(alpha + age)
        if x == 0:
            return common + still_alive
        dropped_out = math.log(a) - math.log(b + x - 1) - (r + x) * math.log(alpha + t_x)
        return common + _log_add(still_alive, dropped_out)

    def probability_alive(self, history: PurchaseHistory) -> float:
        """P(the customer has not dropped out), given their history.

        A customer without repeat purchases is alive for the BG/NBD: it only
        lets customers drop out right after a purchase.
        """
        if history.frequency == 0:
            return 1.0
        return 1.0 / (1.0 + self._odds_dropped_out(history))

    def expected_purchases(self, history: PurchaseHistory, horizon: float) -> float:
        """Expected number of purchases in the next ``horizon`` (eq. 10 of the paper)."""
        if horizon <= 0:
            return 0.0
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x, age = history.frequency, history.age
        if abs(a - 1) < 1e-9:  # the formula's removable singularity
            a += 1e-6
        ahead = alpha + age + horizon
        hypergeometric = _hyp2f1(r + x, b + x, a + b + x - 1, horizon / ahead)
        survival: float = math.exp((r + x) * math.log((alpha + age) / ahead))
        bought = (a + b + x - 1) / (a - 1) * (1 - survival * hypergeometric)
        odds = self._odds_dropped_out(history) if x > 0 else 0.0
        return bought / (1 + odds)

    def _odds_dropped_out(self, history: PurchaseHistory) -> float:
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        x = history.frequency
        log_odds = (
            math.log(a)
            - math.log(b + x - 1)
            + (r + x) * (math.log(alpha + history.age) - math.log(alpha + history.recency))
        )
        return math.exp(min(log_odds, 700.0))


@dataclass(frozen=True)
class GammaGamma:
    """The Gamma-Gamma spend model: spend per purchase ~ Gamma(p, nu), nu ~ Gamma(q, gamma)."""

    p: float
    q: float
    gamma: float

    @classmethod
    def fit(cls, spenders: Iterable[tuple[int, float]]) -> Fitted[GammaGamma]:
        """Estimates from (number of purchases, their average value) of customers who
        bought at least once more (the paper uses the repeat purchases only)."""
        counted = Counter((x, zbar) for x, zbar in spenders if x > 0 and zbar > 0)
        if len(counted) < 2:
            raise NotEnoughHistory("Gamma-Gamma needs several customers with repeat purchases")
        summed = sorted(counted.items())  # one fixed order, whatever the customers' order

        def negative_log_likelihood(logs: Sequence[float]) -> float:
            if max(logs) > 20 or min(logs) < -20:
                return math.inf
            model = cls(*(math.exp(v) for v in logs))
            return -math.fsum(n * model.log_likelihood(x, zbar) for (x, zbar), n in summed)

        mean_spend = math.fsum(z * n for (_, z), n in summed) / counted.total()
        start = [0.0, math.log(2.0), math.log(mean_spend)]
        found = minimize(negative_log_likelihood, start)
        model = cls(*(math.exp(v) for v in found.point))
        return Fitted(model, -found.value, counted.total(), found.converged)

    def log_likelihood(self, purchases: int, average_spend: float) -> float:
        p, q, g = self.p, self.q, self.gamma
        x, zbar = purchases, average_spend
        return (
            math.lgamma(p * x + q)
            - math.lgamma(p * x)
            - math.lgamma(q)
            + q * math.log(g)
            + (p * x - 1) * math.log(zbar)
            + p * x * math.log(x)
            - (p * x + q) * math.log(g + x * zbar)
        )

    def expected_average_spend(self, purchases: int, average_spend: float) -> float:
        """The customer's expected spend per purchase: their own average, weighted by
        how many purchases it rests on, against the population's mean."""
        p, q, g = self.p, self.q, self.gamma
        if q <= 1:
            raise ValueError("with q <= 1 the population's mean spend is infinite")
        if purchases <= 0:
            return p * g / (q - 1)
        return p * (g + purchases * average_spend) / (p * purchases + q - 1)


def lifetime_value(
    purchases: BgNbd,
    spend: GammaGamma,
    history: PurchaseHistory,
    average_spend: float,
    *,
    horizon: float,
    periods: int,
    discount_rate: float,
) -> float:
    """Discounted value of the purchases expected over ``horizon``.

    The horizon is cut into ``periods``; what is expected in period i is worth
    ``1 / (1 + discount_rate) ** i`` of it today.
    """
    if periods < 1:
        raise ValueError("at least one period")
    value_per_purchase = spend.expected_average_spend(history.frequency, average_spend)
    value, before = 0.0, 0.0
    for i in range(1, periods + 1):
        so_far = purchases.expected_purchases(history, horizon * i / periods)
        value += (so_far - before) * value_per_purchase / (1 + discount_rate) ** i
        before = so_far
    return value


def _log_add(u: float, v: float) -> float:
    high, low = max(u, v), min(u, v)
    return high + math.log1p(math.exp(low - high))


def _hyp2f1(a: float, b: float, c: float, z: float) -> float:
    """Gauss's hypergeometric function for 0 <= z < 1, by its power series."""
    if not 0 <= z < 1:
        raise ValueError("the series converges for 0 <= z < 1 only")
    total, term = 1.0, 1.0
    for k in range(100_000):
        term *= (a + k) * (b + k) / ((c + k) * (k + 1)) * z
        total += term
        if abs(term) <= 1e-14 * abs(total):
            break
    return total
