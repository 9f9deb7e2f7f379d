"""The CLV models count purchase occasions, as the paper does: a customer's orders on one
day are one purchase, whatever order the orders arrive in."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics.domain.clv import PurchaseHistory
from analytics.domain.valuation import (
    Occasion,
    Order,
    Valuation,
    assess,
    history_of,
    occasions_of,
    repeat_spend,
)

DATA = Path(__file__).parent / "data"
END_OF_CALIBRATION = datetime(1997, 9, 30, tzinfo=UTC)  # the paper's 39 weeks of 1997
MONDAY = datetime(2026, 3, 2, tzinfo=UTC)


def cdnow_order_book() -> dict[str, list[Order]]:
    """The CDNOW sample's transactions: the master file's customer id, the sample's
    (the summary's ID), the date, the number of CDs and the dollar value of each order."""
    book: dict[str, list[Order]] = {}
    with (DATA / "cdnow_sample.txt").open() as file:
        for line in file:
            _, customer, day, _, value = line.split()
            placed_at = datetime.strptime(day, "%Y%m%d").replace(tzinfo=UTC)
            book.setdefault(str(int(customer)), []).append(Order(placed_at, Decimal(value)))
    return book


def cdnow_summaries() -> Iterator[tuple[str, PurchaseHistory, float]]:
    """The paper's own summary of each customer (x, t_x, T and the repeat purchases'
    mean value), in the order of the transactions file."""
    with (DATA / "cdnow_customers_summary.csv").open() as file:
        for row in csv.DictReader(file):
            history = PurchaseHistory(int(row["x"]), float(row["t_x"]), float(row["T"]))
            yield row["ID"], history, float(row["zbar"])


@pytest.fixture(scope="module")
def cdnow() -> Valuation:
    return assess(cdnow_order_book(), END_OF_CALIBRATION)


def test_several_orders_on_one_day_are_one_purchase_occasion_whose_spend_is_their_sum() -> None:
    orders = [
        Order(MONDAY + timedelta(hours=9), Decimal("10.00")),
        Order(MONDAY + timedelta(hours=17), Decimal("5.50")),
        Order(MONDAY + timedelta(days=7, hours=8), Decimal("20.00")),
        Order(MONDAY + timedelta(days=7, hours=23, minutes=59), Decimal("4.00")),
    ]

    assert occasions_of(orders) == [
        Occasion(MONDAY.date(), Decimal("15.50")),
        Occasion((MONDAY + timedelta(days=7)).date(), Decimal("24.00")),
    ]


def test_the_first_days_extra_orders_are_no_repeat_spend() -> None:
    occasions = occasions_of(
        [
            Order(MONDAY, Decimal("100.00")),
            Order(MONDAY + timedelta(hours=1), Decimal("100.00")),
            Order(MONDAY + timedelta(days=14), Decimal("30.00")),
            Order(MONDAY + timedelta(days=21), Decimal("40.00")),
        ]
    )

    assert repeat_spend(occasions) == 35.0
    assert history_of(occasions, MONDAY + timedelta(days=28)) == PurchaseHistory(2, 3.0, 4.0)


def test_a_day_is_a_calendar_day_in_utc() -> None:
    new_york = timezone(timedelta(hours=-5))
    afternoon_in_new_york = datetime(2026, 3, 2, 14, 0, tzinfo=new_york)  # 19:00 UTC
    evening_in_new_york = datetime(2026, 3, 2, 20, 0, tzinfo=new_york)  # 01:00 UTC, next day

    occasions = occasions_of(
        [Order(afternoon_in_new_york, Decimal(1)), Order(evening_in_new_york, Decimal(2))]
    )

    assert [o.day.isoformat() for o in occasions] == ["2026-03-02", "2026-03-03"]


@given(
    st.permutations(
        [
            Order(MONDAY + timedelta(hours=hours), Decimal(cents) / 100)
            for hours, cents in [(0, 1000), (0, 2500), (5, 700), (30, 1200), (30, 1200), (200, 999)]
        ]
    )
)
def test_a_customers_history_and_spend_do_not_depend_on_the_order_the_orders_arrive_in(
    orders: list[Order],
) -> None:
    occasions = occasions_of(orders)

    assert history_of(occasions, MONDAY + timedelta(weeks=3)) == PurchaseHistory(2, 8 / 7, 3.0)
    assert repeat_spend(occasions) == pytest.approx((24.00 + 9.99) / 2)


def test_the_cdnow_transactions_summarise_to_the_papers_figures_for_every_customer() -> None:
    book = cdnow_order_book()

    for customer, history, zbar in cdnow_summaries():
        calibration = [o for o in book[customer] if o.placed_at <= END_OF_CALIBRATION]
        occasions = occasions_of(calibration)
        summarised = history_of(occasions, END_OF_CALIBRATION)

        assert summarised.frequency == history.frequency, customer
        assert round(summarised.recency, 2) == history.recency, customer
        assert round(summarised.age, 2) == history.age, customer
        assert repeat_spend(occasions) == pytest.approx(zbar, abs=0.0051), customer  # 2 decimals


def test_assessing_the_cdnow_transactions_fits_the_published_bg_nbd_estimates(
    cdnow: Valuation,
) -> None:
    assert cdnow.models is not None
    fit = cdnow.models.purchases
    r, alpha, a, b = fit.model.r, fit.model.alpha, fit.model.a, fit.model.b

    assert (round(r, 3), round(alpha, 3), round(a, 3), round(b, 3)) == (0.243, 4.414, 0.793, 2.426)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.1)
    assert (fit.customers, fit.converged) == (2357, True)


def test_assessing_the_cdnow_transactions_fits_the_published_gamma_gamma_estimates(
    cdnow: Valuation,
) -> None:
    assert cdnow.models is not None
    fit = cdnow.models.spend
    p, q, gamma = fit.model.p, fit.model.q, fit.model.gamma

    assert (round(p, 2), round(q, 2), round(gamma, 2)) == (6.25, 3.74, 15.44)
    assert (fit.customers, fit.converged) == (946, True)


def test_the_cdnow_assessment_is_the_same_whatever_order_the_orders_arrive_in(
    cdnow: Valuation,
) -> None:
    reversed_book = {customer: orders[::-1] for customer, orders in cdnow_order_book().items()}

    again = assess(dict(reversed(reversed_book.items())), END_OF_CALIBRATION)

    assert again.models == cdnow.models
    assert again.customers == cdnow.customers


def test_a_shop_with_few_repeat_buyers_is_valued_with_the_published_estimates() -> None:
    book = {
        "c-1": [Order(MONDAY, Decimal("50.00")), Order(MONDAY + timedelta(weeks=2), Decimal(30))],
        "c-2": [Order(MONDAY + timedelta(weeks=1), Decimal("20.00"))],
    }

    valued = assess(book, MONDAY + timedelta(weeks=4))

    assert valued.models is not None
    assert not valued.models.fitted
    assert valued.models.purchases.converged is None
    assert (valued.models.purchases.customers, valued.models.spend.customers) == (2, 1)
    assert set(valued.customers) == {"c-1", "c-2"}
