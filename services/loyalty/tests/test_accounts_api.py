"""Loyalty's HTTP contract: accounts, statements, adjustments, expiry and the programme rules."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from loyalty.app import Loyalty
from loyalty.bootstrap import build_runtime, create_app
from loyalty.inbox import LoyaltyInbox
from loyalty.outbox import to_integration_event
from loyalty.settings import LoyaltySettings
from loyalty.views.projection import LoyaltyViews
from servicekit.auth import issue_token
from servicekit.loopback import deliver_log
from servicekit.settings import DEV_SIGNING_KEY

from .conftest import finished


def bearer(*roles: str, subject: str = "alice@example.com") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, subject, list(roles))}"}


SUPPORT = bearer("support")
MARKETING = bearer("marketing")
ADMIN = bearer("admin")
ANALYST = bearer("analyst")


@pytest.fixture
def client(tmp_path, messages) -> Iterator[TestClient]:
    settings = LoyaltySettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
    )
    runtime = build_runtime(settings)
    app = runtime.app
    assert isinstance(app, Loyalty)
    inbox = LoyaltyInbox(app)
    for delivery in (
        messages.registered("c-1"),
        messages.placed("o-1", customer_id="c-1", lines=[("A", 2, "100")]),
        messages.paid("o-1"),
        messages.placed("o-2", customer_id="c-1", lines=[("B", 1, "30")]),
    ):
        inbox.apply([delivery], Tracking(f"{delivery.topic}:0", delivery.offset))
    views = next(h for h in runtime.handlers if isinstance(h, LoyaltyViews))
    deliver_log(app, to_integration_event, views, "/crm/loyalty")  # as over Kafka
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


def test_an_account_shows_available_and_pending_points_and_the_tier(client: TestClient) -> None:
    response = client.get("/accounts/c-1", headers=ANALYST)

    assert response.status_code == 200
    body = response.json()
    assert (body["available_points"], body["pending_points"], body["tier"]) == (200, 30, "standard")
    assert response.headers["ETag"] == f'"{body["version"]}"'


def test_an_unknown_account_is_not_found(client: TestClient) -> None:
    assert client.get("/accounts/nobody", headers=ANALYST).status_code == 404


def test_an_adjustment_is_recorded_with_its_reason_and_actor_once_per_idempotency_key(
    client: TestClient,
) -> None:
    adjustment = {"points": 50, "reason": "late delivery"}
    headers = {**SUPPORT, "Idempotency-Key": "k-1"}

    first = client.post("/accounts/c-1/adjustments", json=adjustment, headers=headers)
    again = client.post("/accounts/c-1/adjustments", json=adjustment, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json()["available_points"] == 250
    newest = client.get("/accounts/c-1/statement", headers=ANALYST).json()["movements"][0]
    assert (newest["points"], newest["reason"], newest["actor"]) == (
        50,
        "late delivery",
        "alice@example.com",
    )


def test_a_debit_beyond_the_balance_is_a_conflict_and_a_zero_adjustment_is_invalid(
    client: TestClient,
) -> None:
    too_much = {"points": -201, "reason": "mistake"}
    nothing = {"points": 0, "reason": "mistake"}

    assert (
        client.post("/accounts/c-1/adjustments", json=too_much, headers=SUPPORT).status_code == 409
    )
    assert (
        client.post("/accounts/c-1/adjustments", json=nothing, headers=SUPPORT).status_code == 422
    )
    assert (
        client.post("/accounts/c-1/adjustments", json=too_much, headers=ANALYST).status_code == 403
    )


def test_the_statement_pages_through_movements_newest_or_oldest_first(client: TestClient) -> None:
    for n in range(1, 4):
        client.post(
            "/accounts/c-1/adjustments", json={"points": n, "reason": "r" * 3}, headers=SUPPORT
        )

    page = client.get("/accounts/c-1/statement?limit=3", headers=ANALYST).json()
    rest = client.get(
        f"/accounts/c-1/statement?limit=3&cursor={page['next_cursor']}", headers=ANALYST
    ).json()
    oldest = client.get("/accounts/c-1/statement?order=oldest&limit=2", headers=ANALYST).json()

    assert [m["points"] for m in page["movements"]] == [3, 2, 1]
    assert [m["balance_after"] for m in page["movements"]] == [206, 203, 201]
    assert [m["points"] for m in rest["movements"]] == [200]
    assert rest["next_cursor"] is None
    assert [m["points"] for m in oldest["movements"]] == [200, 1]
    assert oldest["next_cursor"] == 2


def test_the_expiry_run_expires_due_lots_of_every_account(client: TestClient) -> None:
    job = finished(
        client, client.post("/accounts/expire?as_of=2030-01-01T00:00:00Z", headers=ADMIN), ADMIN
    )

    assert job["status"] == "succeeded"
    assert job["kind"] == "points-expiry"
    assert job["result"] == {"as_of": "2030-01-01T00:00:00Z", "points_expired": 200}
    assert client.get("/accounts/c-1", headers=ANALYST).json()["available_points"] == 0


def test_tier_thresholds_and_earning_rules_are_set_with_put(client: TestClient) -> None:
    tiers = {"silver_above": "100", "gold_above": "1000", "premium_above": "5000"}
    earning = {"points_per_unit": "2", "category_multipliers": {"general": "3"}}

    assert client.put("/tiers", json=tiers, headers=MARKETING).status_code == 200
    assert client.put("/programme/earning", json=earning, headers=MARKETING).status_code == 200
    bad = {"silver_above": "100", "gold_above": "10", "premium_above": "5000"}

    assert client.put("/tiers", json=bad, headers=MARKETING).status_code == 422
    assert client.get("/tiers", headers=ANALYST).json()["gold_above"] == "1000"
    assert client.get("/programme/earning", headers=ANALYST).json()["points_per_unit"] == "2"


def test_the_clock_of_the_expiry_run_can_be_given(client: TestClient) -> None:
    now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    job = finished(client, client.post(f"/accounts/expire?as_of={now}", headers=ADMIN), ADMIN)

    assert job["result"]["points_expired"] == 0


def test_an_expiry_run_answers_at_once_with_a_job_to_follow(client: TestClient) -> None:
    started = client.post("/accounts/expire", headers=ADMIN)

    assert started.status_code == 202
    assert started.headers["Location"] == f"/jobs/{started.json()['id']}"
    assert started.json()["status"] in ("queued", "running", "succeeded")
    assert finished(client, started, ADMIN)["status"] == "succeeded"


def test_an_expiry_run_with_a_time_without_zone_is_refused_and_expires_nothing(
    client: TestClient,
) -> None:
    refused = client.post("/accounts/expire?as_of=2030-01-01T00:00:00", headers=ADMIN)
    reader = client.post("/accounts/expire", headers=ANALYST)

    assert refused.status_code == 422
    assert refused.headers["content-type"] == "application/problem+json"
    assert reader.status_code == 403
    assert client.get("/accounts/c-1", headers=ANALYST).json()["available_points"] == 200
