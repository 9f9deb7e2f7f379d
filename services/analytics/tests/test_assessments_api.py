"""Assessing customers from their orders: segments, CLV in the 360, CSV export, signals."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from analytics.bootstrap import build_runtime, create_app
from analytics.outbox import to_integration_event
from analytics.settings import AnalyticsSettings
from analytics.views.customer360 import Customer360
from contracts import Envelope, IntegrationEvent, topic_of
from contracts.customers import CustomerRegistered
from contracts.erp.orders import OrderLine, OrderPlaced
from contracts.signals import ChurnRiskCleared, ChurnRiskRaised
from servicekit.auth import issue_token
from servicekit.consumer import Delivery
from servicekit.service import Runtime
from servicekit.settings import DEV_SIGNING_KEY

ANALYST = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'ann', ['analyst'])}"}
ADMIN = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'root', ['admin'])}"}
START = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)


@pytest.fixture
def runtime(tmp_path) -> Runtime:
    return build_runtime(
        AnalyticsSettings(
            var_dir=tmp_path,
            relay_enabled=False,
            consumers_enabled=False,
            kafka_bootstrap_servers="127.0.0.1:1",
            assessment_seconds=0,
        )
    )


@pytest.fixture
def client(runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime)) as test_client:
        yield test_client


class Feed:
    def __init__(self, runtime: Runtime) -> None:
        self.view = next(h for h in runtime.handlers if isinstance(h, Customer360))
        self.offsets: dict[str, int] = defaultdict(int)

    def __call__(self, *events: IntegrationEvent) -> None:
        for event in events:
            topic = topic_of(type(event)).name
            offset = self.offsets[topic]
            self.offsets[topic] += 1
            envelope = Envelope.wrap(event, source="/test", subject="s")
            self.view.apply(
                [Delivery(topic, 0, offset, "s", envelope, event)], Tracking(f"{topic}:0", offset)
            )


def orders(customer_id: str, weeks: list[int], amount: str = "40.00") -> list[OrderPlaced]:
    return [
        OrderPlaced(
            order_id=f"{customer_id}-o{week}",
            customer_id=customer_id,
            placed_at=START + timedelta(weeks=week),
            currency="EUR",
            channel="ecommerce",
            payment_method="credit_card",
            lines=[
                OrderLine(sku="sku-1", category="garden", quantity=1, unit_price=Decimal(amount))
            ],
            total=Decimal(amount),
        )
        for week in weeks
    ]


def registered(customer_id: str) -> CustomerRegistered:
    return CustomerRegistered(
        customer_id=customer_id,
        first_name="Ada",
        last_name="Lovelace",
        email=f"{customer_id}@example.com",
        source="web_form",
        registered_at=START,
    )


def signals(runtime: Runtime) -> list[IntegrationEvent]:
    published = []
    for notification in runtime.app.recorder.select_notifications(start=1, limit=10_000):
        event = to_integration_event(runtime.app.mapper.to_domain_event(notification))
        if event is not None:
            published.append(event)
    return published


def run(client: TestClient, as_of: datetime) -> dict:
    response = client.post("/assessments/run", params={"as_of": as_of.isoformat()}, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


def shop(feed: Feed) -> None:
    """A frequent buyer who went silent, a steady one, and a newcomer."""
    feed(registered("gone"), *orders("gone", [0, 1, 2, 3, 4, 5, 6, 7]))
    feed(registered("steady"), *orders("steady", [0, 6, 12, 18, 24, 30, 36], amount="80.00"))
    feed(registered("new"), *orders("new", [37]))


def test_the_360_shows_segment_clv_and_churn_risk_after_an_assessment(
    client: TestClient, runtime: Runtime
) -> None:
    shop(Feed(runtime))

    outcome = run(client, START + timedelta(weeks=38))

    assert outcome["customers"] == 3
    steady = client.get("/customers/steady/360", headers=ANALYST).json()["assessment"]
    gone = client.get("/customers/gone/360", headers=ANALYST).json()["assessment"]
    assert gone["segment"] == "At risk"  # bought most often, but long ago
    assert steady["lifetime_value"] > gone["lifetime_value"]
    assert gone["churn_risk"] > 0.9 > steady["churn_risk"]


def test_segments_count_customers_and_export_members_as_csv(
    client: TestClient, runtime: Runtime
) -> None:
    shop(Feed(runtime))
    run(client, START + timedelta(weeks=38))

    counted = client.get("/segments", headers=ANALYST).json()
    segment = client.get("/customers/new/360", headers=ANALYST).json()["assessment"]["segment"]
    as_json = client.get(f"/segments/{segment}/members", headers=ANALYST).json()
    as_csv = client.get(f"/segments/{segment}/members", headers={**ANALYST, "Accept": "text/csv"})

    assert sum(s["customers"] for s in counted) == 3
    assert "new" in [m["customer_id"] for m in as_json["items"]]
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["customer_id"] for r in rows] == [m["customer_id"] for m in as_json["items"]]


def test_a_silent_customer_raises_a_churn_signal_once_and_clears_it_on_buying_again(
    client: TestClient, runtime: Runtime
) -> None:
    feed = Feed(runtime)
    shop(feed)

    run(client, START + timedelta(weeks=38))
    again = run(client, START + timedelta(weeks=38))
    feed(*orders("gone", [39]))
    run(client, START + timedelta(weeks=39, days=1))

    raised = [s for s in signals(runtime) if isinstance(s, ChurnRiskRaised)]
    cleared = [s for s in signals(runtime) if isinstance(s, ChurnRiskCleared)]
    assert [s.customer_id for s in raised] == ["gone"]
    assert again["signals"] == 0
    assert [s.customer_id for s in cleared] == ["gone"]


def test_only_an_admin_runs_an_assessment(client: TestClient) -> None:
    response = client.post("/assessments/run", headers=ANALYST)

    assert response.status_code == 403
