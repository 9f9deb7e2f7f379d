"""Shared aggregates under load: twenty people redeeming one reward at once over HTTP,
and two replicas charging the same promotions' budgets at once. A shared aggregate is
no reason for a client to see a conflict: each answer is a redemption or a business
refusal, and the stock, the balances and the budgets account for every one of them,
none lost, none doubled."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal
from threading import Barrier
from typing import Any
from uuid import UUID

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from contracts.erp.orders import OrderLine, OrderPlaced
from loyalty.app import Loyalty
from loyalty.bootstrap import build_runtime, create_app
from loyalty.domain.account import LoyaltyAccount
from loyalty.inbox import LoyaltyInbox
from loyalty.settings import LoyaltySettings
from servicekit.auth import issue_token
from servicekit.eventstore import store_environment
from servicekit.interleavings import consume, in_order, partitioned, published
from servicekit.settings import DEV_SIGNING_KEY

from .test_delivery_order_properties import BOUNDED, T0, exact, running

PEOPLE = 20
SUPPORT = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'ann', ['support'])}"}
MARKETING = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'max', ['marketing'])}"}


@pytest.fixture
def service(store_settings: Any, tmp_path: Any) -> Iterator[tuple[TestClient, Loyalty]]:
    store = store_settings("loyalty")
    settings = LoyaltySettings(
        var_dir=tmp_path / "service",
        event_store=store.event_store,
        postgres_dsn=store.postgres_dsn,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
    )
    runtime = build_runtime(settings)
    assert isinstance(runtime.app, Loyalty)
    for n in range(PEOPLE):
        runtime.app.save(LoyaltyAccount(customer_id=f"c-{n}"))
        runtime.app.adjust(f"c-{n}", 1000, "welcome gift", "test")
    with TestClient(create_app(runtime)) as client:
        yield client, runtime.app


def all_at_once(client: TestClient, reward_id: str) -> list[Response]:
    start = Barrier(PEOPLE)

    def redeem(n: int) -> Response:
        start.wait()
        return client.post(
            f"/accounts/c-{n}/redemptions",
            json={"reward_id": reward_id, "quantity": 1},
            headers=SUPPORT,
        )

    with ThreadPoolExecutor(PEOPLE) as pool:
        return list(pool.map(redeem, range(PEOPLE)))


def reward(client: TestClient, stock: int) -> str:
    made = client.post(
        "/rewards",
        json={"name": "Ticket", "description": "", "points_cost": 300, "stock": stock},
        headers=MARKETING,
    )
    assert made.status_code == 201, made.text
    return str(made.json()["reward_id"])


def test_twenty_concurrent_redemptions_of_one_reward_all_succeed(
    service: tuple[TestClient, Loyalty],
) -> None:
    client, app = service
    ticket = reward(client, stock=100)

    answers = all_at_once(client, ticket)

    assert [a.status_code for a in answers] == [201] * PEOPLE, [a.text for a in answers]
    assert client.get(f"/rewards/{ticket}", headers=SUPPORT).json()["stock"] == 100 - PEOPLE
    assert [app.account_of(f"c-{n}").points_balance for n in range(PEOPLE)] == [700] * PEOPLE
    assert len({a.json()["redemption_id"] for a in answers}) == PEOPLE


def test_redemptions_beyond_the_stock_are_refused_as_out_of_stock_and_nothing_else(
    service: tuple[TestClient, Loyalty],
) -> None:
    client, app = service
    ticket = reward(client, stock=15)

    answers = all_at_once(client, ticket)

    won = [n for n, a in enumerate(answers) if a.status_code == 201]
    refused = [a for a in answers if a.status_code != 201]
    assert len(won) == 15
    assert {(a.status_code, a.json()["title"]) for a in refused} == {(409, "Out of stock")}
    assert client.get(f"/rewards/{ticket}", headers=SUPPORT).json()["stock"] == 0
    balances = [app.account_of(f"c-{n}").points_balance for n in range(PEOPLE)]
    assert balances == [700 if n in won else 1000 for n in range(PEOPLE)]


def test_two_replicas_taking_partitions_at_once_keep_budgets_and_limits_exact(
    store_settings: Any,
) -> None:
    settings = store_settings("loyalty")
    first, second = Loyalty(store_environment(settings)), Loyalty(store_environment(settings))
    running(first, BOUNDED)
    customers = [f"c-{n}" for n in range(PEOPLE)]
    sent = [
        published(
            OrderPlaced(
                order_id=f"o-{n}",
                customer_id=customers[n % PEOPLE],
                placed_at=T0 + timedelta(minutes=n),
                currency="EUR",
                channel="store",
                payment_method="cash",
                lines=[OrderLine(sku="T", category="toys", quantity=1, unit_price=Decimal(15))],
                total=Decimal(15),
            ),
            source="/erp",
            key=f"o-{n}",
        )
        for n in range(3 * PEOPLE)
    ]
    logs = partitioned(sent, partitions=4)
    halves = [{tp: log for tp, log in logs.items() if tp.partition % 2 == side} for side in (0, 1)]

    with ThreadPoolExecutor(2) as pool:
        dead = pool.map(
            lambda replica, half: consume(LoyaltyInbox(replica), in_order(half)),
            (first, second),
            halves,
        )
        assert list(dead) == [0, 0]

    exact(first, customers)
    assert sum(len(first.account_of(c).orders) for c in customers) == 3 * PEOPLE
    small_budget = first.promotion_budget(UUID(int=1))
    assert small_budget.spent == Decimal("1.20")  # three orders' bonus, then no more
    first.close()
    second.close()
