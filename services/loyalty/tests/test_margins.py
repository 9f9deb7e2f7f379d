"""Contribution margins, worked by hand on one customer's order:

    margin = revenue - product cost - points cost - discounts - gift cost

Ada buys 2 shoes at 100 and 5 socks at 4 with the store card (220), pays, and
brings one shoe back. The ERP says a shoe costs 40, a pair of socks 2 and the
tote bag 3. Two promotions run: the store card gives 50 bonus points, and every
pair of shoes comes with a free tote bag. A point is worth 0.01.

    revenue        1 shoe x 100 + 5 socks x 4                       = 120.00
    product cost   1 shoe x 40  + 5 socks x 2                       =  50.00
    points cost    issued 220 (order) + 50 (bonus)         = 2.70
                   reversed for the shoe 100 + 23 of the bonus = -1.23  =   1.47
                   (the bonus was shared 46 shoes / 4 socks by amount;
                    half the shoes went back with half their 46)
    gift cost      2 totes x 3 (the catalogue's, not the declared 2.50)  =   6.00
    margin         120 - 50 - 1.47 - 6                              =  62.53
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from contracts.erp.orders import OrderLine, OrderPlaced
from contracts.erp.products import ProductUpserted
from loyalty.app import Loyalty
from loyalty.bootstrap import build_runtime, create_app
from loyalty.domain.promotions import Terms
from loyalty.inbox import LoyaltyInbox
from loyalty.settings import LoyaltySettings
from servicekit.auth import issue_token
from servicekit.consumer import Delivery
from servicekit.settings import DEV_SIGNING_KEY

from .conftest import T0, Messages

STORE_CARD = UUID(int=1)
TOTE = UUID(int=2)


def apply(inbox: LoyaltyInbox, *deliveries: Delivery) -> None:
    for delivery in deliveries:
        inbox.apply([delivery], Tracking(f"{delivery.topic}:0", delivery.offset))


def product(messages: Messages, sku: str, unit_cost: str) -> Delivery:
    event = ProductUpserted(
        sku=sku,
        name=sku.title(),
        category="shoes" if sku == "SHOE" else "accessories",
        list_price=Decimal(100),
        unit_cost=Decimal(unit_cost),
        currency="EUR",
    )
    return messages.deliver("erp.products.v1", sku, event)


def placed(
    messages: Messages, order_id: str, lines: list[tuple[str, int, str]], customer_id: str = "ada"
) -> Delivery:
    order_lines = [
        OrderLine(sku=sku, category="general", quantity=quantity, unit_price=Decimal(price))
        for sku, quantity, price in lines
    ]
    event = OrderPlaced(
        order_id=order_id,
        customer_id=customer_id,
        placed_at=T0 + timedelta(hours=1),
        currency="EUR",
        channel="store",
        payment_method="store_card",
        lines=order_lines,
        total=sum((line.quantity * line.unit_price for line in order_lines), Decimal(0)),
    )
    return messages.deliver("erp.orders.v1", order_id, event)


def run(app: Loyalty, promotion_id: UUID, name: str, kind: str, terms: Terms) -> None:
    app.draft_promotion(
        promotion_id,
        {
            "name": name,
            "kind": kind,
            "terms": terms.to_dict(),
            "starts_at": None,
            "ends_at": None,
            "tiers": [],
            "segments": [],
            "channels": [],
            "budget": None,
            "per_customer_limit": None,
        },
    )
    app.activate_promotion(promotion_id, "marketing")


def adas_story(app: Loyalty, messages: Messages) -> list[Delivery]:
    """The catalogue, the promotions, the order, its payment and the return of a shoe."""
    run(
        app,
        STORE_CARD,
        "Store card bonus",
        "payment_method",
        Terms(payment_method="store_card", bonus_points=50),
    )
    tote = Terms(buy_sku="SHOE", gift_sku="TOTE", gift_cost=Decimal("2.50"))
    run(app, TOTE, "A tote with every pair", "gift_with_purchase", tote)
    return [
        messages.registered("ada"),
        product(messages, "SHOE", "40"),
        product(messages, "SOCK", "2"),
        product(messages, "TOTE", "3"),
        placed(messages, "o-1", [("SHOE", 2, "100"), ("SOCK", 5, "4")]),
        messages.paid("o-1"),
        messages.returned("o-1", [("SHOE", 1)]),
    ]


def test_a_customers_margin_is_revenue_less_goods_points_and_gifts_worked_by_hand(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    apply(inbox, *adas_story(app, messages))

    margin = app.customer_margin("ada")

    assert margin.revenue == Decimal("120.00")
    assert margin.product_cost == Decimal("50.00")
    assert margin.points_cost == Decimal("1.47")
    assert margin.gift_cost == Decimal("6.00")
    assert margin.discounts == Decimal(0)
    assert margin.margin == Decimal("62.53")
    assert (margin.orders, margin.lines_without_cost) == (1, 0)


def test_each_promotions_margin_counts_the_orders_it_was_applied_to_and_what_it_cost(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    apply(inbox, *adas_story(app, messages))

    (card, by_card), (tote, by_tote) = app.promotion_margins(app.promotions())

    assert (card.id, tote.id) == (STORE_CARD, TOTE)
    # the bonus: 50 points (0.50), of which 23 went back with the shoe (0.23)
    assert (by_card.revenue, by_card.product_cost, by_card.points_cost) == (
        Decimal(120),
        Decimal(50),
        Decimal("0.27"),
    )
    assert by_card.margin == Decimal("69.73")
    assert (by_tote.gift_cost, by_tote.points_cost, by_tote.margin) == (
        Decimal(6),
        Decimal(0),
        Decimal("64.00"),
    )


def test_a_cancelled_order_counts_for_nothing_and_goods_of_unknown_cost_are_reported(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    apply(inbox, *adas_story(app, messages))
    cancelled = placed(messages, "o-2", [("SHOE", 2, "100")])
    apply(inbox, cancelled, messages.paid("o-2"), messages.cancelled("o-2"))
    apply(inbox, placed(messages, "o-3", [("SOCK", 1, "4"), ("HAT", 1, "30")]))

    margin = app.customer_margin("ada")
    [(_, by_tote)] = app.promotion_margins([app.promotion(TOTE)])

    # o-3 adds 34 of revenue, a sock's 2 of cost, and a hat nobody knows the cost of
    assert (margin.orders, margin.revenue, margin.product_cost) == (2, Decimal(154), Decimal(52))
    assert (margin.lines_without_cost, margin.skus_without_cost) == (1, ("HAT",))
    assert margin.gift_cost == Decimal(6)  # o-2's two totes went back with it
    assert margin.points_cost == Decimal("1.47")  # o-3 is not paid: no points issued yet
    assert by_tote.orders == 1


def test_every_message_delivered_twice_leaves_the_margins_as_they_were(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    app, inbox = loyalty
    story = adas_story(app, messages)
    apply(inbox, *story)
    before = (app.customer_margin("ada"), app.promotion_margins(app.promotions()))

    for delivery in story:  # the ERP sends each again, under a new message id
        apply(inbox, messages.deliver(delivery.topic, str(delivery.key), delivery.event))

    after = (app.customer_margin("ada"), app.promotion_margins(app.promotions()))
    assert after[0] == before[0]
    assert [m for _, m in after[1]] == [m for _, m in before[1]]


def token(role: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'x', [role])}"}


@pytest.fixture
def served(tmp_path: Any) -> Iterator[tuple[TestClient, Loyalty, LoyaltyInbox]]:
    settings = LoyaltySettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
    )
    runtime = build_runtime(settings)
    inbox = runtime.handlers[0]
    assert isinstance(inbox, LoyaltyInbox)
    assert isinstance(runtime.app, Loyalty)
    with TestClient(create_app(runtime)) as client:
        yield client, runtime.app, inbox


def test_finance_reads_the_margins_with_amounts_as_decimal_strings(
    served: tuple[TestClient, Loyalty, LoyaltyInbox], messages: Messages
) -> None:
    client, app, inbox = served
    apply(inbox, *adas_story(app, messages))

    customer = client.get("/margins/customers/ada", headers=token("analyst"))
    promotions = client.get("/margins/promotions", headers=token("marketing"))
    one = client.get(f"/margins/promotions/{TOTE}", headers=token("analyst"))

    assert customer.json() == {
        "customer_id": "ada",
        "currency": "EUR",
        "orders": 1,
        "revenue": "120.00",
        "product_cost": "50.00",
        "points_cost": "1.47",
        "discounts": "0.00",
        "gift_cost": "6.00",
        "margin": "62.53",
        "lines_without_cost": 0,
        "skus_without_cost": [],
        "orders_in_other_currencies": 0,
    }
    assert [(p["name"], p["margin"]) for p in promotions.json()] == [
        ("Store card bonus", "69.73"),
        ("A tote with every pair", "64.00"),
    ]
    assert one.json()["promotion_id"] == str(TOTE)
    assert client.get("/margins/customers/ada", headers=token("support")).status_code == 403
    assert client.get("/margins/customers/nobody", headers=token("analyst")).status_code == 404
