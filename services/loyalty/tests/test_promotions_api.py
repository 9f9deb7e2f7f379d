"""Promotions over HTTP: only running promotions a cart is eligible for give it effects."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from loyalty.bootstrap import build_runtime, create_app
from loyalty.settings import LoyaltySettings
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

MARKETING = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'm', ['marketing'])}"}
STORE_CARD = {
    "name": "Store card bonus",
    "kind": "payment_method",
    "terms": {"payment_method": "store_card", "discount_percent": "10", "bonus_points": 50},
    "channels": ["web"],
}
CART = {
    "channel": "web",
    "payment_method": "store_card",
    "lines": [{"sku": "A", "quantity": 2, "unit_price": "50"}],
}


@pytest.fixture
def client(tmp_path: Any) -> Iterator[TestClient]:
    settings = LoyaltySettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
    )
    with TestClient(create_app(build_runtime(settings))) as test_client:
        yield test_client


def draft(client: TestClient, body: dict[str, Any]) -> str:
    response = client.post("/promotions", json=body, headers=MARKETING)
    assert response.status_code == 201, response.text
    return str(response.json()["promotion_id"])


def evaluate(client: TestClient, **changes: Any) -> Any:
    response = client.post("/promotions/evaluate", json={**CART, **changes}, headers=MARKETING)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_draft_promotion_gives_nothing_until_activated_and_nothing_once_paused(
    client: TestClient,
) -> None:
    promotion = draft(client, STORE_CARD)
    drafted = evaluate(client)
    client.post(f"/promotions/{promotion}/activate", headers=MARKETING)
    running = evaluate(client)
    paused = client.post(f"/promotions/{promotion}/pause", headers=MARKETING)

    assert drafted["effects"] == []
    assert (running["total_discount"], running["bonus_points"]) == ("10.00", 50)
    assert paused.json()["status"] == "paused"
    assert evaluate(client)["effects"] == []


def test_a_payment_method_promotion_needs_the_payment_method_and_an_eligible_channel(
    client: TestClient,
) -> None:
    client.post(f"/promotions/{draft(client, STORE_CARD)}/activate", headers=MARKETING)

    assert evaluate(client, payment_method="cash")["effects"] == []
    assert evaluate(client, channel="store")["effects"] == []


def test_a_gift_with_purchase_gives_one_gift_per_set_bought(client: TestClient) -> None:
    gift = {
        "name": "Buy 2 A get a B",
        "kind": "gift_with_purchase",
        "terms": {"buy_sku": "A", "buy_quantity": 2, "gift_sku": "B"},
        "tiers": ["gold"],
    }
    client.post(f"/promotions/{draft(client, gift)}/activate", headers=MARKETING)
    five = [{"sku": "A", "quantity": 5, "unit_price": "10"}]

    effects = evaluate(client, lines=five, tier="gold")["effects"]

    assert [(e["gift_sku"], e["gift_quantity"]) for e in effects] == [("B", 2)]
    assert evaluate(client, lines=five, tier="silver")["effects"] == []


def test_a_multiplier_runs_only_within_its_period(client: TestClient) -> None:
    double = {
        "name": "Double points weekend",
        "kind": "points_multiplier",
        "terms": {"multiplier": "2"},
        "starts_at": "2026-06-06T00:00:00Z",
        "ends_at": "2026-06-08T00:00:00Z",
    }
    client.post(f"/promotions/{draft(client, double)}/activate", headers=MARKETING)

    inside = evaluate(client, at="2026-06-07T12:00:00Z")["effects"]
    after = evaluate(client, at="2026-06-08T00:00:00Z")["effects"]

    assert [e["points_multiplier"] for e in inside] == ["2"]
    assert after == []


def test_an_incomplete_promotion_is_invalid_and_pausing_a_draft_is_a_conflict(
    client: TestClient,
) -> None:
    incomplete = {"name": "Card", "kind": "payment_method"}
    promotion = draft(client, STORE_CARD)

    assert client.post("/promotions", json=incomplete, headers=MARKETING).status_code == 422
    assert client.post(f"/promotions/{promotion}/pause", headers=MARKETING).status_code == 409
