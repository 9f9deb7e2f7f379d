"""Assessing customers from their orders: segments, CLV in the 360, CSV export, signals;
the fitted models of every run, and backdated runs kept as scenarios."""

from __future__ import annotations

import csv
import io
import random
import time
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
NOW = datetime.now(UTC)
START = NOW - timedelta(weeks=38)  # a current run assesses as of now


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


def run(client: TestClient, as_of: datetime | None = None) -> dict:
    """Start an assessment and wait for its job; returns the job's result."""
    params = {} if as_of is None else {"as_of": as_of.isoformat()}
    started = client.post("/assessments/run", params=params, headers=ADMIN)
    assert started.status_code == 202, started.text
    deadline = time.monotonic() + 60
    while (job := client.get(started.headers["Location"], headers=ADMIN).json())["status"] in (
        "queued",
        "running",
    ):
        assert time.monotonic() < deadline, "the assessment never finished"
        time.sleep(0.02)
    assert job["status"] == "succeeded", job
    result: dict = job["result"]
    return result


def shop(feed: Feed) -> None:
    """A frequent buyer who went silent, a steady one, and a newcomer."""
    feed(registered("gone"), *orders("gone", [0, 1, 2, 3, 4, 5, 6, 7]))
    feed(registered("steady"), *orders("steady", [0, 6, 12, 18, 24, 30, 36], amount="80.00"))
    feed(registered("new"), *orders("new", [37]))


def test_the_360_shows_segment_clv_and_churn_risk_after_an_assessment(
    client: TestClient, runtime: Runtime
) -> None:
    shop(Feed(runtime))

    outcome = run(client)

    assert outcome["customers"] == 3
    assert outcome["scenario"] is False
    steady = client.get("/customers/steady/360", headers=ANALYST).json()["assessment"]
    gone = client.get("/customers/gone/360", headers=ANALYST).json()["assessment"]
    assert gone["segment"] == "At risk"  # bought most often, but long ago
    assert steady["lifetime_value"] > gone["lifetime_value"]
    assert gone["churn_risk"] > 0.9 > steady["churn_risk"]


def test_segments_count_customers_and_export_members_as_csv(
    client: TestClient, runtime: Runtime
) -> None:
    shop(Feed(runtime))
    run(client)

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

    run(client)
    again = run(client)
    feed(*orders("gone", [38]))
    run(client)

    raised = [s for s in signals(runtime) if isinstance(s, ChurnRiskRaised)]
    cleared = [s for s in signals(runtime) if isinstance(s, ChurnRiskCleared)]
    assert [s.customer_id for s in raised] == ["gone"]
    assert again["signals"] == 0
    assert [s.customer_id for s in cleared] == ["gone"]


def test_only_an_admin_runs_an_assessment(client: TestClient) -> None:
    response = client.post("/assessments/run", headers=ANALYST)

    assert response.status_code == 403


def buying_as_the_models_assume(feed: Feed, count: int = 60) -> int:
    """Customers who buy at their own Poisson rate, drop out after a purchase with
    their own probability and spend around their own mean, as BG/NBD and Gamma-Gamma
    assume: enough repeat buyers for the models to be fitted on the shop's own data.
    Returns how many bought again on another day."""
    rng = random.Random(1)
    repeat_buyers = 0
    for n in range(count):
        customer = f"c-{n:02d}"
        rate, drop, scale = (
            rng.gammavariate(0.8, 0.5),
            rng.betavariate(1, 3),
            rng.gammavariate(4, 1),
        )
        week, bought = rng.uniform(0, 4), []
        while week < 38:
            spend = Decimal(str(round(rng.gammavariate(6.0, 150 / scale), 2)))
            bought.append(
                placed(f"{customer}-{len(bought)}", customer, START + timedelta(weeks=week), spend)
            )
            if rng.random() < drop:
                break
            week += rng.expovariate(rate)
        feed(registered(customer), *bought)
        repeat_buyers += len({order.placed_at.date() for order in bought}) > 1
    return repeat_buyers


def placed(order_id: str, customer_id: str, at: datetime, amount: Decimal) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        customer_id=customer_id,
        placed_at=at,
        currency="EUR",
        channel="ecommerce",
        payment_method="credit_card",
        lines=[OrderLine(sku="sku-1", category="garden", quantity=1, unit_price=amount)],
        total=amount,
    )


