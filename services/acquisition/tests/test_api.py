"""Acquisition's HTTP contract: what clients may send and what they get back."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from acquisition.bootstrap import build_runtime, create_app
from acquisition.settings import AcquisitionSettings
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY


def bearer(*roles: str, subject: str = "alice@example.com") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, subject, list(roles))}"}


SALES = bearer("sales")
ADA = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ADA@Example.com",
    "source": "web_form",
}


def test_capturing_a_lead_answers_with_its_id_and_version(client: TestClient) -> None:
    response = client.post("/leads", json=ADA, headers=SALES)

    assert response.status_code == 201
    lead = response.json()
    assert lead["status"] == "new"
    assert lead["version"] == 2  # captured, then scored, in one atomic save
    assert lead["email"] == "ADA@example.com"
    assert response.headers["Location"] == f"/leads/{lead['lead_id']}"
    assert response.headers["ETag"] == '"2"'
    assert client.get(f"/leads/{lead['lead_id']}", headers=SALES).json() == lead


def test_converting_a_qualified_lead_creates_a_customer(client: TestClient) -> None:
    lead = client.post("/leads", json=ADA, headers=SALES).json()

    response = client.post(f"/leads/{lead['lead_id']}/convert", headers=SALES)

    assert response.status_code == 201
    customer = response.json()
    assert customer["lead_id"] == lead["lead_id"]
    assert customer["source"] == "web_form"
    assert client.get(f"/customers/{customer['customer_id']}", headers=SALES).status_code == 200
    converted = client.get(f"/leads/{lead['lead_id']}", headers=SALES).json()
    assert converted["status"] == "converted"
    assert converted["customer_id"] == customer["customer_id"]


def test_converting_a_lead_twice_is_a_conflict_that_changes_nothing(client: TestClient) -> None:
    lead = client.post("/leads", json=ADA, headers=SALES).json()
    client.post(f"/leads/{lead['lead_id']}/convert", headers=SALES)
    before = client.stored_events()

    response = client.post(f"/leads/{lead['lead_id']}/convert", headers=SALES)

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert "already converted" in response.json()["detail"]
    assert client.stored_events() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"last_name": "Lovelace", "source": "web_form"}, "first_name"),
        ({**ADA, "email": "not-an-address"}, "email"),
        ({**ADA, "source": "pigeon"}, "source"),
        ({**ADA, "shoe_size": 42}, "shoe_size"),
    ],
)
def test_bad_input_is_a_422_problem_naming_the_field_and_changes_nothing(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    response = client.post("/leads", json=body, headers=SALES)

    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert field in [error["field"] for error in problem["errors"]]
    assert field in problem["detail"]
    assert client.stored_events() == 0


def test_malformed_json_is_a_422_problem_and_changes_nothing(client: TestClient) -> None:
    response = client.post(
        "/leads", content=b'{"first_name": ', headers={**SALES, "Content-Type": "application/json"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body"
    assert client.stored_events() == 0


def test_an_unknown_lead_is_a_404_problem(client: TestClient) -> None:
    response = client.post("/leads/6f1c1d5e-0000-4000-8000-000000000000/convert", headers=SALES)

    assert response.status_code == 404
    assert response.json()["status"] == 404


def test_a_caller_without_a_token_is_refused_with_401(client: TestClient) -> None:
    response = client.post("/leads", json=ADA)

    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert client.stored_events() == 0


def test_a_forged_token_is_refused_with_401(client: TestClient) -> None:
    forged = {"Authorization": f"Bearer {issue_token('another-key' * 4, 'mallory', ['admin'])}"}

    assert client.post("/leads", json=ADA, headers=forged).status_code == 401


def test_a_caller_without_the_role_is_refused_with_403(client: TestClient) -> None:
    response = client.post("/leads", json=ADA, headers=bearer("support"))

    assert response.status_code == 403
    assert client.stored_events() == 0


def test_the_token_subject_is_the_actor_of_the_stored_events(client: TestClient) -> None:
    client.post("/leads", json=ADA, headers=bearer("sales", subject="bob@example.com"))

    notification = client.runtime.app.recorder.select_notifications(start=None, limit=1)[0]  # type: ignore[attr-defined]
    _, causality = client.runtime.app.mapper.to_domain_event_with_causality(notification)  # type: ignore[attr-defined]
    assert causality["actor"] == "bob@example.com"
    assert causality["correlation_id"]


def test_a_lead_captured_again_with_the_same_idempotency_key_is_captured_once(
    client: TestClient,
) -> None:
    first = client.post("/leads", json=ADA, headers={**SALES, "Idempotency-Key": "form-42"})
    retry = client.post("/leads", json=ADA, headers={**SALES, "Idempotency-Key": "form-42"})

    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert client.stored_events() == 2  # captured and scored, once


def test_an_idempotency_key_reused_for_another_request_is_refused(client: TestClient) -> None:
    client.post("/leads", json=ADA, headers={**SALES, "Idempotency-Key": "form-43"})

    response = client.post(
        "/leads",
        json={**ADA, "first_name": "Augusta"},
        headers={**SALES, "Idempotency-Key": "form-43"},
    )

    assert response.status_code == 422
    assert "first_name" in response.json()["detail"]
    assert client.stored_events() == 2  # the first capture only


def test_a_conversion_retried_with_its_idempotency_key_answers_the_same_customer(
    client: TestClient,
) -> None:
    lead = client.post("/leads", json=ADA, headers=SALES).json()
    convert = f"/leads/{lead['lead_id']}/convert"
    first = client.post(convert, headers={**SALES, "Idempotency-Key": "convert-1"})
    events = client.stored_events()

    retry = client.post(convert, headers={**SALES, "Idempotency-Key": "convert-1"})

    assert retry.status_code == 201
    assert retry.json()["customer_id"] == first.json()["customer_id"]
    assert client.stored_events() == events
    assert client.post(convert, headers=SALES).status_code == 409


def test_a_conversion_decided_on_a_stale_read_is_a_conflict(client: TestClient) -> None:
    lead = client.post("/leads", json=ADA, headers=SALES).json()
    convert = f"/leads/{lead['lead_id']}/convert"

    stale = client.post(convert, headers={**SALES, "If-Match": '"7"'})
    fresh = client.post(convert, headers={**SALES, "If-Match": f'"{lead["version"]}"'})

    assert stale.status_code == 409
    assert stale.json()["title"] == "Stale version"
    assert fresh.status_code == 201


def test_tokens_signed_with_a_key_being_rotated_out_are_still_accepted(tmp_path) -> None:
    new_key, old_key, unknown_key = ("new-" + "n" * 40, "old-" + "o" * 40, "bad-" + "x" * 40)
    settings = AcquisitionSettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
        jwt_signing_key=new_key,
        jwt_previous_signing_keys=old_key,
    )

    def signed_with(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(key, 'al', ['sales'])}"}

    with TestClient(create_app(build_runtime(settings))) as rotating:
        assert rotating.post("/leads", json=ADA, headers=signed_with(old_key)).status_code == 201
        assert rotating.post("/leads", json=ADA, headers=signed_with(new_key)).status_code == 201
        assert (
            rotating.post("/leads", json=ADA, headers=signed_with(unknown_key)).status_code == 401
        )
