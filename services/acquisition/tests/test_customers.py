"""The customer master over HTTP: profile changes, consents per channel and purpose, merges."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from acquisition.app import Acquisition
from acquisition.domain.customer import Customer
from acquisition.outbox import to_integration_event
from contracts import Envelope, decode, topic_of
from contracts.customers import ConsentsChanged, CustomerMerged, CustomerProfileChanged
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

SALES = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'al', ['sales'])}"}
GRACE = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com"}


@pytest.fixture
def client(client_for):
    return client_for(default_phone_region="DE")


def app_of(client: TestClient) -> Acquisition:
    app: Acquisition = client.runtime.app  # type: ignore[attr-defined]
    return app


def published(client: TestClient) -> list[Any]:
    """The integration events the relay would publish, decoded as a consumer would."""
    app = app_of(client)
    events = []
    for notification in app.recorder.select_notifications(start=None, limit=1000):
        event = to_integration_event(app.mapper.to_domain_event(notification))
        if event is None:
            continue
        envelope = Envelope.wrap(event, source="/crm/acquisition", subject="x")
        events.append(decode(topic_of(type(event)).name, envelope.to_bytes())[1])
    return events


def register(client: TestClient, **changes: object) -> dict[str, Any]:
    response = client.post("/customers", json={**GRACE, **changes}, headers=SALES)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_changing_a_profile_publishes_only_the_changed_fields(client: TestClient) -> None:
    customer = register(client)
    patch = {
        "last_name": "Murray Hopper",
        "emails": ["grace@example.com", "G.Hopper@NAVY.mil"],
        "phones": ["030 1234567"],
        "addresses": [
            {"line1": "1 Main St", "postal_code": "10115", "city": "Berlin", "country": "DE"}
        ],
        "birthday": "1906-12-09",
        "preferred_channel": "email",
        "company": "US Navy",
    }

    response = client.patch(f"/customers/{customer['customer_id']}", json=patch, headers=SALES)

    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["emails"] == ["grace@example.com", "G.Hopper@navy.mil"]
    assert changed["phones"] == ["+49301234567"]
    assert changed["addresses"][0]["city"] == "Berlin"
    assert changed["birthday"] == "1906-12-09"
    assert response.headers["ETag"] == f'"{changed["version"]}"'
    event = published(client)[-1]
    assert isinstance(event, CustomerProfileChanged)
    assert event.first_name is None  # unchanged
    assert event.last_name == "Murray Hopper"
    assert event.phone == "+49301234567"
    assert event.addresses is not None
    assert event.addresses[0].country == "DE"


def test_a_profile_change_that_changes_nothing_records_nothing(client: TestClient) -> None:
    customer = register(client)
    before = client.stored_events()

    response = client.patch(
        f"/customers/{customer['customer_id']}", json={"first_name": "Grace"}, headers=SALES
    )

    assert response.status_code == 200
    assert client.stored_events() == before


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"emails": ["nobody"]}, "emails"),
        ({"phones": ["12"]}, "phones"),
        ({"first_name": None}, "first_name"),
        ({"preferred_channel": "pigeon"}, "preferred_channel"),
        ({"shoe_size": 42}, "shoe_size"),
    ],
)
def test_a_bad_profile_change_is_a_422_naming_the_field_and_changes_nothing(
    client: TestClient, patch: dict[str, object], field: str
) -> None:
    customer = register(client)
    before = client.stored_events()

    response = client.patch(f"/customers/{customer['customer_id']}", json=patch, headers=SALES)

    assert response.status_code == 422
    fields = [error["field"] for error in response.json()["errors"]]
    assert any(name.split(".")[0] == field for name in fields), fields
    assert client.stored_events() == before


def test_a_profile_change_on_a_stale_read_is_a_409(client: TestClient) -> None:
    customer = register(client)
    path = f"/customers/{customer['customer_id']}"

    stale = client.patch(path, json={"company": "A"}, headers={**SALES, "If-Match": '"9"'})
    fresh = client.patch(
        path, json={"company": "A"}, headers={**SALES, "If-Match": f'"{customer["version"]}"'}
    )

    assert stale.status_code == 409
    assert fresh.status_code == 200


def test_changing_an_unknown_customer_is_a_404(client: TestClient) -> None:
    response = client.patch(f"/customers/{uuid4()}", json={"company": "A"}, headers=SALES)

    assert response.status_code == 404


def test_consents_are_kept_per_channel_and_purpose_with_time_and_source(
    client: TestClient,
) -> None:
    customer = register(client)
    path = f"/customers/{customer['customer_id']}/consents"
    newsletter = {"channel": "email", "purpose": "newsletter", "granted": True, "source": "shop"}
    calls = {"channel": "phone", "purpose": "marketing", "granted": False, "source": "store"}

    client.put(path, json={"consents": [newsletter, calls]}, headers=SALES)
    response = client.put(
        path, json={"consents": [{**calls, "granted": True, "source": "call"}]}, headers=SALES
    )

    assert response.status_code == 200, response.text
    consents = {(c["channel"], c["purpose"]): c for c in response.json()["consents"]}
    assert consents[("email", "newsletter")]["granted"] is True
    assert consents[("phone", "marketing")]["granted"] is True
    assert consents[("phone", "marketing")]["source"] == "call"
    assert consents[("phone", "marketing")]["given_at"]
    event = published(client)[-1]
    assert isinstance(event, ConsentsChanged)
    assert len(event.consents) == 2  # every consent after the change


def test_giving_the_same_consent_again_records_nothing(client: TestClient) -> None:
    customer = register(client)
    path = f"/customers/{customer['customer_id']}/consents"
    body = {
        "consents": [{"channel": "sms", "purpose": "marketing", "granted": True, "source": "web"}]
    }
    client.put(path, json=body, headers=SALES)
    before = client.stored_events()

    assert client.put(path, json=body, headers=SALES).status_code == 200
    assert client.stored_events() == before


def test_a_consent_for_an_unknown_purpose_is_a_422(client: TestClient) -> None:
    customer = register(client)
    body = {"consents": [{"channel": "sms", "purpose": "spam", "granted": True, "source": "web"}]}

    response = client.put(
        f"/customers/{customer['customer_id']}/consents", json=body, headers=SALES
    )

    assert response.status_code == 422
    assert "purpose" in response.json()["errors"][0]["field"]


def test_merging_keeps_both_histories_and_publishes_the_merge(client: TestClient) -> None:
    survivor = register(client, phone=None)
    duplicate = register(client, email="gh@example.com", phone="030 7654321", company="Navy")
    client.put(
        f"/customers/{duplicate['customer_id']}/consents",
        json={
            "consents": [{"channel": "email", "purpose": "surveys", "granted": True, "source": "x"}]
        },
        headers=SALES,
    )

    response = client.post(
        f"/customers/{survivor['customer_id']}/merge",
        json={"duplicate_id": duplicate["customer_id"]},
        headers={**SALES, "Idempotency-Key": "merge-1"},
    )

    assert response.status_code == 200, response.text
    merged = response.json()
    assert merged["emails"] == ["grace@example.com", "gh@example.com"]
    assert merged["phones"] == ["+49307654321"]
    assert merged["company"] == "Navy"
    assert merged["merged_customers"] == [duplicate["customer_id"]]
    assert [c["purpose"] for c in merged["consents"]] == ["surveys"]
    gone = client.get(f"/customers/{duplicate['customer_id']}", headers=SALES).json()
    assert gone["merged_into"] == survivor["customer_id"]
    merges = [e for e in published(client) if isinstance(e, CustomerMerged)]
    assert [(m.customer_id, m.merged_customer_id) for m in merges] == [
        (survivor["customer_id"], duplicate["customer_id"])
    ]


def test_a_merge_retried_with_its_key_has_no_second_effect(client: TestClient) -> None:
    survivor, duplicate = register(client), register(client, first_name="G.")
    merge = f"/customers/{survivor['customer_id']}/merge"
    headers = {**SALES, "Idempotency-Key": "merge-2"}
    client.post(merge, json={"duplicate_id": duplicate["customer_id"]}, headers=headers)
    before = client.stored_events()

    retry = client.post(merge, json={"duplicate_id": duplicate["customer_id"]}, headers=headers)

    assert retry.status_code == 200
    assert client.stored_events() == before


def test_a_merged_customer_cannot_be_merged_or_changed_again(client: TestClient) -> None:
    survivor, duplicate = register(client), register(client, first_name="G.")
    client.post(
        f"/customers/{survivor['customer_id']}/merge",
        json={"duplicate_id": duplicate["customer_id"]},
        headers=SALES,
    )
    before = client.stored_events()

    again = client.post(
        f"/customers/{survivor['customer_id']}/merge",
        json={"duplicate_id": duplicate["customer_id"]},
        headers=SALES,
    )
    patched = client.patch(
        f"/customers/{duplicate['customer_id']}", json={"company": "A"}, headers=SALES
    )

    assert again.status_code == patched.status_code == 409
    assert client.stored_events() == before


def test_a_customer_cannot_be_merged_into_itself(client: TestClient) -> None:
    customer = register(client)

    response = client.post(
        f"/customers/{customer['customer_id']}/merge",
        json={"duplicate_id": customer["customer_id"]},
        headers=SALES,
    )

    assert response.status_code == 409


def test_an_older_consent_arriving_late_does_not_override_a_newer_one() -> None:
    customer = Customer(uuid4(), "Ada", "L", None, None, None, None, "store")
    newer = {"channel": "email", "purpose": "marketing", "granted": False, "source": "web"}
    customer.give_consents([{**newer, "given_at": "2026-02-01T00:00:00+00:00"}])  # type: ignore[typeddict-item]

    changed = customer.give_consents(
        [{**newer, "granted": True, "given_at": "2026-01-01T00:00:00+00:00"}]  # type: ignore[typeddict-item]
    )

    assert changed is False
    assert customer.consents["email:marketing"]["granted"] is False
