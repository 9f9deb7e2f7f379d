"""Working leads over HTTP: lifecycle, read model, look-alikes, assignment, conversion."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

SALES = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'al', ['sales'])}"}
ADA = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "phone": "+44 20 7946 0958",
    "company": "Analytical Engines",
    "source": "campaign",
    "campaign_id": "spring-2026",
}


@pytest.fixture
def client(client_for):
    return client_for(
        default_phone_region="DE", teams={"uk": ["una", "uli"]}, assign_by_territory={"GB": "uk"}
    )


def capture(client: TestClient, **changes: object) -> dict[str, object]:
    response = client.post("/leads", json={**ADA, **changes}, headers=SALES)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_captured_lead_is_normalized_scored_and_assigned_by_territory(
    client: TestClient,
) -> None:
    lead = capture(client, email="Ada@EXAMPLE.com")

    assert lead["email"] == "Ada@example.com"
    assert lead["phone"] == "+442079460958"
    assert lead["country"] == "GB"
    assert lead["score"] == 50
    assert {"points": 20, "reason": "source campaign"} in lead["score_reasons"]
    assert (lead["owner"], lead["team"]) == ("una", "uk")
    assert capture(client, first_name="Augusta")["owner"] == "uli"  # round-robin


def test_a_phone_number_that_cannot_exist_is_a_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/leads", json={**ADA, "phone": "12"}, headers=SALES)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "phone"
    assert client.stored_events() == 0


def test_a_lead_goes_from_new_to_contacted_to_qualified(client: TestClient) -> None:
    lead = capture(client)
    path = f"/leads/{lead['lead_id']}"

    contacted = client.post(f"{path}/contact", json={"channel": "phone"}, headers=SALES)
    qualified = client.post(f"{path}/qualify", json={"note": "budget ok"}, headers=SALES)

    assert contacted.json()["status"] == "contacted"
    assert qualified.status_code == 200
    assert qualified.json()["status"] == "qualified"
    assert qualified.headers["ETag"] == f'"{qualified.json()["version"]}"'


def test_disqualifying_needs_a_reason_from_the_list(client: TestClient) -> None:
    lead = capture(client)
    before = client.stored_events()

    response = client.post(
        f"/leads/{lead['lead_id']}/disqualify", json={"reason": "mood"}, headers=SALES
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"
    assert client.stored_events() == before


def test_qualifying_a_converted_lead_is_a_409_that_changes_nothing(client: TestClient) -> None:
    lead = capture(client)
    client.post(f"/leads/{lead['lead_id']}/convert", headers=SALES)
    before = client.stored_events()

    response = client.post(f"/leads/{lead['lead_id']}/qualify", headers=SALES)

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert client.stored_events() == before


def test_a_command_on_a_stale_version_is_a_409_that_changes_nothing(client: TestClient) -> None:
    lead = capture(client)
    before = client.stored_events()

    response = client.post(
        f"/leads/{lead['lead_id']}/qualify", headers={**SALES, "If-Match": '"1"'}
    )

    assert response.status_code == 409
    assert client.stored_events() == before


def test_a_qualification_retried_with_its_idempotency_key_takes_effect_once(
    client: TestClient,
) -> None:
    lead = capture(client)
    qualify = f"/leads/{lead['lead_id']}/qualify"
    first = client.post(qualify, headers={**SALES, "Idempotency-Key": "q-1"})
    events = client.stored_events()

    retry = client.post(qualify, headers={**SALES, "Idempotency-Key": "q-1"})

    assert retry.status_code == 200
    assert retry.json() == first.json()
    assert client.stored_events() == events


def test_an_unknown_lead_is_a_404_for_every_command(client: TestClient) -> None:
    unknown = "/leads/6f1c1d5e-0000-4000-8000-000000000000"
    for command in ("qualify", "contact", "assign"):
        assert client.post(f"{unknown}/{command}", headers=SALES).status_code == 404


def test_a_lead_is_reassigned_manually(client: TestClient) -> None:
    lead = capture(client)

    response = client.post(f"/leads/{lead['lead_id']}/assign", json={"owner": "zoe"}, headers=SALES)

    assert (response.json()["owner"], response.json()["team"]) == ("zoe", None)


def test_a_lead_like_a_known_one_is_flagged_and_can_be_merged(client: TestClient) -> None:
    first = capture(client, phone=None)
    client.catch_up()
    second = capture(client, email="ADA@example.com", campaign_id="autumn")

    assert second["possible_duplicates"] == [
        {"kind": "lead", "id": first["lead_id"], "reason": "same e-mail"}
    ]
    merged = client.post(
        f"/leads/{first['lead_id']}/merge", json={"duplicate_id": second["lead_id"]}, headers=SALES
    )

    assert merged.status_code == 200
    assert merged.json()["phone"] == "+442079460958"
    gone = client.get(f"/leads/{second['lead_id']}", headers=SALES).json()
    assert (gone["status"], gone["merged_into"]) == ("merged", first["lead_id"])


def test_converting_with_an_opportunity_answers_both_ids_and_a_retry_the_same(
    client: TestClient,
) -> None:
    lead = capture(client)
    body = {"open_opportunity": {"title": "Engines", "amount": "1200.00", "currency": "EUR"}}
    convert = f"/leads/{lead['lead_id']}/convert"

    first = client.post(convert, json=body, headers={**SALES, "Idempotency-Key": "c-1"})
    retry = client.post(convert, json=body, headers={**SALES, "Idempotency-Key": "c-1"})

    assert first.status_code == retry.status_code == 201
    conversion = first.json()
    assert conversion["campaign_id"] == "spring-2026"
    assert retry.json()["opportunity_id"] == conversion["opportunity_id"]
    deal = client.get(f"/opportunities/{conversion['opportunity_id']}", headers=SALES).json()
    assert (deal["customer_id"], deal["owner"], deal["stage"]) == (
        conversion["customer_id"],
        "una",
        "qualification",
    )


def test_the_lead_list_filters_and_pages_with_a_cursor(client: TestClient) -> None:
    for name in ("A", "B", "C"):
        capture(client, first_name=name, last_name=name * 3, email=None, phone=None)
    capture(client, source="referral", email=None, phone=None, last_name="Other")
    client.catch_up()

    first = client.get("/leads?source=campaign&limit=2", headers=SALES).json()
    second = client.get(
        f"/leads?source=campaign&limit=2&cursor={first['next_cursor']}", headers=SALES
    ).json()

    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    assert second["next_cursor"] is None
    names = {row["first_name"] for row in first["items"] + second["items"]}
    assert names == {"A", "B", "C"}
    assert client.get("/leads?cursor=nonsense", headers=SALES).status_code == 400


def test_customers_are_found_by_email_phone_or_name(client: TestClient) -> None:
    lead = capture(client)
    client.post(f"/leads/{lead['lead_id']}/convert", headers=SALES)
    client.catch_up()

    for q in ("ADA@example.com", "+442079460958", "lovel"):
        hits = client.get("/customers", params={"q": q}, headers=SALES).json()
        assert [hit["last_name"] for hit in hits] == ["Lovelace"], q


def test_a_won_opportunity_is_closed_and_a_lost_one_needs_a_listed_reason(
    client: TestClient,
) -> None:
    customer = client.post(
        "/customers", json={"first_name": "Grace", "last_name": "Hopper"}, headers=SALES
    ).json()
    deal = client.post(
        "/opportunities",
        json={
            "customer_id": customer["customer_id"],
            "title": "Compilers",
            "amount": "10",
            "currency": "USD",
        },
        headers={**SALES, "Idempotency-Key": "o-1"},
    ).json()
    path = f"/opportunities/{deal['opportunity_id']}"

    moved = client.post(f"{path}/stage", json={"stage": "proposal"}, headers=SALES).json()
    bad = client.post(f"{path}/lost", json={"reason": "weather"}, headers=SALES)
    won = client.post(f"{path}/won", headers=SALES)
    again = client.post(f"{path}/lost", json={"reason": "price"}, headers=SALES)

    assert moved["probability"] == 50
    assert bad.status_code == 422
    assert won.json()["outcome"] == "won"
    assert again.status_code == 409
