"""Support answers "where is my order?" from the ERP's events."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal

from eventsourcing.persistence import Tracking

from contracts import Envelope, IntegrationEvent, topic_of
from contracts.customers import CustomerRegistered
from contracts.erp.orders import OrderLine, OrderPaid, OrderPlaced
from contracts.erp.shipments import ShipmentDelayed, ShipmentDispatched
from servicekit.consumer import Delivery
from servicekit.views import ViewStore, views_url
from support.views import metadata
from support.views.projection import SupportViews

NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def feeder(views: SupportViews):
    offsets: dict[str, int] = defaultdict(int)

    def feed(*events: IntegrationEvent) -> None:
        for event in events:
            topic = topic_of(type(event)).name
            offset = offsets[topic]
            offsets[topic] += 1
            envelope = Envelope.wrap(event, source="/test", subject="s")
            views.apply(
                [Delivery(topic, 0, offset, "s", envelope, event)], Tracking(f"{topic}:0", offset)
            )

    return feed


def placed(order_id: str, erp_number: str) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        erp_customer_number=erp_number,
        placed_at=NOW,
        currency="EUR",
        channel="ecommerce",
        payment_method="credit_card",
        lines=[
            OrderLine(sku="kettle", category="household", quantity=1, unit_price=Decimal("39.90"))
        ],
        total=Decimal("39.90"),
    )


def test_a_delayed_shipment_shows_its_new_eta_and_reason(store_settings) -> None:
    views = SupportViews(ViewStore(views_url(store_settings("support")), metadata))
    feed = feeder(views)

    feed(
        placed("o-1", "ERP-5"),
        OrderPaid(order_id="o-1", paid_at=NOW),
        ShipmentDispatched(
            order_id="o-1",
            shipment_id="s-1",
            carrier="DHL",
            dispatched_at=NOW,
            eta=date(2026, 11, 22),
        ),
        ShipmentDelayed(order_id="o-1", new_eta=date(2026, 11, 25), reason="storm"),
    )

    order = views.order("o-1")
    assert order is not None
    assert order["status"] == "paid"
    assert order["shipment_status"] == "delayed"
    assert order["eta"] == date(2026, 11, 25)
    assert order["delay_reason"] == "storm"


def test_a_shipment_seen_before_its_order_is_applied_once_the_order_arrives(
    store_settings,
) -> None:
    views = SupportViews(ViewStore(views_url(store_settings("support")), metadata))
    feed = feeder(views)

    feed(
        ShipmentDispatched(
            order_id="o-2",
            shipment_id="s-2",
            carrier="UPS",
            dispatched_at=NOW,
            eta=date(2026, 11, 23),
        )
    )
    assert views.order("o-2") is None
    feed(placed("o-2", "ERP-6"))

    assert views.order("o-2")["shipment_status"] == "dispatched"  # type: ignore[index]


def test_an_order_placed_under_an_erp_number_is_linked_when_the_customer_appears(
    store_settings,
) -> None:
    views = SupportViews(ViewStore(views_url(store_settings("support")), metadata))
    feed = feeder(views)
    feed(placed("o-3", "ERP-7"))

    feed(
        CustomerRegistered(
            customer_id="c-7",
            first_name="Ada",
            last_name="L",
            source="store",
            erp_customer_number="ERP-7",
            registered_at=NOW,
        )
    )

    assert views.order("o-3")["customer_id"] == "c-7"  # type: ignore[index]
