"""The ERP's topics reach the CRM: a simulated ERP on a real broker, the services as processes."""

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

from contracts import Envelope
from contracts.erp.orders import OrderLine, OrderPlaced
from devstack.platform import Platform
from erpsim import (
    Params,
    Plan,
    PlannedOrder,
    ReferenceShares,
    erp_customers,
    plan,
    publish,
    read_crm_customers,
)
from servicekit import kafka
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

SALES = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'sally', ['sales'])}"}
READER = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'ann', ['analyst'])}"}
SUPPORT = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'sam', ['support'])}"}


def eventually(read: Callable[[], httpx.Response], accept: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + 90
    while True:
        response = read()
        if response.status_code == 200 and accept(response.json()):
            return response.json()
        if time.monotonic() > deadline:
            raise AssertionError(f"never reached: {response.status_code} {response.text[:500]}")
        time.sleep(0.2)


def register(http: httpx.Client, platform: Platform, first_name: str, **extra: str) -> str:
    response = http.post(
        f"{platform.services['acquisition'].url}/customers",
        json={"first_name": first_name, "last_name": "Shopper", "source": "store", **extra},
        headers=SALES,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["customer_id"])


def kept(orders: list[PlannedOrder]) -> int:
    return sum(1 for order in orders if order.cancelled_at is None)


def shipment_status(order: PlannedOrder) -> str | None:
    if order.delivered_at:
        return "delivered"
    if order.delayed:
        return "delayed"
    return "dispatched" if order.dispatched_at else None


async def simulated_erp(bootstrap: str, customer_ids: set[str], seed: int) -> Plan:
    """The ERP learns our customers from crm.customers.v1, then trades with them."""
    deadline = time.monotonic() + 60
    while True:
        known = [c for c in await read_crm_customers(bootstrap) if c.customer_id in customer_ids]
        if len(known) == len(customer_ids) or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.5)
    assert len(known) == len(customer_ids)
    the_plan = plan(
        seed,
        erp_customers(known),
        orders=40,
        params=Params(
            unknown_customer_share=0.1,
            unknown_customers=1,
            references=ReferenceShares(customer_id=1, erp_number=0, both=0),
        ),
    )
    await publish(the_plan.messages, bootstrap)
    return the_plan


def test_simulated_erp_orders_reach_analytics_and_support_and_wait_for_unknown_customers(
    platform: Platform,
) -> None:
    http = httpx.Client(timeout=10)
    run = uuid4().hex[:6]
    ours = {register(http, platform, f"Erp{run}{i}") for i in range(4)}

    # every run trades under its own seed: the broker outlives runs, and a platform
    # replays the topics from the start, so order ids and ERP numbers must not repeat
    seed = int(run, 16)
    the_plan = asyncio.run(simulated_erp(platform.kafka_bootstrap_servers, ours, seed))

    analytics = platform.services["analytics"].url
    for customer_id in ours:
        expected = kept([o for o in the_plan.orders if o.customer.customer_id == customer_id])
        eventually(
            lambda c=customer_id: http.get(f"{analytics}/customers/{c}/360", headers=READER),
            lambda body, n=expected: body["purchases"]["orders"] == n,
        )
    shipped = next(o for o in the_plan.orders if shipment_status(o) and o.customer.customer_id)
    order = eventually(
        lambda: http.get(
            f"{platform.services['support'].url}/orders/{shipped.order_id}", headers=SUPPORT
        ),
        lambda body: body["shipment_status"] == shipment_status(shipped),
    )
    assert order["customer_id"] == shipped.customer.customer_id

    # an order of a customer the CRM does not know waits, then applies when they register
    number = the_plan.unknown_customer_numbers[0]
    waiting = eventually(
        lambda: http.get(f"{analytics}/erp/unresolved-orders", headers=READER),
        lambda body: any(p["erp_customer_number"] == number for p in body),
    )
    assert {p["event_type"] for p in waiting if p["erp_customer_number"] == number} >= {
        "OrderPlaced"
    }
    newcomer = register(http, platform, f"Walkin{run}", erp_customer_number=number)
    expected = kept(the_plan.orders_of(number))
    eventually(
        lambda: http.get(f"{analytics}/customers/{newcomer}/360", headers=READER),
        lambda body: body["purchases"]["orders"] == expected,
    )
    assert not any(
        p["erp_customer_number"] == number
        for p in http.get(f"{analytics}/erp/unresolved-orders", headers=READER).json()
    )


def test_a_malformed_erp_message_is_dead_lettered_and_the_next_one_is_applied(
    platform: Platform,
) -> None:
    http = httpx.Client(timeout=10)
    customer_id = register(http, platform, f"Dlq{uuid4().hex[:6]}")
    key = f"order-{uuid4().hex[:8]}"
    good = OrderPlaced(
        order_id=key,
        customer_id=customer_id,
        placed_at=datetime.now(UTC),
        currency="EUR",
        channel="store",
        payment_method="cash",
        total=Decimal("5.00"),
        lines=[OrderLine(sku="s", category="toys", quantity=1, unit_price=Decimal("5.00"))],
    )
    bootstrap = platform.kafka_bootstrap_servers

    async def send_both() -> list[dict[str, str]]:
        partitions = await kafka.partitions_of(bootstrap, ["erp.orders.v1.dlq"])
        probe = AIOKafkaConsumer(bootstrap_servers=bootstrap)
        await probe.start()
        try:
            ends = await probe.end_offsets(partitions)
            producer = kafka.producer(bootstrap, "test-erp")
            await producer.start()
            try:
                await producer.send_and_wait(
                    "erp.orders.v1", b'{"specversion": "1.0", "type": ', key=key.encode()
                )
                envelope = Envelope.wrap(good, source="/erp", subject=key)
                await producer.send_and_wait("erp.orders.v1", envelope.to_bytes(), key=key.encode())
            finally:
                await producer.stop()
            probe.assign(partitions)
            for tp, offset in ends.items():
                probe.seek(tp, offset)
            headers: list[dict[str, str]] = []
            deadline = time.monotonic() + 60
            while len(headers) < 4 and time.monotonic() < deadline:
                for records in (await probe.getmany(timeout_ms=500)).values():
                    headers.extend(
                        {k: v.decode() for k, v in r.headers}
                        for r in records
                        if r.key == key.encode()
                    )
            return headers
        finally:
            await probe.stop()

    dead = asyncio.run(send_both())

    groups = platform.extra_env.get("CRM_CONSUMER_GROUP_PREFIX", "crm")
    assert {h["dlq.consumer"] for h in dead} == {
        f"{groups}-acquisition-inbox",
        f"{groups}-loyalty-inbox",
        f"{groups}-support-views",
        f"{groups}-analytics-views",
    }
    assert all(h["dlq.reason"].startswith("contract violation: invalid envelope") for h in dead)
    view = eventually(
        lambda: http.get(
            f"{platform.services['analytics'].url}/customers/{customer_id}/360", headers=READER
        ),
        lambda body: body["purchases"]["orders"] == 1,
    )
    assert view["purchases"]["total_spent"] == "5.00"
