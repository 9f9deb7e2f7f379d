"""The customer master learns the ERP's customer numbers."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

from eventsourcing.persistence import Tracking

from acquisition.app import Acquisition
from acquisition.inbox import AcquisitionInbox
from acquisition.outbox import to_integration_event
from contracts import Envelope
from contracts.customers import CustomerProfileChanged
from contracts.erp.orders import OrderLine, OrderPlaced
from servicekit.consumer import Delivery
from servicekit.eventstore import store_environment


def placed(offset: int, customer_id: str, erp_number: str | None) -> Delivery:
    event = OrderPlaced(
        order_id=f"o-{offset}",
        customer_id=customer_id,
        erp_customer_number=erp_number,
        placed_at=datetime.now(UTC),
        currency="EUR",
        channel="ecommerce",
        payment_method="credit_card",
        lines=[OrderLine(sku="s", category="toys", quantity=1, unit_price=Decimal("9.99"))],
        total=Decimal("9.99"),
    )
    envelope = Envelope.wrap(event, source="/erp", subject=event.order_id)
    return Delivery("erp.orders.v1", 0, offset, event.order_id, envelope, event)


def test_an_order_naming_both_ids_links_the_erp_number_once(store_settings) -> None:
    app = Acquisition(store_environment(store_settings("acquisition")))
    inbox = AcquisitionInbox(app)
    customer = app.register_customer(uuid4(), "Ada", "L", None, None, None, None, "store")

    inbox.apply([placed(0, str(customer.id), "ERP-42")], Tracking("erp.orders.v1:0", 0))
    inbox.apply([placed(1, str(customer.id), "ERP-42")], Tracking("erp.orders.v1:0", 1))
    inbox.apply([placed(2, str(customer.id), None)], Tracking("erp.orders.v1:0", 2))

    assert app.customer(customer.id).erp_customer_number == "ERP-42"
    assert app.customer(customer.id).version == 2
    last = app.recorder.select_notifications(start=None, limit=10)[-1]
    published = to_integration_event(app.mapper.to_domain_event(last))
    assert isinstance(published, CustomerProfileChanged)
    assert published.erp_customer_number == "ERP-42"
    app.close()


def test_an_order_naming_a_customer_the_crm_does_not_know_changes_nothing(store_settings) -> None:
    app = Acquisition(store_environment(store_settings("acquisition")))
    inbox = AcquisitionInbox(app)

    inbox.apply([placed(0, str(uuid4()), "ERP-1")], Tracking("erp.orders.v1:0", 0))
    inbox.apply([placed(1, "not-a-crm-id", "ERP-2")], Tracking("erp.orders.v1:0", 1))

    assert app.recorder.max_notification_id() in (None, 0)
    assert inbox.position("erp.orders.v1", 0) == 1
    app.close()
