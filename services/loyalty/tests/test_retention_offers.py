"""Save and win-back offers: one per signal, however often it is delivered, and
answered once by the customer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from contracts.cases import SatisfactionRecorded
from contracts.signals import ChurnRiskRaised
from loyalty.app import utc_now
from loyalty.bootstrap import build_runtime, create_app
from loyalty.domain.offers import CustomerOffers, Offer, OfferKind, OfferStatus
from loyalty.inbox import LoyaltyInbox
from loyalty.settings import LoyaltySettings
from servicekit.auth import issue_token
from servicekit.consumer import Delivery
from servicekit.settings import DEV_SIGNING_KEY

from .conftest import T0, Messages

SUPPORT = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 's', ['support'])}"}


def apply(inbox: LoyaltyInbox, *deliveries: Delivery) -> None:
    for delivery in deliveries:
        inbox.apply([delivery], Tracking(f"{delivery.topic}:0", delivery.offset))


def scored(messages: Messages, case_id: str, save: bool = True, at: datetime = T0) -> Delivery:
    event = SatisfactionRecorded(
        case_id=case_id,
        customer_id="c-1",
        case_type="complaint",
        score=1,
        save_offer_requested=save,
        recorded_at=at,
    )
    return messages.deliver("crm.cases.v1", case_id, event)


def churn_risk(
    messages: Messages, day: int = 0, at: datetime = T0, customer_id: str = "c-1"
) -> Delivery:
    event = ChurnRiskRaised(
        customer_id=customer_id,
        churn_risk=0.8,
        threshold=0.5,
        assessed_at=at + timedelta(days=day),
    )
    return messages.deliver("crm.analytics.signals.v1", customer_id, event)


@pytest.fixture
def served(tmp_path: Any) -> Iterator[tuple[TestClient, LoyaltyInbox]]:
    settings = LoyaltySettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
    )
    runtime = build_runtime(settings)
    inbox = runtime.handlers[0]
    assert isinstance(inbox, LoyaltyInbox)
    with TestClient(create_app(runtime)) as client:
        yield client, inbox


def test_a_save_offer_requested_twice_for_one_case_is_issued_once(
    loyalty: Any, messages: Messages
) -> None:
    app, inbox = loyalty

    apply(inbox, scored(messages, "case-1"), scored(messages, "case-1"))
    apply(inbox, scored(messages, "case-2", save=False))

    offers = app.offers_of("c-1")
    assert [(o.kind, o.status(T0)) for o in offers] == [(OfferKind.SAVE, OfferStatus.ISSUED)]


def test_each_churn_assessment_issues_one_win_back_offer(loyalty: Any, messages: Messages) -> None:
    app, inbox = loyalty

    apply(inbox, churn_risk(messages), churn_risk(messages), churn_risk(messages, day=40))

    assert [o.kind for o in app.offers_of("c-1")] == [OfferKind.WIN_BACK] * 2


def test_a_customers_offers_are_theirs_alone_in_the_order_made_even_within_one_batch(
    loyalty: Any, messages: Messages
) -> None:
    app, inbox = loyalty
    apply(inbox, scored(messages, "case-1"))
    batch = [
        churn_risk(messages, day=1),
        churn_risk(messages, day=1, customer_id="c-2"),
        churn_risk(messages, day=2),
    ]

    inbox.apply(batch, Tracking("crm.analytics.signals.v1:0", batch[-1].offset))

    assert [(o.kind, o.issued_at) for o in app.offers_of("c-1")] == [
        (OfferKind.SAVE, T0),
        (OfferKind.WIN_BACK, T0 + timedelta(days=1)),
        (OfferKind.WIN_BACK, T0 + timedelta(days=2)),
    ]
    assert [o.customer_id for o in app.offers_of("c-2")] == ["c-2"]
    assert app.offers_of("c-3") == []


def test_an_unanswered_offer_expires_and_can_no_longer_be_accepted(
    loyalty: Any, messages: Messages
) -> None:
    app, inbox = loyalty
    apply(inbox, messages.registered("c-1"), churn_risk(messages))
    offer = app.offers_of("c-1")[0]

    assert offer.status(T0 + timedelta(days=30)) is OfferStatus.EXPIRED
    with pytest.raises(Exception, match="expired"):
        app.accept_offer(offer.id, "c-1", at=T0 + timedelta(days=31))


def test_accepting_an_offer_credits_its_bonus_once_and_a_declined_offer_cannot_be_accepted(
    served: tuple[TestClient, LoyaltyInbox], messages: Messages
) -> None:
    client, inbox = served
    now = utc_now()
    apply(inbox, messages.registered("c-1"), scored(messages, "case-1", at=now))
    apply(inbox, churn_risk(messages, at=now))
    save, win_back = client.get("/customers/c-1/offers", headers=SUPPORT).json()

    accepted = client.post(f"/offers/{save['offer_id']}/accept", headers=SUPPORT)
    again = client.post(f"/offers/{save['offer_id']}/accept", headers=SUPPORT)
    declined = client.post(f"/offers/{win_back['offer_id']}/decline", headers=SUPPORT)
    refused = client.post(f"/offers/{win_back['offer_id']}/accept", headers=SUPPORT)

    assert (accepted.json()["status"], again.json()["status"]) == ("accepted", "accepted")
    assert declined.json()["status"] == "declined"
    assert refused.status_code == 409
    account = client.get("/accounts/c-1", headers=SUPPORT).json()
    assert account["available_points"] == save["bonus_points"] == 500
    assert client.get("/customers/c-1/offers?status=declined", headers=SUPPORT).json()[0][
        "kind"
    ] == ("win_back")


def test_an_offer_to_someone_else_has_no_place_among_a_customers_offers() -> None:
    offer = Offer.issue(OfferKind.SAVE, "case:1", "c-2", "sorry", T0, timedelta(days=30))
    offers = CustomerOffers(customer_id="c-1")

    with pytest.raises(ValueError, match="made to c-2"):
        offers.list(offer)
    assert offers.offer_ids == []
