"""An erased customer is no longer named to agents; their cases stay."""

from __future__ import annotations

from datetime import UTC, datetime

from eventsourcing.persistence import Tracking

from contracts import Envelope, IntegrationEvent
from contracts.customers import CustomerErased, CustomerRegistered
from servicekit.consumer import Delivery
from servicekit.views import ViewStore, views_url
from support.views import customers, metadata
from support.views.projection import SupportViews

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def deliver(views: SupportViews, offset: int, event: IntegrationEvent) -> None:
    envelope = Envelope.wrap(event, source="/crm/acquisition", subject="c-1")
    views.apply(
        [Delivery("crm.customers.v1", 0, offset, "c-1", envelope, event)],
        Tracking("crm.customers.v1:0", offset),
    )


def test_an_erased_customer_is_no_longer_named_nor_reachable_by_agents(store_settings) -> None:
    views = SupportViews(ViewStore(views_url(store_settings("support")), metadata))
    registered = CustomerRegistered(
        customer_id="c-1",
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        phone="+44 20 7946 0000",
        source="store",
        registered_at=NOW,
    )
    deliver(views, 0, registered)

    deliver(views, 1, CustomerErased(customer_id="c-1", erased_at=NOW))

    with views.store.reading() as connection:
        seen = customers.find(connection, "c-1")
    assert seen is not None
    assert seen["name"] == customers.ERASED_NAME
    assert seen["email"] is None
    assert seen["phone"] is None
