"""A campaign lead worked to a customer, on real Kafka: acquisition, loyalty and analytics."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from devstack.platform import Platform
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

pytestmark = [pytest.mark.e2e, pytest.mark.kafka]


def bearer(role: str, subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, subject, [role])}"}


REP = "rita@shop.example"
SALES = bearer("sales", REP)
MARKETING = bearer("marketing", "mo@shop.example")
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


def test_a_campaign_lead_scored_assigned_called_qualified_and_converted_is_a_known_customer(
    platform: Platform,
) -> None:
    http = httpx.Client(timeout=10)

    def post(path: str, body: Any, headers: dict[str, str], key: str) -> Any:
        response = http.post(
            url(platform, "acquisition", path),
            json=body,
            headers={**headers, "Idempotency-Key": key},
        )
        assert response.status_code in (200, 201), response.text
        return response.json()

    # given a campaign and a lead it brought
    campaign = post(
        "/campaigns",
        {
            "name": "Autumn telemarketing",
            "channel": "telemarketing",
            "starts_on": "2026-09-01",
            "budget": "5000.00",
            "currency": "EUR",
        },
        MARKETING,
        "journey-campaign",
    )
    campaign_id = campaign["campaign_id"]
    post(
        f"/campaigns/{campaign_id}/costs",
        {"amount": "900.00", "currency": "EUR", "incurred_on": "2026-09-02"},
        MARKETING,
        "journey-cost",
    )
    lead = post(
        "/leads",
        {
            "first_name": "Katherine",
            "last_name": "Johnson",
            "email": "katherine@nasa.example",
            "phone": "+1 757 555 0142",
            "company": "Langley",
            "source": "campaign",
            "campaign_id": campaign_id,
        },
        SALES,
        "journey-lead",
    )
    lead_id = lead["lead_id"]
    assert lead["score"] > 0
    assert {"points": 20, "reason": "source campaign"} in lead["score_reasons"]

    # when the lead is assigned, called, qualified and converted
    assigned = post(f"/leads/{lead_id}/assign", {"owner": REP}, SALES, "journey-assign")
    assert assigned["owner"] == REP
    call = post(
        "/activities",
        {
            "kind": "call",
            "subject": "Follow up on the campaign call list",
            "regarding": "lead",
            "regarding_id": lead_id,
            "outcome": "interested",
        },
        SALES,
        "journey-call",
    )
    assert call["done"] is True
    called = http.get(url(platform, "acquisition", f"/leads/{lead_id}"), headers=SALES).json()
    assert called["status"] == "contacted"
    assert called["score"] > lead["score"]
    post(f"/leads/{lead_id}/qualify", {"note": "budget confirmed"}, SALES, "journey-qualify")
    converted = post(f"/leads/{lead_id}/convert", {}, SALES, "journey-convert")
    customer_id = converted["customer_id"]

    # then loyalty enrolled the customer and analytics sees them whole
    account = eventually(
        lambda: http.get(url(platform, "loyalty", f"/accounts/{customer_id}"), headers=SALES),
        lambda body: True,
    )
    assert account["customer_id"] == customer_id
    view = eventually(
        lambda: http.get(
            url(platform, "analytics", f"/customers/{customer_id}/360?wait_ms=5000"),
            headers=ANALYST,
        ),
        lambda body: bool(body["profile"]) and bool(body["loyalty"]),
    )
    assert view["profile"]["email"] == "katherine@nasa.example"
    assert view["profile"]["lead_id"] == lead_id
    assert view["loyalty"]["account_id"] == account["account_id"]

    # and the campaign counts the customer it acquired, at what it cost
    results = eventually(
        lambda: http.get(
            url(platform, "acquisition", f"/campaigns/{campaign_id}/results?wait_ms=5000"),
            headers=MARKETING,
        ),
        lambda body: body["converted"] == 1 and body["actual_cost"] == "900.00",
    )
    assert (results["leads"], results["qualified"]) == (1, 1)
    assert results["cost_per_acquired_customer"] == "900.00"