def test_the_latest_assessment_shows_the_fitted_models_and_what_they_rest_on(
    client: TestClient, runtime: Runtime
) -> None:
    repeat_buyers = buying_as_the_models_assume(Feed(runtime))

    outcome = run(client)
    latest = client.get("/assessments/latest", headers=ANALYST)
    by_id = client.get(f"/assessments/{outcome['assessment_id']}", headers=ANALYST)

    assert latest.status_code == 200, latest.text
    assessment = latest.json()
    assert assessment == by_id.json()
    assert assessment["id"] == outcome["assessment_id"]
    assert assessment["scenario"] is False
    assert assessment["customers"] == 60
    purchases, spend = assessment["models"]["purchases"], assessment["models"]["spend"]
    assert purchases["fitted"] is True
    assert purchases["converged"] is True
    assert purchases["customers"] == 60
    assert set(purchases["parameters"]) == {"r", "alpha", "a", "b"}
    assert all(value > 0 for value in purchases["parameters"].values())
    assert purchases["log_likelihood"] < 0
    assert set(spend["parameters"]) == {"p", "q", "gamma"}
    assert spend["customers"] == repeat_buyers
    assert spend["converged"] is True
    assert sum(s["customers"] for s in assessment["segments"]) == 60
    assert assessment["started_at"] <= assessment["finished_at"]


def test_a_backdated_assessment_is_a_scenario_that_replaces_nothing_and_publishes_no_signals(
    client: TestClient, runtime: Runtime
) -> None:
    shop(Feed(runtime))
    current = run(client)
    published = signals(runtime)
    before = client.get("/customers/gone/360", headers=ANALYST).json()["assessment"]

    scenario = run(client, START + timedelta(weeks=8))
    latest = client.get("/assessments/latest", headers=ANALYST).json()
    kept = client.get(f"/assessments/{scenario['assessment_id']}", headers=ANALYST).json()
    then = client.get(
        f"/assessments/{scenario['assessment_id']}/customers/gone", headers=ANALYST
    ).json()
    after = client.get("/customers/gone/360", headers=ANALYST).json()["assessment"]

    assert (scenario["scenario"], scenario["signals"]) == (True, None)
    assert signals(runtime) == published
    assert latest["id"] == current["assessment_id"]
    assert after == before
    assert kept["scenario"] is True
    assert kept["customers"] == 2  # "new" had not bought yet by week 8
    assert kept["signals"] is None
    assert then["assessed_at"] == (START + timedelta(weeks=8)).isoformat().replace("+00:00", "Z")
    assert then["churn_risk"] < before["churn_risk"]  # back then they were still buying


def test_a_scenario_before_any_current_assessment_leaves_the_customers_unassessed(
    client: TestClient, runtime: Runtime
) -> None:
    shop(Feed(runtime))

    run(client, START + timedelta(weeks=20))
    latest = client.get("/assessments/latest", headers=ANALYST)
    seen = client.get("/customers/steady/360", headers=ANALYST).json()

    assert latest.status_code == 404
    assert latest.headers["content-type"] == "application/problem+json"
    assert seen["assessment"] is None
    assert client.get("/segments", headers=ANALYST).json() == []
    assert signals(runtime) == []


def test_an_assessment_in_the_future_or_without_a_zone_is_refused_and_starts_nothing(
    client: TestClient, runtime: Runtime
) -> None:
    shop(Feed(runtime))

    future = client.post(
        "/assessments/run",
        params={"as_of": (NOW + timedelta(days=2)).isoformat()},
        headers=ADMIN,
    )
    naive = client.post("/assessments/run", params={"as_of": "2026-03-01T10:00:00"}, headers=ADMIN)
    garbage = client.post("/assessments/run", params={"as_of": "yesterday"}, headers=ADMIN)

    for refused in (future, naive, garbage):
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    assert "future" in future.json()["detail"]
    assert client.get("/assessments/latest", headers=ANALYST).status_code == 404
    assert run(client)["scenario"] is False  # no job was left holding the kind


def test_an_unknown_assessment_is_a_404_problem(client: TestClient) -> None:
    unknown = client.get("/assessments/6f1c1a56-7c43-4b0a-9d59-2f6b0e3f9c11", headers=ANALYST)
    malformed = client.get("/assessments/not-an-id", headers=ANALYST)

    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    assert malformed.status_code == 422


def test_a_customer_is_read_in_the_latest_assessment_whose_results_replaced_the_earlier_ones(
    client: TestClient, runtime: Runtime
) -> None:
    shop(Feed(runtime))
    earlier = run(client)["assessment_id"]
    latest = run(client)["assessment_id"]

    now = client.get(f"/assessments/{latest}/customers/steady", headers=ANALYST)
    before = client.get(f"/assessments/{earlier}/customers/steady", headers=ANALYST)
    nobody = client.get(f"/assessments/{latest}/customers/nobody", headers=ANALYST)

    assert now.json() == client.get("/customers/steady/360", headers=ANALYST).json()["assessment"]
    assert before.status_code == 410
    assert before.headers["content-type"] == "application/problem+json"
    assert nobody.status_code == 404
