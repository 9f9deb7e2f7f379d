"""From ERP orders on a real broker to points, a tier change and the ledger topic."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from contracts import Envelope, IntegrationEvent, decode
from contracts.erp.orders import OrderLine, OrderPaid, OrderPlaced, OrderReturned, ReturnedLine
from devstack.platform import Platform
from servicekit import kafka
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

SALES = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'sally', ['sales'])}"}
READER = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'ann', ['analyst'])}"}


def eventually(read: Callable[[], httpx.Response], accept: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + 90
    while True:
        response = read()
        if response.status_code == 200 and accept(response.json()):
            return response.json()
        if time.monotonic() > deadline:
            raise AssertionError(f"never reached: {response.status_code} {response.text[:500]}")
        time.sleep(0.2)


async def send(bootstrap: str, events: list[tuple[str, IntegrationEvent]]) -> None:
    producer = kafka.producer(bootstrap, "test-erp")
    await producer.start()
    try:
        for key, event in events:
            envelope = Envelope.wrap(event, source="/erp", subject=key)
            await producer.send_and_wait("erp.orders.v1", envelope.to_bytes(), key=key.encode())
    finally:
        await producer.stop()


async def published(bootstrap: str, topic: str, account_id: str, count: int) -> list[Any]:
    """The events about one account on a topic, read from the start."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await kafka.partitions_of(bootstrap, [topic])
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        found: list[Any] = []
        deadline = time.monotonic() + 60
        while len(found) < count and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    if record.key == account_id.encode():
                        found.append(decode(topic, record.value)[1])
        return found
    finally:
        await consumer.stop()


def test_erp_orders_earn_points_raise_the_tier_and_reach_the_ledger_topic(
    platform: Platform,
) -> None:
    http = httpx.Client(timeout=10)
    run = uuid4().hex[:8]
    response = http.post(
        f"{platform.services['acquisition'].url}/customers",
        json={"first_name": f"Loyal{run}", "last_name": "Shopper", "source": "store"},
        headers=SALES,
    )
    assert response.status_code == 201, response.text
    customer_id = str(response.json()["customer_id"])
    loyalty = platform.services["loyalty"].url
    order_id = f"loyalty-{run}"
    now = datetime.now(UTC)
    placed = OrderPlaced(
        order_id=order_id,
        customer_id=customer_id,
        placed_at=now,
        currency="EUR",
        channel="store",
        payment_method="store_card",
        total=Decimal(12_000),
        lines=[
            OrderLine(sku="TV-1", category="tv", quantity=2, unit_price=Decimal(5_000)),
            OrderLine(sku="SB-1", category="audio", quantity=1, unit_price=Decimal(2_000)),
        ],
    )
    bootstrap = platform.kafka_bootstrap_servers

    asyncio.run(send(bootstrap, [(order_id, placed)]))
    pending = eventually(
        lambda: http.get(f"{loyalty}/accounts/{customer_id}", headers=READER),
        lambda body: body["pending_points"] == 12_000,
    )
    assert pending["tier"] == "silver"  # above 10,000 of rolling purchases: upgraded at once

    paid = OrderPaid(order_id=order_id, paid_at=now)
    returned = OrderReturned(
        order_id=order_id, lines=[ReturnedLine(sku="TV-1", quantity=1)], returned_at=now
    )
    # the ERP sends the payment twice (a new message id): it still earns once
    asyncio.run(send(bootstrap, [(order_id, paid), (order_id, paid), (order_id, returned)]))
    account = eventually(
        lambda: http.get(f"{loyalty}/accounts/{customer_id}", headers=READER),
        lambda body: body["available_points"] == 7_000,
    )
    statement = http.get(f"{loyalty}/accounts/{customer_id}/statement", headers=READER).json()
    assert [m["points"] for m in statement["movements"]] == [-5_000, 12_000]

    account_id = str(account["account_id"])
    ledger = asyncio.run(published(bootstrap, "crm.loyalty.ledger.v1", account_id, 2))
    assert [(type(e).__name__, e.points, e.monetary_value) for e in ledger] == [
        ("PointsIssued", 12_000, Decimal("120.00")),
        ("PointsReversed", 5_000, Decimal("50.00")),
    ]
    accounts = asyncio.run(published(bootstrap, "crm.loyalty.accounts.v1", account_id, 2))
    changed = [e for e in accounts if type(e).__name__ == "TierChanged"]
    assert [(e.previous_tier, e.tier) for e in changed] == [("standard", "silver")]
