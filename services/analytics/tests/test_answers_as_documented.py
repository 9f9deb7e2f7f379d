"""Analytics' answers match its OpenAPI document, times with their offset, on SQLite.

The 360 gathers what every service said: fed here with a profile, consents, a
loyalty account, orders, an overdue invoice, a case and a deal, its answer is
checked against the documented response model by schemathesis.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import quote

import pytest
import schemathesis
from fastapi.testclient import TestClient

from contracts.cases import CaseOpened
from contracts.customers import Consent, ConsentsChanged, CustomerRegistered
from contracts.erp.orders import OrderLine, OrderPaid, OrderPlaced
from contracts.erp.payments import PaymentOverdue
from contracts.loyalty import LoyaltyAccountOpened
from contracts.opportunities import OpportunityOpened
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

from .conftest import Feeding

ANALYST = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'ann', ['analyst'])}"}
NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
RFC3339 = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"


def a_known_customer(feed: Feeding) -> None:
    feed(
        NOW,
        CustomerRegistered(
            customer_id="c-1",
            first_name="Ada",
            last_name="Lovelace",
            email="ada@example.com",
            source="web_form",
            erp_customer_number="ERP-1",
            registered_at=NOW,
        ),
        ConsentsChanged(
            customer_id="c-1",
            consents=[
                Consent(
                    channel="email",
                    purpose="marketing",
                    granted=True,
                    source="web_form",
                    given_at=NOW,
                )
            ],
            changed_at=NOW,
        ),
        LoyaltyAccountOpened(
            account_id="a-1", customer_id="c-1", tier="standard", points_balance=0, opened_at=NOW
        ),
        OrderPlaced(
            order_id="o-1",
            customer_id="c-1",
            placed_at=NOW,
            currency="EUR",
            channel="store",
            payment_method="credit_card",
            lines=[OrderLine(sku="s-1", category="garden", quantity=2, unit_price=Decimal("10"))],
            total=Decimal("20"),
        ),
        OrderPaid(order_id="o-1", paid_at=NOW),
        PaymentOverdue(
            erp_customer_number="ERP-1",
            invoice_id="i-1",
            amount=Decimal("99.90"),
            currency="EUR",
            days_overdue=45,
        ),
        CaseOpened(
            case_id="k-1",
            customer_id="c-1",
            channel="phone",
            case_type="complaint",
            priority="high",
            subject="Broken kettle",
            opened_at=NOW,
        ),
        OpportunityOpened(
            opportunity_id="d-1",
            customer_id="c-1",
            title="Greenhouse",
            pipeline="sales",
            stage="proposal",
            probability=50,
            amount=Decimal("1200"),
            currency="EUR",
            owner="al",
            opened_at=NOW,
        ),
    )


def times_in(document: object) -> list[str]:
    """Every value of a member named like a time (``*_at``), however deep."""
    found: list[str] = []
    if isinstance(document, dict):
        for name, value in document.items():
            if name.endswith("_at") and isinstance(value, str):
                found.append(value)
            found += times_in(value)
    elif isinstance(document, list):
        for item in document:
            found += times_in(item)
    return found


@pytest.mark.parametrize("as_of", [None, "2026-11-03T00:00:00+01:00"])
def test_the_360_answers_its_documented_model_with_offsets(
    client: TestClient, feed: Feeding, as_of: str | None
) -> None:
    a_known_customer(feed)
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())

    response = client.get(
        "/customers/c-1/360", params={"as_of": as_of} if as_of else {}, headers=ANALYST
    )

    assert response.status_code == 200
    schema["/customers/{customer_id}/360"]["GET"].validate_response(response)
    answer = response.json()
    assert answer["profile"]["first_name"] == "Ada"
    assert answer["open_opportunities"][0]["amount"] == "1200.00"
    assert answer["cases"]["items"][0]["subject"] == "Broken kettle"
    assert ("as_of" in answer, "assessment" in answer) == (
        (True, False) if as_of else (False, True)
    )
    times = times_in(answer)
    assert len(times) >= 6
    for time in times:
        assert datetime.fromisoformat(time).utcoffset() is not None, time
    assert all(re.match(RFC3339, time) for time in times), times


def test_the_timeline_answers_its_documented_model_with_offsets(
    client: TestClient, feed: Feeding
) -> None:
    a_known_customer(feed)
    schema = schemathesis.openapi.from_dict(client.get("/openapi.json").json())

    response = client.get("/customers/c-1/timeline", headers=ANALYST)

    schema["/customers/{customer_id}/timeline"]["GET"].validate_response(response)
    items = response.json()["items"]
    assert items
    assert all(datetime.fromisoformat(item["time"]).utcoffset() is not None for item in items)


def test_a_segment_named_in_any_script_downloads_under_a_valid_header(
    client: TestClient,
) -> None:
    segment = quote("grüne Kunden \u0416\U0001f331\r\nX: y", safe="")  # Cyrillic, an emoji

    response = client.get(f"/segments/{segment}/members?format=csv", headers=ANALYST)

    assert response.status_code == 200
    disposition = response.headers["content-disposition"]
    assert disposition.startswith("attachment; filename*=UTF-8''gr%C3%BCne%20")
    assert "\r" not in disposition
    assert "\n" not in disposition


@pytest.mark.parametrize(
    "query",
    [
        "after=" + "9" * 30,  # a cursor past any entry SQLite can number
        "as_of=0001-01-01T00:00:00%2B01:00",  # before year 1 in UTC
        "as_of=2026-11-02T10:00:00",  # no offset
    ],
)
def test_a_timeline_asked_past_its_bounds_is_refused(client: TestClient, query: str) -> None:
    response = client.get(f"/customers/c-1/timeline?{query}", headers=ANALYST)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
