"""The rewards catalogue and redemptions over HTTP: reserve, fulfil, cancel."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from contracts.ledger import PointsRedeemed, PointsReturned
from loyalty.app import Loyalty
from loyalty.bootstrap import build_runtime, create_app
from loyalty.inbox import LoyaltyInbox
from loyalty.outbox import to_integration_event
from loyalty.settings import LoyaltySettings
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY


def bearer(*roles: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'bob', list(roles))}"}


SUPPORT = bearer("support")
MARKETING = bearer("marketing")
ANALYST = bearer("analyst")
THREADS = 8
MUG = {"name": "Mug", "description": "A mug", "points_cost": 60, "stock": 2}


@pytest.fixture
def runtime_app(tmp_path: Any, messages: Any) -> Iterator[tuple[TestClient, Loyalty]]:
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
    ):
        inbox.apply([delivery], Tracking(f"{delivery.topic}:0", delivery.offset))
    with TestClient(create_app(runtime)) as test_client:
        yield test_client, app


@pytest.fixture
def client(runtime_app: tuple[TestClient, Loyalty]) -> TestClient:
    return runtime_app[0]


def reward(client: TestClient, **changes: Any) -> str:
    response = client.post("/rewards", json={**MUG, **changes}, headers=MARKETING)
    assert response.status_code == 201, response.text
    return str(response.json()["reward_id"])


def redeem(client: TestClient, reward_id: str, quantity: int = 1, **headers: str) -> Any:
    return client.post(
        "/accounts/c-1/redemptions",
        json={"reward_id": reward_id, "quantity": quantity},
        headers={**SUPPORT, **headers},
    )


def balance(client: TestClient) -> int:
    return int(client.get("/accounts/c-1", headers=ANALYST).json()["available_points"])


def test_marketing_catalogues_rewards_and_anyone_reads_the_catalogue(client: TestClient) -> None:
    mug = reward(client)
    expired = reward(client, name="Old", valid_until="2020-01-01T00:00:00Z")

    listed = client.get("/rewards", headers=ANALYST).json()["rewards"]
    available = client.get("/rewards?available=true", headers=ANALYST).json()["rewards"]

    assert [r["reward_id"] for r in listed] == [mug, expired]
    assert [r["reward_id"] for r in available] == [mug]
    assert client.post("/rewards", json=MUG, headers=SUPPORT).status_code == 403
    bad = {**MUG, "points_cost": 0}
    assert client.post("/rewards", json=bad, headers=MARKETING).status_code == 422


def test_a_retried_catalogue_request_creates_one_reward(client: TestClient) -> None:
    headers = {**MARKETING, "Idempotency-Key": "mug-1"}
    first = client.post("/rewards", json=MUG, headers=headers).json()
    again = client.post("/rewards", json=MUG, headers=headers).json()

    assert first["reward_id"] == again["reward_id"]
    assert len(client.get("/rewards", headers=ANALYST).json()["rewards"]) == 1


def test_a_redemption_reserves_points_and_stock_and_fulfilment_hands_the_stock_over(
    client: TestClient,
) -> None:
    mug = reward(client)

    redemption = redeem(client, mug).json()
    fulfilled = client.post(f"/redemptions/{redemption['redemption_id']}/fulfil", headers=SUPPORT)

    assert (redemption["status"], redemption["points"]) == ("reserved", 60)
    assert fulfilled.json()["status"] == "fulfilled"
    assert balance(client) == 140
    stock = client.get(f"/rewards/{mug}", headers=ANALYST).json()
    assert (stock["stock"], stock["reserved"], stock["handed_over"]) == (1, 0, 1)
    newest = client.get("/accounts/c-1/statement", headers=ANALYST).json()["movements"][0]
    assert (newest["kind"], newest["points"], newest["reason"]) == ("redeemed", -60, "Mug")


def test_a_cancelled_redemption_returns_the_points_and_releases_the_stock_once(
    client: TestClient,
) -> None:
    mug = reward(client)
    redemption_id = redeem(client, mug, 2).json()["redemption_id"]

    cancelled = client.post(
        f"/redemptions/{redemption_id}/cancel", json={"reason": "out of town"}, headers=SUPPORT
    )
    again = client.post(f"/redemptions/{redemption_id}/cancel", headers=SUPPORT)

    assert cancelled.json()["status"] == again.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "out of town"
    assert balance(client) == 200
    assert client.get(f"/rewards/{mug}", headers=ANALYST).json()["stock"] == 2
    fulfil = client.post(f"/redemptions/{redemption_id}/fulfil", headers=SUPPORT)
    assert fulfil.status_code == 409


def test_a_fulfilled_redemption_cannot_be_cancelled(client: TestClient) -> None:
    redemption_id = redeem(client, reward(client)).json()["redemption_id"]
    client.post(f"/redemptions/{redemption_id}/fulfil", headers=SUPPORT)

    response = client.post(f"/redemptions/{redemption_id}/cancel", headers=SUPPORT)

    assert response.status_code == 409
    assert balance(client) == 140


def test_redemptions_beyond_the_balance_the_stock_or_the_validity_are_refused_with_409(
    client: TestClient,
) -> None:
    dear = reward(client, points_cost=201)
    scarce = reward(client, stock=1)
    later = reward(client, valid_from="2999-01-01T00:00:00Z")

    assert redeem(client, dear).json()["title"] == "Not enough points"
    assert redeem(client, scarce, 2).json()["title"] == "Out of stock"
    assert redeem(client, later).status_code == 409
    assert redeem(client, "00000000-0000-0000-0000-000000000000").status_code == 404
    assert balance(client) == 200


def test_a_retried_redemption_with_the_same_idempotency_key_spends_once(client: TestClient) -> None:
    mug = reward(client)

    first = redeem(client, mug, **{"Idempotency-Key": "r-1"})
    again = redeem(client, mug, **{"Idempotency-Key": "r-1"})
    other = redeem(client, mug, 2, **{"Idempotency-Key": "r-1"})

    assert first.json()["redemption_id"] == again.json()["redemption_id"]
    assert other.status_code == 422
    assert balance(client) == 140


def test_redeemed_and_returned_points_are_published_on_the_ledger_topic(
    runtime_app: tuple[TestClient, Loyalty],
) -> None:
    client, app = runtime_app
    redemption_id = redeem(client, reward(client)).json()["redemption_id"]
    client.post(f"/redemptions/{redemption_id}/cancel", headers=SUPPORT)

    published = [
        to_integration_event(app.mapper.to_domain_event(stored))
        for stored in app.recorder.select_events(app.account_of("c-1").id)
    ]
    redeemed = [p for p in published if isinstance(p, PointsRedeemed)]
    returned = [p for p in published if isinstance(p, PointsReturned)]

    assert [(p.points, p.balance_after, p.redemption_id) for p in redeemed] == [
        (60, 140, redemption_id)
    ]
    assert [(p.points, p.balance_after, p.monetary_value) for p in returned] == [
        (60, 200, redeemed[0].monetary_value)
    ]


def test_the_rewards_are_listed_in_the_order_catalogued_a_page_at_a_time(
    client: TestClient,
) -> None:
    names = [f"Mug {n}" for n in range(5)]
    for name in names:
        reward(client, name=name)

    first = client.get("/rewards?limit=2", headers=ANALYST).json()
    second = client.get(f"/rewards?limit=2&cursor={first['next_cursor']}", headers=ANALYST).json()
    last = client.get(f"/rewards?limit=2&cursor={second['next_cursor']}", headers=ANALYST).json()

    pages = [first, second, last]
    assert [[r["name"] for r in page["rewards"]] for page in pages] == [
        names[0:2],
        names[2:4],
        names[4:],
    ]
    assert last["next_cursor"] is None


def test_rewards_catalogued_at_once_are_each_listed_once(
    runtime_app: tuple[TestClient, Loyalty],
) -> None:
    client, app = runtime_app
    start = Barrier(THREADS)

    def catalogue(n: int) -> None:
        start.wait()
        app.catalogue_reward(uuid4(), f"Mug {n}", "", 10, 1, None, None)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(catalogue, range(THREADS)))

    listed = client.get("/rewards", headers=ANALYST).json()["rewards"]
    assert sorted(r["name"] for r in listed) == [f"Mug {n}" for n in range(THREADS)]
