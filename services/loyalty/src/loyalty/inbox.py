"""What loyalty does with the messages it consumes."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from eventsourcing.domain import MutableOrImmutableAggregate

from contracts.customers import CustomerRegistered
from loyalty.app import Loyalty
from loyalty.domain.account import LoyaltyAccount
from servicekit.consumer import Delivery
from servicekit.handlers import Inbox


class LoyaltyInbox(Inbox):
    """Every new customer gets a loyalty account, once."""

    topics = ("crm.customers.v1",)
    app: Loyalty

    def decide(
        self, delivery: Delivery, changed: dict[UUID, MutableOrImmutableAggregate[UUID]]
    ) -> Iterable[MutableOrImmutableAggregate[UUID]]:
        event = delivery.event
        if isinstance(event, CustomerRegistered):
            account_id = LoyaltyAccount.create_id(event.customer_id)
            if account_id not in changed and not self.app.has_account(event.customer_id):
                yield LoyaltyAccount(customer_id=event.customer_id)
