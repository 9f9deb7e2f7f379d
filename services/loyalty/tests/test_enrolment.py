"""Every new customer gets one loyalty account, however often the news arrives."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from contracts import Envelope
from contracts.customers import CustomerRegistered
from loyalty.app import Loyalty
from loyalty.domain.account import Tier
from loyalty.inbox import LoyaltyInbox
from servicekit.consumer import Delivery
from servicekit.eventstore import store_environment


def registered(customer_id: str, offset: int) -> Delivery:
    event = CustomerRegistered(
        customer_id=customer_id,
        first_name="Ada",
        last_name="Lovelace",
        source="web_form",
        registered_at=datetime.now(UTC),
    )
    envelope = Envelope.wrap(event, source="/crm/acquisition", subject=customer_id)
    return Delivery("crm.customers.v1", 0, offset, customer_id, envelope, event)


def test_a_registered_customer_gets_a_standard_account_with_no_points(store_settings) -> None:
    app = Loyalty(store_environment(store_settings("loyalty")))
    inbox = LoyaltyInbox(app)

    inbox.apply([registered("c-1", 0)], Tracking("crm.customers.v1:0", 0))

    account = app.account_of("c-1")
    assert account.tier is Tier.STANDARD
    assert account.points_balance == 0
    app.close()


def test_the_same_registration_delivered_twice_opens_one_account(store_settings) -> None:
    app = Loyalty(store_environment(store_settings("loyalty")))
    inbox = LoyaltyInbox(app)
    inbox.apply([registered("c-1", 0)], Tracking("crm.customers.v1:0", 0))

    with pytest.raises(IntegrityError):
        inbox.apply([registered("c-1", 0)], Tracking("crm.customers.v1:0", 0))
    inbox.apply([registered("c-1", 7)], Tracking("crm.customers.v1:0", 7))  # re-sent as new
    inbox.apply([registered("c-2", 8), registered("c-2", 9)], Tracking("crm.customers.v1:0", 9))

    assert app.account_of("c-1").version == 1
    assert app.account_of("c-2").version == 1
    assert app.recorder.max_notification_id() == 2
    assert inbox.position("crm.customers.v1", 0) == 9
    app.close()
