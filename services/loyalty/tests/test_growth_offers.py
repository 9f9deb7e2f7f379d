"""Cross-sell and up-sell offers: made from what a customer bought once the order is
paid, once per customer and suggestion, and shown with the customer's other offers."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from contracts.erp.orders import OrderLine, OrderPlaced
from contracts.erp.products import ProductUpserted
from loyalty.app import utc_now
from loyalty.bootstrap import build_runtime, create_app
from loyalty.domain.growth import GrowthTerms, History, cross_sell, up_sell
from loyalty.domain.offers import OfferKind, OfferStatus
from loyalty.inbox import LoyaltyInbox
from loyalty.settings import LoyaltySettings
from servicekit.auth import issue_token
from servicekit.consumer import Delivery
from servicekit.settings import DEV_SIGNING_KEY

from .conftest import T0, Messages

SUPPORT = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 's', ['support'])}"}
PAIRS = GrowthTerms((("cameras", "lenses"), ("phones", "cases")))


def apply(inbox: LoyaltyInbox, *deliveries: Delivery) -> None:
    for delivery in deliveries:
        inbox.apply([delivery], Tracking(f"{delivery.topic}:0", delivery.offset))


def product(messages: Messages, sku: str, category: str, premium_of: str | None = None) -> Delivery:
    event = ProductUpserted(
        sku=sku,
        name=sku.lower(),
        category=category,
        list_price=Decimal(100),
        unit_cost=Decimal(60),
        currency="EUR",
        premium_of=premium_of,
    )
    return messages.deliver("erp.products.v1", sku, event)


def order(messages: Messages, order_id: str, *lines: tuple[str, str]) -> Delivery:
    ordered = [
        OrderLine(sku=sku, category=category, quantity=1, unit_price=Decimal(100))
        for sku, category in lines
    ]
    event = OrderPlaced(
        order_id=order_id,
        customer_id="c-1",
        placed_at=T0,
        currency="EUR",
        channel="ecommerce",
        payment_method="credit_card",
        lines=ordered,
        total=Decimal(100 * len(ordered)),
    )
    return messages.deliver("erp.orders.v1", order_id, event)


@pytest.fixture
def growing(loyalty: Any) -> Any:
    app, _ = loyalty
    app.growth = PAIRS
    return loyalty


def test_buying_in_a_category_but_never_its_companion_suggests_the_companion() -> None:
    history = History(frozenset({"cameras", "phones", "cases"}), frozenset())

    prompts = cross_sell("c-1", history, PAIRS)

    assert [(p.key, p.category) for p in prompts] == [("c-1:category:cameras->lenses", "lenses")]


def test_the_premium_variant_is_suggested_only_to_who_does_not_own_it() -> None:
    premium = {"CAM-1": "CAM-1-PRO", "PH-1": "PH-1-PRO"}
    history = History(frozenset(), frozenset({"CAM-1", "PH-1", "PH-1-PRO"}))

    prompts = up_sell("c-1", history, ["CAM-1", "PH-1"], premium, {"CAM-1-PRO": "cameras"})

    assert [(p.sku, p.category) for p in prompts] == [("CAM-1-PRO", "cameras")]


def test_a_paid_order_issues_a_cross_sell_and_an_up_sell_offer_once_each(
    growing: Any, messages: Messages
) -> None:
    app, inbox = growing
    apply(
        inbox,
        messages.registered("c-1"),
        product(messages, "CAM-1", "cameras"),
        product(messages, "CAM-1-PRO", "cameras", premium_of="CAM-1"),
        order(messages, "o-1", ("CAM-1", "cameras")),
    )
    assert app.offers_of("c-1") == []  # nothing until the order is paid

    apply(inbox, messages.paid("o-1"), messages.paid("o-1"))
    apply(inbox, order(messages, "o-2", ("CAM-1", "cameras")), messages.paid("o-2", day=2))

    offers = app.offers_of("c-1")
    assert [(o.kind, o.category, o.sku, o.status(T0)) for o in offers] == [
        (OfferKind.CROSS_SELL, "lenses", None, OfferStatus.ISSUED),
        (OfferKind.UP_SELL, "cameras", "CAM-1-PRO", OfferStatus.ISSUED),
    ]


def test_a_customer_who_already_bought_the_companion_gets_no_cross_sell_offer(
    growing: Any, messages: Messages
) -> None:
    app, inbox = growing
    apply(
        inbox,
        messages.registered("c-1"),
        order(messages, "o-1", ("CAM-1", "cameras"), ("LENS-1", "lenses")),
        messages.paid("o-1"),
    )

    assert app.offers_of("c-1") == []


def test_a_product_described_twice_the_same_way_is_recorded_once(
    growing: Any, messages: Messages
) -> None:
    app, inbox = growing
    apply(inbox, product(messages, "CAM-1", "cameras"), product(messages, "CAM-1", "cameras"))

    item = app.catalogue_item("CAM-1")
    assert item is not None
    assert item.version == 2  # listed, then one description
    assert app.products(["CAM-1", "LENS-1"])["CAM-1"].unit_cost == Decimal(60)


def up_sell_suggestions(app: Any) -> list[str | None]:
    return [o.sku for o in app.offers_of("c-1") if o.kind is OfferKind.UP_SELL]


def test_of_two_premium_variants_of_a_product_the_one_described_last_is_suggested(
    growing: Any, messages: Messages
) -> None:
    app, inbox = growing
    apply(
        inbox,
        product(messages, "CAM-1", "cameras"),
        product(messages, "CAM-1-PRO", "cameras", premium_of="CAM-1"),
        product(messages, "CAM-1-MAX", "cameras", premium_of="CAM-1"),
        order(messages, "o-1", ("CAM-1", "cameras")),
        messages.paid("o-1"),
    )

    assert up_sell_suggestions(app) == ["CAM-1-MAX"]


def test_a_product_no_longer_described_as_a_premium_variant_is_no_longer_suggested(
    growing: Any, messages: Messages
) -> None:
    app, inbox = growing
    apply(
        inbox,
        product(messages, "CAM-1", "cameras"),
        product(messages, "CAM-1-PRO", "cameras", premium_of="CAM-1"),
        product(messages, "CAM-1-MAX", "cameras", premium_of="CAM-1"),
        product(messages, "CAM-1-MAX", "cameras"),  # the ERP unlinked it
        order(messages, "o-1", ("CAM-1", "cameras")),
        messages.paid("o-1"),
    )

    assert app.catalogue_item("CAM-1").premium_variants == ["CAM-1-PRO"]
    assert up_sell_suggestions(app) == ["CAM-1-PRO"]


def test_a_premium_variant_described_before_the_product_it_improves_is_suggested(
    growing: Any, messages: Messages
) -> None:
    app, inbox = growing
    apply(
        inbox,
        product(messages, "CAM-1-PRO", "lenses", premium_of="CAM-1"),
        product(messages, "CAM-1", "cameras"),
        order(messages, "o-1", ("CAM-1", "cameras")),
        messages.paid("o-1"),
    )

    (offer,) = [o for o in app.offers_of("c-1") if o.kind is OfferKind.UP_SELL]
    assert (offer.sku, offer.category) == ("CAM-1-PRO", "lenses")


def test_describing_a_product_changes_its_own_item_and_that_of_what_it_improves_only(
    growing: Any, messages: Messages
) -> None:
    app, inbox = growing
    apply(inbox, product(messages, "CAM-1", "cameras"), product(messages, "PH-1", "phones"))
    before = {sku: app.catalogue_item(sku).version for sku in ("CAM-1", "PH-1")}

    apply(inbox, product(messages, "CAM-1-PRO", "cameras", premium_of="CAM-1"))

    after = {sku: app.catalogue_item(sku).version for sku in ("CAM-1", "PH-1")}
    assert after == {"CAM-1": before["CAM-1"] + 1, "PH-1": before["PH-1"]}
    assert app.products(["CAM-1-PRO", "PH-1", "NOPE"]).keys() == {"CAM-1-PRO", "PH-1"}


def test_growth_offers_are_shown_with_the_customers_offers_and_can_be_declined(
    tmp_path: Any, messages: Messages
) -> None:
    settings = LoyaltySettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
        cross_sell_pairs=[("cameras", "lenses")],
    )
    runtime = build_runtime(settings)
    inbox = runtime.handlers[0]
    assert isinstance(inbox, LoyaltyInbox)
    assert "erp.products.v1" in inbox.topics
    with TestClient(create_app(runtime)) as client:
        today = (utc_now() - T0).total_seconds() / 86400  # so the offer is still open
        apply(inbox, messages.registered("c-1"), order(messages, "o-1", ("CAM-1", "cameras")))
        apply(inbox, messages.paid("o-1", day=today))

        (offer,) = client.get("/customers/c-1/offers", headers=SUPPORT).json()
        declined = client.post(f"/offers/{offer['offer_id']}/decline", headers=SUPPORT)

    assert (offer["kind"], offer["category"], offer["status"]) == ("cross_sell", "lenses", "issued")
    assert declined.json()["status"] == "declined"
