"""The customer 360 view gathers what every service said about a customer."""

from __future__ import annotations

from datetime import UTC, datetime

from eventsourcing.persistence import Tracking

from analytics.views.customer360 import Customer360, metadata
from contracts import Envelope, IntegrationEvent
from contracts.cases import CaseOpened
from contracts.customers import CustomerRegistered
from contracts.loyalty import LoyaltyAccountOpened
from servicekit.consumer import Delivery
from servicekit.views import ViewStore, views_url

NOW = datetime.now(UTC)


def delivered(topic: str, event: IntegrationEvent, offset: int) -> Delivery:
    envelope = Envelope.wrap(event, source="/test", subject="s")
    return Delivery(topic, 0, offset, "s", envelope, event)


def test_the_360_shows_profile_loyalty_account_and_open_cases(store_settings) -> None:
    view = Customer360(ViewStore(views_url(store_settings("analytics")), metadata))
    view.apply(
        [
            delivered(
                "crm.customers.v1",
                CustomerRegistered(
                    customer_id="c-1",
                    first_name="Ada",
                    last_name="Lovelace",
                    email="ada@example.com",
                    source="web_form",
                    registered_at=NOW,
                ),
                0,
            ),
        ],
        Tracking("crm.customers.v1:0", 0),
    )
    view.apply(
        [
            delivered(
                "crm.loyalty.accounts.v1",
                LoyaltyAccountOpened(
                    account_id="a-1",
                    customer_id="c-1",
                    tier="standard",
                    points_balance=0,
                    opened_at=NOW,
                ),
                0,
            )
        ],
        Tracking("crm.loyalty.accounts.v1:0", 0),
    )
    view.apply(
        [
            delivered(
                "crm.cases.v1",
                CaseOpened(
                    case_id="k-1",
                    customer_id="c-1",
                    channel="phone",
                    case_type="complaint",
                    priority="high",
                    subject="Broken kettle",
                    opened_at=NOW,
                ),
                0,
            )
        ],
        Tracking("crm.cases.v1:0", 0),
    )

    seen = view.view("c-1")

    assert seen is not None
    assert seen["profile"]["email"] == "ada@example.com"
    assert seen["loyalty"]["tier"] == "standard"
    assert seen["cases"]["open"] == 1
    assert seen["cases"]["items"][0]["subject"] == "Broken kettle"
    assert view.view("c-unknown") is None
