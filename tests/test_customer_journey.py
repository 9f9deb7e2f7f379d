"""One customer's journey through the four services, as real processes on a real broker."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from devstack.platform import Platform
from servicekit import kafka
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]


def bearer(role: str, subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, subject, [role])}"}


SALES = bearer("sales", "sally@shop.example")
AGENT = bearer("support", "sam@shop.example")
ANALYST = bearer("analyst", "ann@shop.example")


def url(platform: Platform, service: str, path: str) -> str:
    return f"{platform.services[service].url}{path}"


def eventually(read: Callable[[], httpx.Response], accept: Callable[[Any], bool]) -> Any:
    """Read models are eventually consistent: poll until the expected state shows."""
    deadline = time.monotonic() + 60
    while True:
        response = read()
        if response.status_code == 200 and accept(response.json()):
            return response.json()
        if time.monotonic() > deadline:
            raise AssertionError(
                f"never reached: last answer {response.status_code} {response.text}"
            )
        time.sleep(0.1)


def test_a_converted_lead_is_enrolled_served_and_seen_whole(platform: Platform) -> None:
    http = httpx.Client(timeout=10)

    lead = http.post(
        url(platform, "acquisition", "/leads"),
        json={
            "first_name": "Grace",
            "last_name": "Hopper",
            "email": "grace@navy.example",
            "phone": "+1 202 555 0100",
            "source": "web_form",
        },
        headers=SALES,
    )
    assert lead.status_code == 201, lead.text
    converted = http.post(
        url(platform, "acquisition", f"/leads/{lead.json()['lead_id']}/convert"),
        headers={**SALES, "X-Correlation-ID": "journey-of-grace"},
    )
    assert converted.status_code == 201, converted.text
    customer_id = converted.json()["customer_id"]

    account = eventually(
        lambda: http.get(url(platform, "loyalty", f"/accounts/{customer_id}"), headers=AGENT),
        lambda body: True,
    )
    assert account["tier"] == "standard"
    assert account["points_balance"] == 0

    opened = http.post(
        url(platform, "support", "/cases"),
        json={
            "customer_id": customer_id,
            "channel": "phone",
            "case_type": "order_status",
            "subject": "Where is my order?",
        },
        headers=AGENT,
    )
    assert opened.status_code == 201, opened.text
    case = eventually(
        lambda: http.get(
            url(platform, "support", f"/cases/{opened.json()['case_id']}"), headers=AGENT
        ),
        lambda body: body["customer"] is not None,
    )
    assert case["customer"]["name"] == "Grace Hopper"

    view = eventually(
        lambda: http.get(
            url(platform, "analytics", f"/customers/{customer_id}/360"), headers=ANALYST
        ),
        lambda body: body["profile"] and body["loyalty"] and body["cases"]["open"] == 1,
    )
    assert view["profile"]["email"] == "grace@navy.example"
    assert view["profile"]["lead_id"] == lead.json()["lead_id"]
    assert view["loyalty"]["account_id"] == account["account_id"]
    assert view["cases"]["items"][0]["subject"] == "Where is my order?"

    registered = published(platform, "crm.customers.v1", customer_id)
    enrolled = published(platform, "crm.loyalty.accounts.v1", customer_id)
    assert registered["correlationid"] == enrolled["correlationid"] == "journey-of-grace"
    assert registered["actor"] == enrolled["actor"] == "sally@shop.example"
    assert enrolled["causationid"] == registered["id"]
    assert enrolled["subject"] == account["account_id"]


def published(platform: Platform, topic: str, customer_id: str) -> dict[str, Any]:
    """The envelope published on ``topic`` about the customer, read from the broker."""

    async def read() -> dict[str, Any]:
        partitions = await kafka.partitions_of(platform.kafka_bootstrap_servers, [topic])
        consumer = AIOKafkaConsumer(bootstrap_servers=platform.kafka_bootstrap_servers)
        await consumer.start()
        try:
            consumer.assign(partitions)
            await consumer.seek_to_beginning(*partitions)
            ends = await consumer.end_offsets(partitions)
            while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
                for records in (await consumer.getmany(timeout_ms=500)).values():
                    for record in records:
                        envelope = json.loads(record.value)
                        if envelope["data"].get("customer_id") == customer_id:
                            return dict(envelope)
        finally:
            await consumer.stop()
        raise AssertionError(f"nothing about {customer_id} on {topic}")

    return asyncio.run(read())


def test_every_service_reports_health_readiness_and_metrics(platform: Platform) -> None:
    for name, service in platform.services.items():
        assert httpx.get(f"{service.url}/healthz").status_code == 200, name
        ready = httpx.get(f"{service.url}/readyz")
        assert ready.status_code == 200, (name, ready.text)
        assert set(ready.json()["checks"]) == {"store", "kafka", "consumers"}
        metrics = httpx.get(f"{service.url}/metrics").text
        assert "http_requests_total" in metrics
        assert "relay_events_published_total" in metrics or name == "analytics"
        assert httpx.get(f"{service.url}/openapi.json").status_code == 200
