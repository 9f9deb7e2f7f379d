"""Hostile input to loyalty: a 4xx problem, nothing stored, and the jobs carry on.

Numbers past what SQLite or ``timedelta`` hold were accepted and stored, and broke
whatever read them later (the liability projection, expiry): each case here was a
500 or a broken job found by schemathesis (see test_openapi_conformance).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from loyalty.app import Loyalty
from loyalty.bootstrap import build_runtime, create_app
from loyalty.inbox import LoyaltyInbox
from loyalty.settings import LoyaltySettings
from servicekit.auth import issue_token
from servicekit.service import Runtime
from servicekit.settings import DEV_SIGNING_KEY

from .conftest import Messages

ADMIN = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'root', ['admin'])}"}
BEYOND_SQLITE = 2**63
PROBLEM = "application/problem+json"


@pytest.fixture
def runtime(tmp_path, messages: Messages) -> Runtime:
    runtime = build_runtime(
        LoyaltySettings(
            var_dir=tmp_path,
            relay_enabled=False,
            consumers_enabled=False,
            kafka_bootstrap_servers="127.0.0.1:1",
        )
    )
    assert isinstance(runtime.app, Loyalty)
    registered = messages.registered("c-1")
    LoyaltyInbox(runtime.app).apply([registered], Tracking(f"{registered.topic}:0", 0))
    return runtime


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


def stored_events(runtime: Runtime) -> int:
    return runtime.app.recorder.max_notification_id() or 0


EARNING = {"points_per_unit": "1"}
TIERS = {"silver_above": "100", "gold_above": "500", "premium_above": "1000"}
REWARD = {"name": "Mug", "points_cost": 100, "stock": 10}


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        (
            "post",
            "/accounts/c-1/adjustments",
            {"points": BEYOND_SQLITE, "reason": "x" * 3},
            "points",
        ),
        ("post", "/accounts/c-1/adjustments", {"points": -(10**12), "reason": "xxx"}, "points"),
        ("put", "/programme/earning", {**EARNING, "expiry_days": 10**9}, "expiry_days"),
        ("put", "/programme/earning", {"points_per_unit": "1e400"}, "points_per_unit"),
        ("put", "/tiers", {**TIERS, "window_days": 10**10}, "window_days"),
        ("post", "/rewards", {**REWARD, "points_cost": BEYOND_SQLITE}, "points_cost"),
        ("post", "/rewards", {**REWARD, "stock": BEYOND_SQLITE}, "stock"),
        ("post", "/rewards", {**REWARD, "valid_from": "2026-12-07T10:00:00"}, "valid_from"),
        ("post", "/promotions", {"name": "P", "kind": "bonus_points", "budget": "1e30"}, "budget"),
    ],
)
def test_a_number_or_time_past_its_realistic_bound_is_refused_and_nothing_stored(
    client: TestClient,
    runtime: Runtime,
    method: str,
    path: str,
    body: dict[str, Any],
    field: str,
) -> None:
    before = stored_events(runtime)

    response = client.request(method, path, json=body, headers=ADMIN)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == PROBLEM
    assert field in {issue["field"].split(".")[-1] for issue in response.json()["errors"]}
    assert stored_events(runtime) == before


@pytest.mark.parametrize("path", ["/rewards?cursor={n}", "/accounts/c-1/statement?cursor={n}"])
def test_a_cursor_past_any_position_is_refused(client: TestClient, path: str) -> None:
    response = client.get(path.format(n=BEYOND_SQLITE), headers=ADMIN)

    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM


def test_an_id_of_another_kind_of_record_names_nothing(client: TestClient) -> None:
    reward = client.post("/rewards", json=REWARD, headers=ADMIN).json()

    for path in ("/promotions/{id}", "/redemptions/{id}"):
        response = client.get(path.format(id=reward["reward_id"]), headers=ADMIN)
        assert response.status_code == 404, path
