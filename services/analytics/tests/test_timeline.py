"""The customer's timeline, and the 360 and timeline as they stood at an earlier moment."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from contracts.customers import CustomerRegistered
from contracts.erp.orders import OrderLine, OrderPaid, OrderPlaced
from contracts.loyalty import LoyaltyAccountOpened, TierChanged
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

ANALYST = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'ann', ['analyst'])}"}
Feeding = Callable[..., None]
DAY1 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def registered(customer_id: str, erp_number: str | None = None) -> CustomerRegistered:
    return CustomerRegistered(
        customer_id=customer_id,
        first_name="Ada",
        last_name="Lovelace",
        source="web_form",
        erp_customer_number=erp_number,
        registered_at=DAY1,
    )


def order(order_id: str, at: datetime, customer_id: str | None = None, erp: str | None = None):
    return OrderPlaced(
        order_id=order_id,
        customer_id=customer_id,
        erp_customer_number=erp,
        placed_at=at,
        currency="EUR",
        channel="store",
        payment_method="store_card",
        lines=[OrderLine(sku="s", category="garden", quantity=1, unit_price=Decimal("30.00"))],
        total=Decimal("30.00"),
    )


def account(customer_id: str) -> LoyaltyAccountOpened:
    return LoyaltyAccountOpened(
        account_id=f"a-{customer_id}",
        customer_id=customer_id,
        tier="standard",
        points_balance=0,
        opened_at=DAY1,
    )


def test_the_timeline_lists_every_event_about_the_customer_newest_first_in_pages(
    feed: Feeding, client: TestClient
) -> None:
    feed(DAY1, registered("c-1"), account("c-1"))
    feed(DAY1 + timedelta(days=1), order("o-1", DAY1 + timedelta(days=1), "c-1"))
    feed(DAY1 + timedelta(days=2), OrderPaid(order_id="o-1", paid_at=DAY1 + timedelta(days=2)))
    feed(DAY1 + timedelta(days=3), registered("c-other"))

    first = client.get("/customers/c-1/timeline?limit=3", headers=ANALYST).json()
    rest = client.get(f"/customers/c-1/timeline?limit=3&after={first['next']}", headers=ANALYST)

    types = [entry["type"] for entry in first["items"] + rest.json()["items"]]
    assert types == ["OrderPaid", "OrderPlaced", "LoyaltyAccountOpened", "CustomerRegistered"]
    assert first["items"][0]["data"]["order_id"] == "o-1"  # named only the order: attributed
    assert rest.json()["next"] is None


def test_an_order_waiting_for_its_customer_joins_the_timeline_when_the_customer_appears(
    feed: Feeding, client: TestClient
) -> None:
    feed(DAY1, order("o-9", DAY1, erp="ERP-9"))
    feed(DAY1 + timedelta(hours=1), registered("c-9", erp_number="ERP-9"))

    items = client.get("/customers/c-9/timeline", headers=ANALYST).json()["items"]

    assert [entry["type"] for entry in items] == ["CustomerRegistered", "OrderPlaced"]


def test_as_of_answers_the_360_and_timeline_as_they_stood_before_later_changes(
    feed: Feeding, client: TestClient
) -> None:
    feed(DAY1, registered("c-1", erp_number="ERP-1"), account("c-1"))
    feed(DAY1 + timedelta(days=1), order("o-1", DAY1 + timedelta(days=1), erp="ERP-1"))
    later = DAY1 + timedelta(days=10)
    feed(
        later,
        TierChanged(
            account_id="a-c-1",
            customer_id="c-1",
            tier="gold",
            previous_tier="standard",
            qualifying_purchases=Decimal("900"),
            changed_at=later,
        ),
        order("o-2", later, "c-1"),
    )
    before = (DAY1 + timedelta(days=5)).isoformat()

    now = client.get("/customers/c-1/360", headers=ANALYST).json()
    then = client.get("/customers/c-1/360", params={"as_of": before}, headers=ANALYST).json()
    then_timeline = client.get(
        "/customers/c-1/timeline", params={"as_of": before}, headers=ANALYST
    ).json()

    assert (now["loyalty"]["tier"], now["purchases"]["orders"]) == ("gold", 2)
    assert (then["loyalty"]["tier"], then["purchases"]["orders"]) == ("standard", 1)
    assert then["purchases"]["total_spent"] == "30.00"
    assert [e["type"] for e in then_timeline["items"]] == [
        "OrderPlaced",
        "LoyaltyAccountOpened",
        "CustomerRegistered",
    ]


def test_as_of_before_the_customer_existed_is_not_found_and_a_zoneless_time_is_refused(
    feed: Feeding, client: TestClient
) -> None:
    feed(DAY1, registered("c-1"))

    earlier = (DAY1 - timedelta(days=1)).isoformat()
    answer = client.get("/customers/c-1/360", params={"as_of": earlier}, headers=ANALYST)
    assert answer.status_code == 404
    zoneless = client.get("/customers/c-1/360?as_of=2026-03-01T10:00:00", headers=ANALYST)
    assert zoneless.status_code == 422
