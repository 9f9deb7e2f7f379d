"""Simulated ERP orders become a 360, KPIs and a churn signal that loyalty answers with a
win-back offer: the analytical loop closed through real processes."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import uuid4

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from contracts import Envelope
from contracts.erp.orders import OrderLine, OrderPlaced
from devstack.platform import Platform
from servicekit import kafka
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]

SALES = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'sally', ['sales'])}"}
READER = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'ann', ['analyst'])}"}
ADMIN = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'root', ['admin'])}"}


def eventually(read: Callable[[], httpx.Response], accept: Callable[[Any], bool]) -> Any:
    deadline = time.monotonic() + 90
    while True:
        response = read()
        if response.status_code == 200 and accept(response.json()):
            return response.json()
        if time.monotonic() > deadline:
            raise AssertionError(f"never reached: {response.status_code} {response.text[:500]}")
        time.sleep(0.2)


async def place_weekly_orders(bootstrap: str, customer_id: str, first: datetime) -> None:
    producer = kafka.producer(bootstrap, "test-erp")
    await producer.start()
    try:
        for week in range(8):
            order_id = f"{customer_id}-{week}"
            placed = OrderPlaced(
                order_id=order_id,
                customer_id=customer_id,
                placed_at=first + timedelta(weeks=week),
                currency="EUR",
                channel="ecommerce",
                payment_method="credit_card",
                total=Decimal("45.00"),
                lines=[
                    OrderLine(sku="s", category="garden", quantity=1, unit_price=Decimal("45.00"))
                ],
            )
            envelope = Envelope.wrap(placed, source="/erp", subject=order_id)
            await producer.send_and_wait(
                "erp.orders.v1", envelope.to_bytes(), key=order_id.encode()
            )
    finally:
        await producer.stop()


async def signals_about(bootstrap: str, customer_id: str, wanted: str) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(
        "crm.analytics.signals.v1",
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=f"test-{uuid4().hex}",
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + 60
        while not found and time.monotonic() < deadline:
            for records in (await consumer.getmany(timeout_ms=500)).values():
                for record in records:
                    envelope = Envelope.model_validate_json(record.value or b"{}")
                    if envelope.type == wanted and envelope.data["customer_id"] == customer_id:
                        found.append(envelope.data)
    finally:
        await consumer.stop()
    return found


def test_a_customer_who_stopped_buying_gets_a_churn_signal_that_loyalty_turns_into_win_back(
    platform: Platform,
) -> None:
    analytics = platform.services["analytics"].url
    with httpx.Client(timeout=10) as http:
        registered = http.post(
            f"{platform.services['acquisition'].url}/customers",
            json={"first_name": "Gone", "last_name": "Quiet", "source": "store"},
            headers=SALES,
        )
        assert registered.status_code == 201, registered.text
        customer_id = str(registered.json()["customer_id"])
        first = datetime.now(UTC) - timedelta(weeks=48)
        window = {"from": first.isoformat(), "to": (first + timedelta(weeks=8)).isoformat()}
        before = http.get(f"{analytics}/kpis", params=window, headers=READER).json()
        asyncio.run(place_weekly_orders(platform.kafka_bootstrap_servers, customer_id, first))
        eventually(
            lambda: http.get(f"{analytics}/customers/{customer_id}/360", headers=READER),
            lambda view: view["purchases"]["orders"] == 8,
        )

        run = http.post(f"{analytics}/assessments/run", headers=ADMIN)
        assert run.status_code == 202, run.text
        job = eventually(
            lambda: http.get(f"{analytics}{run.headers['Location']}", headers=ADMIN),
            lambda found: found["status"] in ("succeeded", "failed"),
        )
        latest = http.get(f"{analytics}/assessments/latest", headers=READER).json()
        seen = http.get(f"{analytics}/customers/{customer_id}/360", headers=READER).json()
        after = http.get(f"{analytics}/kpis", params=window, headers=READER).json()
        offers = eventually(
            lambda: http.get(
                f"{platform.services['loyalty'].url}/customers/{customer_id}/offers",
                headers=READER,
            ),
            lambda found: any(offer["kind"] == "win_back" for offer in found),
        )

    assert job["status"] == "succeeded", job
    assert job["result"]["scenario"] is False
    assert latest["id"] == job["result"]["assessment_id"]
    assert latest["models"]["purchases"]["parameters"]["r"] > 0
    assessment = seen["assessment"]
    assert assessment["segment"]
    assert assessment["churn_risk"] > 0.9
    assert assessment["lifetime_value"] >= 0
    raised = asyncio.run(
        signals_about(platform.kafka_bootstrap_servers, customer_id, "ChurnRiskRaised")
    )
    assert len(raised) == 1
    assert raised[0]["churn_risk"] > 0.9
    # other tests of the session may have orders in the window (erpsim spreads them
    # over the past year): the customer's eight orders are what the figures gained
    gained = {
        name: Decimal(str(after["orders"][name])) - Decimal(str(before["orders"][name] or 0))
        for name in ("orders", "revenue", "buyers", "repeat_buyers")
    }
    assert gained == {
        "orders": 8,
        "revenue": Decimal("360.00"),
        "buyers": 1,
        "repeat_buyers": 1,
    }
    (win_back,) = [offer for offer in offers if offer["kind"] == "win_back"]
    assert win_back["status"] == "issued"
    assert win_back["bonus_points"] > 0
