"""Hostile input to acquisition: a 4xx problem, nothing stored, and the service carries on.

Each of these was a 500 found by schemathesis (see test_openapi_conformance).
"""

from __future__ import annotations

from typing import Any

import pytest

from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

from .conftest import AcquisitionClient

SALES = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'al', ['sales'])}"}
PROBLEM = "application/problem+json"
ADA = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "source": "web_form",
}


def created(client: AcquisitionClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(path, json=body, headers=SALES)
    assert response.status_code == 201, response.text
    return dict(response.json())


def test_a_lead_merge_naming_a_customer_as_its_duplicate_is_refused(
    client: AcquisitionClient,
) -> None:
    lead = created(client, "/leads", ADA)
    customer = created(client, "/customers", {"first_name": "Bo", "last_name": "Bell"})
    before = client.stored_events()

    response = client.post(
        f"/leads/{lead['lead_id']}/merge",
        json={"duplicate_id": customer["customer_id"]},
        headers=SALES,
    )

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"] == [
        {"field": "duplicate_id", "message": f"no lead {customer['customer_id']} is known"}
    ]
    assert client.stored_events() == before


def test_a_customer_merge_naming_a_lead_as_its_duplicate_is_refused(
    client: AcquisitionClient,
) -> None:
    lead = created(client, "/leads", ADA)
    customer = created(client, "/customers", {"first_name": "Bo", "last_name": "Bell"})
    before = client.stored_events()

    response = client.post(
        f"/customers/{customer['customer_id']}/merge",
        json={"duplicate_id": lead["lead_id"]},
        headers=SALES,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "duplicate_id"
    assert client.stored_events() == before


@pytest.mark.parametrize("path", ["/customers/{id}", "/opportunities/{id}", "/campaigns/{id}"])
def test_an_id_of_another_kind_of_record_names_nothing(
    client: AcquisitionClient, path: str
) -> None:
    lead = created(client, "/leads", ADA)

    response = client.get(path.format(id=lead["lead_id"]), headers=SALES)

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM


def test_a_cursor_the_lead_list_did_not_give_is_a_bad_request(client: AcquisitionClient) -> None:
    for cursor in ("nonsense", "bGVhZA", "%FF%FE", "x" * 300):
        response = client.get(f"/leads?cursor={cursor}", headers=SALES)

        assert response.status_code == 400, cursor
        assert response.json()["errors"][0]["field"] == "cursor"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"due_at": "2026-12-07T10:00:00"}, "due_at"),  # no offset: which 10 o'clock?
        ({"due_at": "0001-01-01T00:00:00+01:00"}, "due_at"),  # before year 1 in UTC
        ({"due_at": "9999-12-31T23:00:00-05:00"}, "due_at"),  # after year 9999 in UTC
    ],
)
def test_a_time_without_an_offset_or_outside_the_calendar_is_refused(
    client: AcquisitionClient, body: dict[str, Any], field: str
) -> None:
    lead = created(client, "/leads", ADA)
    before = client.stored_events()
    activity = {
        "kind": "task",
        "subject": "Call back",
        "regarding": "lead",
        "regarding_id": lead["lead_id"],
        **body,
    }

    response = client.post("/activities", json=activity, headers=SALES)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == field
    assert client.stored_events() == before


def test_an_agenda_at_the_end_of_the_calendar_is_refused(client: AcquisitionClient) -> None:
    response = client.get("/agenda?day=9999-12-31", headers=SALES)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "query.day"


def test_listed_leads_carry_the_offset_of_their_times_on_sqlite(client: AcquisitionClient) -> None:
    created(client, "/leads", ADA)
    client.catch_up()

    listed = client.get("/leads", headers=SALES).json()["items"]

    assert listed[0]["captured_at"].endswith(("Z", "+00:00"))
