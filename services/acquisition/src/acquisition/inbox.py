"""What acquisition does with the messages it consumes."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from eventsourcing.domain import MutableOrImmutableAggregate

from acquisition.app import Acquisition
from acquisition.domain.customer import Customer
from contracts.erp.orders import OrderPlaced
from servicekit.consumer import Delivery
from servicekit.handlers import Inbox


class AcquisitionInbox(Inbox):
    """The customer master learns the ERP's customer numbers from orders naming both ids."""

    topics = ("erp.orders.v1",)
    app: Acquisition

    def decide(
        self, delivery: Delivery, changed: dict[UUID, MutableOrImmutableAggregate[UUID]]
    ) -> Iterable[MutableOrImmutableAggregate[UUID]]:
        event = delivery.event
        if not (isinstance(event, OrderPlaced) and event.customer_id and event.erp_customer_number):
            return
        customer = self._customer(event.customer_id, changed)
        if customer is not None and customer.link_erp_customer_number(event.erp_customer_number):
            yield customer

    def _customer(
        self, customer_id: str, changed: dict[UUID, MutableOrImmutableAggregate[UUID]]
    ) -> Customer | None:
        try:
            key = UUID(customer_id)
        except ValueError:
            return None  # not one of ours: analytics reports such orders
        known = changed.get(key)
        if isinstance(known, Customer):
            return known
        if key not in self.app.repository:
            return None
        return self.app.customer(key)
