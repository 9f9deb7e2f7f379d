"""A busy sales team: many leads at once, and years of them.

Every lead the rules assign takes a turn in its team's rotation (the round-robin),
so leads captured at the same moment all write the same aggregate: the service
settles that among its writers, and a client never sees a conflict it did not
cause. The rotation's history grows with every lead the team was given, and a
campaign's with every cost booked on it; both are snapshotted, so loading them
costs the same after the thousandth event as after the first.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from eventsourcing.application import project_aggregate
from fastapi.testclient import TestClient

from acquisition.app import (
    CAMPAIGN_SNAPSHOT_INTERVAL,
    ROTATION_SNAPSHOT_INTERVAL,
    Acquisition,
    CampaignPlan,
    Policy,
)
from acquisition.bootstrap import build_runtime, create_app
from acquisition.domain.assignment import AssignmentRules, Rotation
from acquisition.domain.campaign import Channel
from acquisition.domain.lead import LeadSource
from acquisition.settings import AcquisitionSettings
from servicekit.auth import issue_token
from servicekit.eventstore import store_environment
from servicekit.settings import DEV_SIGNING_KEY, ServiceSettings

SALES = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'sally', ['sales'])}"}
INSIDE_SALES = ["al", "bo", "cy", "di"]
WEB_LEAD = {"first_name": "Ada", "last_name": "Lovelace", "source": "web_form"}


@pytest.fixture
def acquisition(
    store_settings: Callable[[str], ServiceSettings],
) -> Iterator[tuple[TestClient, Acquisition]]:
    """Acquisition's HTTP app on a fresh store (SQLite or PostgreSQL), with its application;
    every lead goes to the inside sales team."""
    store = store_settings("acquisition")
    settings = AcquisitionSettings(
        var_dir=store.var_dir,
        event_store=store.event_store,
        postgres_dsn=store.postgres_dsn,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
        teams={"inside": INSIDE_SALES},
        default_team="inside",
    )
    runtime = build_runtime(settings)
    assert isinstance(runtime.app, Acquisition)
    with TestClient(create_app(runtime)) as client:
        yield client, runtime.app


def at_once(count: int, request: Callable[[int], httpx.Response]) -> list[httpx.Response]:
    """``count`` requests sent together, each from its own thread."""
    start = threading.Barrier(count)

    def send(n: int) -> httpx.Response:
        start.wait()
        return request(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(send, range(count)))


def events_of(app: Acquisition, aggregate_id: UUID) -> list[Any]:
    return list(app.events.get(aggregate_id))


def test_twenty_leads_captured_at_once_are_all_taken_round_robin(acquisition) -> None:
    client, app = acquisition

    responses = at_once(
        20, lambda n: client.post("/leads", json={**WEB_LEAD, "last_name": f"L{n}"}, headers=SALES)
    )

    assert [response.status_code for response in responses] == [201] * 20
    captured = [response.json() for response in responses]
    assert len({lead["lead_id"] for lead in captured}) == 20
    assert sorted(lead["last_name"] for lead in captured) == sorted(f"L{n}" for n in range(20))
    assert Counter(lead["owner"] for lead in captured) == {member: 5 for member in INSIDE_SALES}
    rotation_events = events_of(app, Rotation.create_id("inside"))
    turns = [event.member for event in rotation_events if isinstance(event, Rotation.TurnTaken)]
    assert turns == INSIDE_SALES * 5
    for lead in captured:
        stored = app.lead(UUID(lead["lead_id"]))
        assert (stored.owner, stored.version) == (lead["owner"], lead["version"])


def test_a_lead_sent_at_once_under_one_idempotency_key_is_captured_once(acquisition) -> None:
    client, app = acquisition
    key = {**SALES, "Idempotency-Key": "web-form-7"}

    responses = at_once(8, lambda n: client.post("/leads", json=WEB_LEAD, headers=key))

    assert [response.status_code for response in responses] == [201] * 8
    assert len({response.json()["lead_id"] for response in responses}) == 1
    assert len({response.json()["owner"] for response in responses}) == 1
    rotation: Rotation = app.repository.get(Rotation.create_id("inside"))
    assert (rotation.turns, rotation.version) == (1, 2)  # started, then one turn taken


def test_leads_reassigned_by_the_rules_at_once_each_take_a_turn(acquisition) -> None:
    client, app = acquisition
    leads = [
        client.post("/leads", json={**WEB_LEAD, "last_name": f"L{n}"}, headers=SALES).json()
        for n in range(8)
    ]

    responses = at_once(
        8, lambda n: client.post(f"/leads/{leads[n]['lead_id']}/assign", json={}, headers=SALES)
    )

    assert [response.status_code for response in responses] == [200] * 8
    assert Counter(response.json()["owner"] for response in responses) == {
        member: 2 for member in INSIDE_SALES
    }
    rotation: Rotation = app.repository.get(Rotation.create_id("inside"))
    assert rotation.turns == 16


def test_a_stale_if_match_is_still_refused_while_the_service_settles_its_own_conflicts(
    acquisition,
) -> None:
    client, _ = acquisition
    lead = client.post("/leads", json=WEB_LEAD, headers=SALES).json()
    path = f"/leads/{lead['lead_id']}"
    client.post(f"{path}/contact", headers=SALES).raise_for_status()

    response = client.post(
        f"{path}/assign", json={}, headers={**SALES, "If-Match": f'"{lead["version"]}"'}
    )

    assert response.status_code == 409
    assert client.get(path, headers=SALES).json()["owner"] == lead["owner"]


def test_costs_booked_at_once_on_one_campaign_are_all_counted(acquisition) -> None:
    client, app = acquisition
    plan = {
        "name": "Spring search",
        "channel": "search",
        "starts_on": "2026-03-01",
        "budget": "1000.00",
        "currency": "EUR",
    }
    campaign = client.post("/campaigns", json=plan, headers=SALES).json()
    cost = {"amount": "12.50", "currency": "EUR", "incurred_on": "2026-03-02"}

    responses = at_once(
        10,
        lambda n: client.post(
            f"/campaigns/{campaign['campaign_id']}/costs", json=cost, headers=SALES
        ),
    )

    assert [response.status_code for response in responses] == [200] * 10
    assert app.campaign(UUID(campaign["campaign_id"])).actual_cost == Decimal("125.00")


def test_a_rotation_loads_from_its_latest_snapshot_however_many_leads_it_assigned(
    store_settings,
) -> None:
    rules = AssignmentRules(teams={"inside": ["al", "bo", "cy"]}, default_team="inside")
    app = Acquisition(
        store_environment(store_settings("acquisition")), policy=Policy(assignment=rules)
    )
    assigned = 5 * ROTATION_SNAPSHOT_INTERVAL + 7
    for n in range(assigned):
        app.capture_lead(uuid4(), "Ada", f"L{n}", None, None, None, LeadSource.WEB_FORM)
    rotation_id = Rotation.create_id("inside")

    assert app.snapshots is not None
    latest = list(app.snapshots.get(rotation_id, desc=True, limit=1))
    assert [snapshot.originator_version for snapshot in latest] == [5 * ROTATION_SNAPSHOT_INTERVAL]
    replayed_after_it = list(app.events.get(rotation_id, gt=latest[0].originator_version))
    assert len(replayed_after_it) == 8  # its start and `assigned` turns, less 5 intervals
    loaded: Rotation = app.repository.get(rotation_id)
    assert loaded.__dict__ == project_aggregate(None, events_of(app, rotation_id)).__dict__
    assert loaded.next_member(rules.teams["inside"]) == ["al", "bo", "cy"][assigned % 3]
    app.close()


def test_a_campaign_loads_from_its_latest_snapshot_however_many_costs_it_booked(
    store_settings,
) -> None:
    app = Acquisition(store_environment(store_settings("acquisition")))
    plan = CampaignPlan(
        "Always-on search", Channel.SEARCH, date(2026, 1, 1), None, Decimal("5000"), "EUR"
    )
    campaign_id = app.launch_campaign(uuid4(), plan).id
    booked = CAMPAIGN_SNAPSHOT_INTERVAL + 3
    for day in range(booked):
        app.record_campaign_cost(
            campaign_id,
            Decimal("9.99"),
            "EUR",
            date(2026, 1, 1) + timedelta(days=day),
            request_id=f"invoice-{day}",
        )

    assert app.snapshots is not None
    latest = list(app.snapshots.get(campaign_id, desc=True, limit=1))
    assert [snapshot.originator_version for snapshot in latest] == [CAMPAIGN_SNAPSHOT_INTERVAL]
    replayed_after_it = list(app.events.get(campaign_id, gt=latest[0].originator_version))
    assert len(replayed_after_it) == 4  # its launch and `booked` costs, less one interval
    loaded = app.campaign(campaign_id)
    assert loaded.__dict__ == project_aggregate(None, events_of(app, campaign_id)).__dict__
    assert loaded.actual_cost == Decimal("9.99") * booked
    assert loaded.channel is Channel.SEARCH
    assert not loaded.record_cost(Decimal("9.99"), "EUR", date(2026, 3, 1), None, "invoice-0")
    app.close()
