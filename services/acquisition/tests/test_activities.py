"""Activities over HTTP: calls and their outcomes, follow-ups, lead engagement, the agenda."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest
from fastapi.testclient import TestClient

from acquisition.domain.activity import Activity, ActivityKind, CallOutcome
from acquisition.domain.errors import InvalidInput
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

SALES = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'al', ['sales'])}"}
ADA = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada@example.com",
    "source": "web_form",
}


def lead(client: TestClient) -> dict[str, Any]:
    return dict(client.post("/leads", json=ADA, headers=SALES).json())


def call(client: TestClient, lead_id: str, **fields: object) -> Any:
    body = {"kind": "call", "subject": "First call", "regarding": "lead", "regarding_id": lead_id}
    return client.post("/activities", json={**body, **fields}, headers=SALES)


def test_an_answered_call_marks_the_lead_contacted_and_rescores_it(client: TestClient) -> None:
    captured = lead(client)

    response = call(client, captured["lead_id"], outcome="interested")

    assert response.status_code == 201, response.text
    assert response.json()["done"] is True
    worked = client.get(f"/leads/{captured['lead_id']}", headers=SALES).json()
    assert worked["status"] == "contacted"
    assert worked["score"] == captured["score"] + 5 + 25
    assert {"points": 25, "reason": "1 x interested"} in worked["score_reasons"]


def test_a_call_nobody_answered_neither_contacts_nor_scores_the_lead(client: TestClient) -> None:
    captured = lead(client)

    call(client, captured["lead_id"], outcome="no_answer")

    worked = client.get(f"/leads/{captured['lead_id']}", headers=SALES).json()
    assert (worked["status"], worked["score"]) == ("new", captured["score"])


def test_a_call_back_creates_the_follow_up_task_at_the_time_asked(client: TestClient) -> None:
    captured = lead(client)
    at = "2030-01-07T14:30:00+00:00"

    logged = call(client, captured["lead_id"], outcome="call_back", callback_at=at).json()

    follow_up = client.get(f"/activities/{logged['follow_up_id']}", headers=SALES).json()
    assert follow_up["kind"] == "task"
    assert follow_up["due_at"].startswith("2030-01-07T14:30:00")
    assert follow_up["follow_up_of"] == logged["activity_id"]
    assert follow_up["regarding_id"] == captured["lead_id"]


def test_completing_a_planned_call_with_call_back_creates_the_task_once(
    client: TestClient,
) -> None:
    planned = call(client, lead(client)["lead_id"], due_at="2030-01-06T09:00:00Z").json()
    path = f"/activities/{planned['activity_id']}/complete"
    body = {"outcome": "call_back", "callback_at": "2030-01-08T09:00:00Z"}

    first = client.post(path, json=body, headers={**SALES, "Idempotency-Key": "c-1"})
    events = client.stored_events()
    retry = client.post(path, json=body, headers={**SALES, "Idempotency-Key": "c-1"})
    again = client.post(path, json=body, headers=SALES)

    assert first.status_code == retry.status_code == 200
    assert client.stored_events() == events
    assert again.status_code == 409
    assert client.get(f"/activities/{first.json()['follow_up_id']}", headers=SALES).json()


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"outcome": "call_back"}, "callback_at"),
        ({"kind": "task", "outcome": "interested"}, "outcome"),
        ({"outcome": "maybe"}, "outcome"),
        ({"regarding": "customer"}, "regarding_id"),
    ],
)
def test_a_bad_activity_is_a_422_naming_the_field_and_changes_nothing(
    client: TestClient, fields: dict[str, object], field: str
) -> None:
    captured = lead(client)
    before = client.stored_events()

    response = call(client, captured["lead_id"], **fields)

    assert response.status_code == 422
    assert field in [error["field"] for error in response.json()["errors"]]
    assert client.stored_events() == before


def test_an_activity_logged_again_with_its_key_is_logged_once(client: TestClient) -> None:
    captured = lead(client)
    body = {"kind": "note", "subject": "Met at fair", "regarding": "lead"}
    headers = {**SALES, "Idempotency-Key": "note-1"}

    first = client.post(
        "/activities", json={**body, "regarding_id": captured["lead_id"]}, headers=headers
    )
    events = client.stored_events()
    retry = client.post(
        "/activities", json={**body, "regarding_id": captured["lead_id"]}, headers=headers
    )

    assert retry.json()["activity_id"] == first.json()["activity_id"]
    assert client.stored_events() == events


def test_the_agenda_shows_todays_and_overdue_open_items_of_the_rep(client: TestClient) -> None:
    lead_id = lead(client)["lead_id"]
    now = datetime.now(UTC)
    today = call(client, lead_id, subject="today", due_at=now.isoformat()).json()
    late = call(client, lead_id, subject="late", due_at=(now - timedelta(days=3)).isoformat())
    call(client, lead_id, subject="later", due_at=(now + timedelta(days=3)).isoformat())
    call(client, lead_id, subject="bo's", owner="bo", due_at=now.isoformat())
    done = call(client, lead_id, subject="done", due_at=now.isoformat()).json()
    client.post(
        f"/activities/{done['activity_id']}/complete", json={"outcome": "no_answer"}, headers=SALES
    )
    client.catch_up()

    agenda = client.get("/agenda", headers=SALES).json()

    assert [(item["subject"], item["overdue"]) for item in agenda] == [
        ("late", True),
        ("today", False),
    ]
    assert agenda[1]["activity_id"] == today["activity_id"]
    assert late.status_code == 201
    assert [i["subject"] for i in client.get("/agenda?owner=bo", headers=SALES).json()] == ["bo's"]


def test_a_meeting_without_a_call_outcome_cannot_be_given_one() -> None:
    meeting = Activity(uuid4(), ActivityKind.MEETING.value, "Demo", "lead", uuid4(), "al", None)

    with pytest.raises(InvalidInput) as refused:
        meeting.complete(CallOutcome.INTERESTED)

    assert refused.value.field == "outcome"
    assert meeting.done is False
