"""Hostile input to support: a 4xx problem, nothing stored, and the SLA clock keeps running.

An SLA policy whose clock could never reach a deadline (no working day, closing
before opening, an unknown zone, a target past ``timedelta``'s range) was stored
and broke the SLA watcher and every case opened under it; a cursor the list did
not give was a 500. Each was found by schemathesis (see test_openapi_conformance).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from servicekit.auth import issue_token
from servicekit.service import Runtime
from servicekit.settings import DEV_SIGNING_KEY
from support.bootstrap import build_runtime, create_app
from support.settings import SupportSettings

ADMIN = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'root', ['admin'])}"}
PROBLEM = "application/problem+json"


@pytest.fixture
def runtime(tmp_path) -> Runtime:
    return build_runtime(
        SupportSettings(
            var_dir=tmp_path,
            relay_enabled=False,
            consumers_enabled=False,
            kafka_bootstrap_servers="127.0.0.1:1",
        )
    )


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


def policies(**urgent: Any) -> list[dict[str, Any]]:
    """A policy for every priority; the urgent one changed by ``urgent``."""
    return [
        {"name": p, "priority": p, "first_response_minutes": 60, "resolution_minutes": 600}
        | (urgent if p == "urgent" else {})
        for p in ("low", "normal", "high", "urgent")
    ]


@pytest.mark.parametrize(
    "urgent",
    [
        {"first_response_minutes": 1e300},
        {"resolution_minutes": 10**20},
        {"around_the_clock": False, "days": []},
        {"around_the_clock": False, "opens": "17:00:00", "closes": "09:00:00"},
        {"around_the_clock": False, "days": [0, 9]},
        {"around_the_clock": False, "opens": "09:00:00+01:00", "closes": "17:00:00"},
        {"opens": "09:00:00Z"},
        {"timezone": "Mars/Olympus_Mons"},
        {"timezone": "../../etc/passwd"},
    ],
)
def test_an_sla_policy_whose_clock_could_not_run_is_refused_and_nothing_stored(
    client: TestClient, runtime: Runtime, urgent: dict[str, Any]
) -> None:
    before = runtime.app.recorder.max_notification_id()

    response = client.put("/sla-policies", json=policies(**urgent), headers=ADMIN)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert runtime.app.recorder.max_notification_id() == before


def test_business_hours_in_a_known_zone_are_accepted(client: TestClient) -> None:
    hours = {"around_the_clock": False, "days": [0, 1, 2], "timezone": "Europe/Paris"}

    response = client.put("/sla-policies", json=policies(**hours), headers=ADMIN)

    assert response.status_code == 200, response.text


@pytest.mark.parametrize("cursor", ["nonsense", "bm9waXBl", "%FF%FE%FD", "MjAyNnw"])
def test_a_cursor_the_case_list_did_not_give_is_a_bad_request(
    client: TestClient, cursor: str
) -> None:
    response = client.get(f"/cases?cursor={cursor}", headers=ADMIN)

    assert response.status_code == 400
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["errors"][0]["field"] == "cursor"
