"""Support's HTTP contract for cases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY
from support.bootstrap import build_runtime, create_app
from support.settings import SupportSettings

AGENT = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'sam', ['support'])}"}
ADMIN = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'root', ['admin'])}"}
COMPLAINT = {
    "customer_id": "c-1",
    "channel": "phone",
    "case_type": "complaint",
    "subject": "The kettle leaks",
}


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:
    settings = SupportSettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
    )
    with TestClient(create_app(build_runtime(settings))) as test_client:
        yield test_client


def open_case(client: TestClient, **changes: object) -> dict:
    response = client.post("/cases", json={**COMPLAINT, **changes}, headers=AGENT)
    assert response.status_code == 201, response.text
    return response.json()


def test_an_agent_opens_a_case_for_a_customer_from_the_phone(client: TestClient) -> None:
    case = open_case(client)

    assert case["status"] == "new"
    assert case["priority"] == "normal"
    assert [clock["clock"] for clock in case["sla"]] == ["first_response", "resolution"]
    again = client.get(f"/cases/{case['case_id']}", headers=AGENT).json()
    assert again["case_id"] == case["case_id"]
    assert again["version"] == case["version"]


def test_a_case_from_an_unknown_channel_is_refused(client: TestClient) -> None:
    response = client.post(
        "/cases",
        json={"channel": "fax", "case_type": "complaint", "subject": "x"},
        headers=AGENT,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "channel"


def test_a_case_goes_from_first_response_to_satisfaction(client: TestClient) -> None:
    case = open_case(client)
    path = f"/cases/{case['case_id']}"

    answered = client.post(f"{path}/replies", json={"body": "Which model?"}, headers=AGENT)
    client.post(f"{path}/notes", json={"body": "Probably the K-200 batch"}, headers=AGENT)
    waiting = client.post(f"{path}/status", json={"status": "pending"}, headers=AGENT)
    back = client.post(
        f"{path}/replies", json={"body": "K-200", "by_customer": True}, headers=AGENT
    )
    resolved = client.post(f"{path}/status", json={"status": "resolved"}, headers=AGENT)
    rated = client.post(f"{path}/satisfaction", json={"score": 2, "comment": "slow"}, headers=AGENT)

    assert answered.json()["status"] == "open"
    assert answered.json()["first_response_at"] is not None
    assert waiting.json()["status"] == "pending"
    assert back.json()["status"] == "open"
    assert resolved.json()["status"] == "resolved"
    assert rated.json()["satisfaction"] == 2
    kinds = [entry["kind"] for entry in rated.json()["conversation"]]
    assert kinds == ["reply", "note", "reply"]


def test_illegal_transitions_are_409_and_change_nothing(client: TestClient) -> None:
    case = open_case(client)
    path = f"/cases/{case['case_id']}"
    client.post(f"{path}/status", json={"status": "resolved"}, headers=AGENT)
    closed = client.post(f"{path}/status", json={"status": "closed"}, headers=AGENT).json()

    reply = client.post(f"{path}/replies", json={"body": "Hello?"}, headers=AGENT)
    reopen = client.post(f"{path}/status", json={"status": "open"}, headers=AGENT)

    assert reply.status_code == reopen.status_code == 409
    assert reply.headers["content-type"] == "application/problem+json"
    assert client.get(path, headers=AGENT).json()["version"] == closed["version"]


def test_satisfaction_is_asked_only_after_resolution(client: TestClient) -> None:
    case = open_case(client)

    response = client.post(
        f"/cases/{case['case_id']}/satisfaction", json={"score": 5}, headers=AGENT
    )

    assert response.status_code == 409


def test_a_team_takes_its_channels_cases_round_robin(client: TestClient) -> None:
    client.put(
        "/teams/phones",
        json={"channels": ["phone"], "agents": ["ann", "bob"], "lead": "lea"},
        headers=ADMIN,
    )

    agents = [open_case(client)["agent"] for _ in range(3)]

    assert agents == ["ann", "bob", "ann"]
    assert open_case(client, channel="email")["agent"] is None


def test_sla_policies_are_set_by_an_administrator_and_must_cover_every_priority(
    client: TestClient,
) -> None:
    one = {
        "name": "urgent",
        "priority": "urgent",
        "first_response_minutes": 15,
        "resolution_minutes": 240,
    }
    every = [one] + [
        {"name": p, "priority": p, "first_response_minutes": 60, "resolution_minutes": 600}
        for p in ("low", "normal", "high")
    ]

    forbidden = client.put("/sla-policies", json=every, headers=AGENT)
    incomplete = client.put("/sla-policies", json=[one], headers=ADMIN)
    accepted = client.put("/sla-policies", json=every, headers=ADMIN)

    assert forbidden.status_code == 403
    assert incomplete.status_code == 422
    assert accepted.status_code == 200
    urgent = open_case(client, priority="urgent")
    assert urgent["sla"][0]["target_minutes"] == 15
