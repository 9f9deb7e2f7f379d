"""What the 360 shows of a customer's consents and satisfaction, and what it keeps when the
customer is erased or found to be the same person as another."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from contracts.cases import CaseOpened, SatisfactionRecorded
from contracts.customers import (
    Consent,
    ConsentsChanged,
    CustomerErased,
    CustomerMerged,
    CustomerRegistered,
)
from contracts.erp.orders import OrderLine, OrderPlaced
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

ANALYST = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'ann', ['analyst'])}"}
Feeding = Callable[..., None]
DAY1 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
DAY2 = DAY1 + timedelta(days=1)


def registered(customer_id: str, erp_number: str | None = None) -> CustomerRegistered:
    return CustomerRegistered(
        customer_id=customer_id,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        source="web_form",
        erp_customer_number=erp_number,
        registered_at=DAY1,
    )


def order(order_id: str, customer_id: str | None = None, erp: str | None = None) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        customer_id=customer_id,
        erp_customer_number=erp,
        placed_at=DAY1,
        currency="EUR",
        channel="store",
        payment_method="store_card",
        lines=[OrderLine(sku="s", category="garden", quantity=1, unit_price=Decimal("40.00"))],
        total=Decimal("40.00"),
    )


def the_360(client: TestClient, customer_id: str) -> dict:  # type: ignore[type-arg]
    answer = client.get(f"/customers/{customer_id}/360", headers=ANALYST)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def test_the_360_shows_the_consents_and_the_satisfaction_of_the_cases(
    client: TestClient, feed: Feeding
) -> None:
    feed(DAY1, registered("c-1"))
    feed(
        DAY2,
        ConsentsChanged(
            customer_id="c-1",
            consents=[
                Consent(
                    channel="email",
                    purpose="marketing",
                    granted=True,
                    source="web_form",
                    given_at=DAY2,
                )
            ],
            changed_at=DAY2,
        ),
        CaseOpened(
            case_id="k-1",
            customer_id="c-1",
            channel="email",
            case_type="complaint",
            priority="normal",
            subject="Late delivery",
            opened_at=DAY2,
        ),
        SatisfactionRecorded(
            case_id="k-1",
            customer_id="c-1",
            case_type="complaint",
            score=2,
            save_offer_requested=True,
            recorded_at=DAY2,
        ),
    )

    seen = the_360(client, "c-1")

    assert [(c["channel"], c["purpose"], c["granted"]) for c in seen["consents"]] == [
        ("email", "marketing", True)
    ]
    assert seen["cases"]["items"][0]["satisfaction"] == 2
    assert seen["cases"]["satisfaction"] == {"rated": 1, "average": 2.0}


def test_an_erased_customer_keeps_business_but_no_personal_data_even_in_the_past(
    client: TestClient, feed: Feeding
) -> None:
    feed(DAY1, registered("c-1"), order("o-1", "c-1"))
    feed(DAY2, CustomerErased(customer_id="c-1", erased_at=DAY2))

    now = the_360(client, "c-1")
    then = client.get(
        "/customers/c-1/360", params={"as_of": DAY1.isoformat()}, headers=ANALYST
    ).json()
    timeline = client.get("/customers/c-1/timeline", headers=ANALYST).json()

    assert now["erased_at"] is not None
    assert now["profile"]["first_name"] is None
    assert now["profile"]["email"] is None
    assert now["purchases"]["orders"] == 1
    assert then["profile"] is None  # time travel does not bring the person back
    assert {item["type"] for item in timeline["items"]} == {"OrderPlaced", "CustomerErased"}
    assert "ada@example.com" not in str(timeline) + str(then)


def test_a_merged_customers_history_moves_to_the_survivor_and_its_pages_redirect(
    client: TestClient, feed: Feeding
) -> None:
    feed(DAY1, registered("c-old", erp_number="ERP-1"), order("o-1", "c-old"))
    feed(DAY1, registered("c-new"), order("o-2", "c-new"))
    feed(DAY2, CustomerMerged(customer_id="c-new", merged_customer_id="c-old", merged_at=DAY2))
    feed(DAY2, order("o-3", erp="ERP-1"), order("o-4", "c-old"))  # the ERP still says c-old

    moved = client.get(
        "/customers/c-old/360", params={"wait_ms": 0}, headers=ANALYST, follow_redirects=False
    )
    survivor = the_360(client, "c-new")

    assert moved.status_code == 301
    assert moved.headers["location"] == "/customers/c-new/360?wait_ms=0"
    assert survivor["purchases"]["orders"] == 4
    timeline = client.get("/customers/c-new/timeline", headers=ANALYST).json()
    assert {"o-1", "o-2", "o-3", "o-4"} <= {
        item["data"].get("order_id") for item in timeline["items"]
    }
