"""The CLV models reproduce the estimates published on the CDNOW sample."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analytics.domain.clv import (
    BgNbd,
    GammaGamma,
    NotEnoughHistory,
    PurchaseHistory,
    lifetime_value,
)

CDNOW = Path(__file__).parent / "data" / "cdnow_customers_summary.csv"
PUBLISHED_BG_NBD = BgNbd(r=0.243, alpha=4.414, a=0.793, b=2.426)  # Fader, Hardie & Lee 2005
PUBLISHED_GAMMA_GAMMA = GammaGamma(p=6.25, q=3.74, gamma=15.44)  # Fader & Hardie 2013


@pytest.fixture(scope="module")
def cdnow() -> list[tuple[PurchaseHistory, float]]:
    with CDNOW.open() as file:
        return [
            (PurchaseHistory(int(row["x"]), float(row["t_x"]), float(row["T"])), float(row["zbar"]))
            for row in csv.DictReader(file)
        ]


def test_the_cdnow_sample_has_the_papers_2357_customers(
    cdnow: list[tuple[PurchaseHistory, float]],
) -> None:
    assert len(cdnow) == 2357
    assert sum(1 for history, _ in cdnow if history.frequency > 0) == 946


def test_bg_nbd_fitted_on_cdnow_matches_the_published_estimates(
    cdnow: list[tuple[PurchaseHistory, float]],
) -> None:
    fit = BgNbd.fit(history for history, _ in cdnow)
    fitted = fit.model

    assert fit.converged
    assert fit.customers == 2357
    assert round(fitted.r, 2) == round(PUBLISHED_BG_NBD.r, 2)
    assert round(fitted.alpha, 2) == round(PUBLISHED_BG_NBD.alpha, 2)
    assert round(fitted.a, 2) == round(PUBLISHED_BG_NBD.a, 2)
    assert round(fitted.b, 2) == round(PUBLISHED_BG_NBD.b, 2)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    assert sum(fitted.log_likelihood(h) for h, _ in cdnow) == pytest.approx(fit.log_likelihood)


def test_gamma_gamma_fitted_on_cdnow_matches_the_published_estimates(
    cdnow: list[tuple[PurchaseHistory, float]],
) -> None:
    fit = GammaGamma.fit((history.frequency, spend) for history, spend in cdnow)
    fitted = fit.model

    assert fit.converged
    assert fit.customers == 946
    assert fitted.p == pytest.approx(PUBLISHED_GAMMA_GAMMA.p, abs=0.01)
    assert fitted.q == pytest.approx(PUBLISHED_GAMMA_GAMMA.q, abs=0.01)
    assert fitted.gamma == pytest.approx(PUBLISHED_GAMMA_GAMMA.gamma, abs=0.01)


def test_a_customer_with_two_repeat_purchases_is_expected_to_buy_1_226_times_in_39_weeks() -> None:
    """The worked example of the paper's note on conditional expectations (customer 1)."""
    customer = PurchaseHistory(frequency=2, recency=30.43, age=38.86)

    assert PUBLISHED_BG_NBD.expected_purchases(customer, 39) == pytest.approx(1.226, abs=1e-3)


def test_a_customer_silent_long_after_frequent_purchases_is_probably_gone() -> None:
    lately = PurchaseHistory(frequency=10, recency=38, age=39)
    long_ago = PurchaseHistory(frequency=10, recency=5, age=39)

    assert PUBLISHED_BG_NBD.probability_alive(lately) > 0.9
    assert PUBLISHED_BG_NBD.probability_alive(long_ago) < 0.01
    assert PUBLISHED_BG_NBD.expected_purchases(long_ago, 52) < 0.05


def test_a_customer_without_repeat_purchases_counts_as_alive() -> None:
    assert PUBLISHED_BG_NBD.probability_alive(PurchaseHistory(0, 0, 20)) == 1.0


def test_expected_spend_shrinks_a_single_purchase_towards_the_population_mean() -> None:
    population_mean = PUBLISHED_GAMMA_GAMMA.expected_average_spend(0, 0)
    one_big = PUBLISHED_GAMMA_GAMMA.expected_average_spend(1, 200.0)
    many_big = PUBLISHED_GAMMA_GAMMA.expected_average_spend(20, 200.0)

    assert population_mean < one_big < many_big < 200.0


def test_lifetime_value_is_discounted_expected_purchases_times_expected_spend() -> None:
    customer = PurchaseHistory(frequency=2, recency=30.43, age=38.86)
    spend = PUBLISHED_GAMMA_GAMMA.expected_average_spend(2, 22.35)

    undiscounted = lifetime_value(
        PUBLISHED_BG_NBD,
        PUBLISHED_GAMMA_GAMMA,
        customer,
        22.35,
        horizon=39,
        periods=9,
        discount_rate=0.0,
    )
    discounted = lifetime_value(
        PUBLISHED_BG_NBD,
        PUBLISHED_GAMMA_GAMMA,
        customer,
        22.35,
        horizon=39,
        periods=9,
        discount_rate=0.01,
    )

    assert undiscounted == pytest.approx(1.226 * spend, rel=1e-3)
    assert discounted < undiscounted


def test_a_history_is_summarised_from_purchase_times() -> None:
    assert PurchaseHistory.of([3.0, 10.0, 3.0, 7.0], now=20.0) == PurchaseHistory(2, 7.0, 17.0)


def test_a_model_cannot_be_fitted_without_repeat_purchases() -> None:
    with pytest.raises(NotEnoughHistory):
        BgNbd.fit([PurchaseHistory(0, 0, 10), PurchaseHistory(0, 0, 12)])
