"""A delayed shipment on the ERP's topic: a notice for the customer, a case for a Premium one."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from contracts import Envelope, IntegrationEvent
from contracts.erp.orders import OrderLine, OrderPaid, OrderPlaced
from contracts.erp.shipments import ShipmentDelayed, ShipmentDispatched
from devstack.platform import Platform
from servicekit import kafka
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

SALES = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'sally', ['sales'])}"}
AGENT = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'sam', ['support'])}"}
NOW = datetime.now(UTC)


def eventually(read: Callable[[], httpx.Response], accept: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + 90
    while True:
        response = read()
        if response.status_code == 200 and accept(response.json()):
            return response.json()
        if time.monotonic() > deadline:
            raise AssertionError(f"never reached: {response.status_code} {response.text[:400]}")
        time.sleep(0.3)


def order(order_id: str, customer_id: str, amount: str) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        customer_id=customer_id,
        placed_at=NOW,
        currency="EUR",
        channel="ecommerce",
        payment_method="transfer",
        total=Decimal(amount),
        lines=[OrderLine(sku="yacht", category="leisure", quantity=1, unit_price=Decimal(amount))],
    )


def send(bootstrap: str, messages: list[tuple[str, str, IntegrationEvent]]) -> None:
    async def produce() -> None:
        producer = kafka.producer(bootstrap, "test-erp")
        await producer.start()
        try:
            for topic, key, event in messages:
                envelope = Envelope.wrap(event, source="/erp", subject=key)
                await producer.send_and_wait(topic, envelope.to_bytes(), key=key.encode())
        finally:
            await producer.stop()

    asyncio.run(produce())


def notices_for(bootstrap: str, customer_ids: set[str]) -> list[dict[str, Any]]:
    async def read() -> list[dict[str, Any]]:
        partitions = await kafka.partitions_of(bootstrap, ["crm.notifications.v1"])
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap)
        await consumer.start()
        found: list[dict[str, Any]] = []
        try:
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        data = json.loads(record.value)["data"]
                        if data["customer_id"] in customer_ids:
                            found.append(data)
                delayed = {n["customer_id"] for n in found if n["template"] == "shipment_delayed"}
                if delayed == customer_ids:
                    break
        finally:
            await consumer.stop()
        return found

    return asyncio.run(read())


def test_a_delayed_shipment_notifies_and_opens_a_case_for_a_premium_customer(
    platform: Platform,
) -> None:
    http = httpx.Client(timeout=10)
    acquisition = platform.services["acquisition"].url
    support = platform.services["support"].url
    ids = []
    for name in ("Premium", "Standard"):
        created = http.post(
            f"{acquisition}/customers",
            json={"first_name": name, "last_name": "Shopper", "source": "store"},
            headers=SALES,
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["customer_id"])
    premium, standard = ids
    run = uuid4().hex[:6]
    big, small = f"big-{run}", f"small-{run}"
    bootstrap = platform.kafka_bootstrap_servers
    send(
        bootstrap,
        [
            ("erp.orders.v1", big, order(big, premium, "1500000.00")),
            ("erp.orders.v1", big, OrderPaid(order_id=big, paid_at=NOW)),
            ("erp.orders.v1", small, order(small, standard, "49.90")),
            ("erp.orders.v1", small, OrderPaid(order_id=small, paid_at=NOW)),
        ],
    )
    eventually(
        lambda: http.get(f"{support}/customers/{premium}", headers=AGENT),
        lambda body: body["tier"] == "premium",
    )

    new_eta = date.today() + timedelta(days=5)
    send(
        bootstrap,
        [
            message
            for order_id in (big, small)
            for message in (
                (
                    "erp.shipments.v1",
                    order_id,
                    ShipmentDispatched(
                        order_id=order_id,
                        shipment_id=f"s-{order_id}",
                        carrier="DHL",
                        dispatched_at=NOW,
                        eta=date.today() + timedelta(days=1),
                    ),
                ),
                (
                    "erp.shipments.v1",
                    order_id,
                    ShipmentDelayed(
                        order_id=order_id, new_eta=new_eta, reason="Storm closed the hub"
                    ),
                ),
            )
        ],
    )

    case = eventually(
        lambda: http.get(f"{support}/cases", params={"customer_id": premium}, headers=AGENT),
        lambda body: any(c["subject"].startswith(f"Order {big} delayed") for c in body["items"]),
    )["items"][0]
    assert case["priority"] == "high"
    assert case["case_type"] == "order_status"
    notices = notices_for(bootstrap, {premium, standard})
    delayed = {n["customer_id"]: n for n in notices if n["template"] == "shipment_delayed"}
    assert set(delayed) == {premium, standard}
    assert delayed[standard]["parameters"]["new_eta"] == new_eta.isoformat()
    standard_view = http.get(f"{support}/customers/{standard}", headers=AGENT).json()
    assert standard_view["cases"] == []
