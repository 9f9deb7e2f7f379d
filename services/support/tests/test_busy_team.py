"""A busy team: many cases at once, and years of them.

Every case a team assigns is recorded on the team (its round-robin), so cases
opened at the same moment all write the same aggregate: the service settles
that among its writers, and a client never sees a conflict it did not cause.
The team's history grows with every case it assigned; it is snapshotted, so
loading it costs the same after the thousandth case as after the first.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from eventsourcing.application import project_aggregate
from fastapi.testclient import TestClient

from servicekit.auth import issue_token
from servicekit.eventstore import store_environment
from servicekit.settings import DEV_SIGNING_KEY, ServiceSettings
from support.app import TEAM_SNAPSHOT_INTERVAL, Support
from support.bootstrap import build_runtime, create_app
from support.domain.case import CaseType, Channel, Priority
from support.domain.teams import Team
from support.settings import SupportSettings

AGENT = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'sam', ['support'])}"}
ADMIN = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'root', ['admin'])}"}
PHONES = {"channels": ["phone"], "agents": ["ann", "bob", "cid", "dee"], "lead": "lea"}
CALL = {"customer_id": "c-1", "channel": "phone", "case_type": "complaint", "subject": "Leaks"}


@pytest.fixture
def support(
    store_settings: Callable[[str], ServiceSettings],
) -> Iterator[tuple[TestClient, Support]]:
    """Support's HTTP app on a fresh store (SQLite or PostgreSQL), with its application."""
    store = store_settings("support")
    settings = SupportSettings(
        var_dir=store.var_dir,
        event_store=store.event_store,
        postgres_dsn=store.postgres_dsn,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
    )
    runtime = build_runtime(settings)
    assert isinstance(runtime.app, Support)
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


def events_of(app: Support, aggregate_id: UUID) -> list[Any]:
    return list(app.events.get(aggregate_id))


def test_twenty_cases_opened_at_once_on_one_team_are_all_taken_round_robin(support) -> None:
    client, app = support
    client.put("/teams/phones", json=PHONES, headers=ADMIN).raise_for_status()

    responses = at_once(20, lambda n: client.post("/cases", json=CALL, headers=AGENT))

    assert [response.status_code for response in responses] == [201] * 20
    opened = [response.json() for response in responses]
    assert len({case["case_id"] for case in opened}) == 20
    assert Counter(case["agent"] for case in opened) == {"ann": 5, "bob": 5, "cid": 5, "dee": 5}
    team_events = events_of(app, Team.id_for("phones"))
    chosen = [event.agent for event in team_events if isinstance(event, Team.AgentChosen)]
    assert chosen == ["ann", "bob", "cid", "dee"] * 5
    for case in opened:
        stored = app.case(UUID(case["case_id"]))
        assert (stored.agent, stored.version) == (case["agent"], case["version"])


def test_a_case_sent_at_once_under_one_idempotency_key_is_opened_once(support) -> None:
    client, app = support
    client.put("/teams/phones", json=PHONES, headers=ADMIN).raise_for_status()
    key = {**AGENT, "Idempotency-Key": "call-7"}

    responses = at_once(8, lambda n: client.post("/cases", json=CALL, headers=key))

    assert [response.status_code for response in responses] == [201] * 8
    assert len({response.json()["case_id"] for response in responses}) == 1
    assert app.team_named("phones").version == 2  # configured, then one agent chosen


def test_replies_sent_at_once_to_one_case_are_all_kept(support) -> None:
    client, app = support
    case_id = client.post("/cases", json=CALL, headers=AGENT).json()["case_id"]

    responses = at_once(
        10,
        lambda n: client.post(f"/cases/{case_id}/replies", json={"body": f"#{n}"}, headers=AGENT),
    )

    assert [response.status_code for response in responses] == [200] * 10
    bodies = sorted(entry["body"] for entry in app.case(UUID(case_id)).conversation)
    assert bodies == sorted(f"#{n}" for n in range(10))


def test_teams_configured_at_once_each_take_their_channel(support) -> None:
    client, app = support
    channels = ["phone", "email", "web", "chat", "store", "social"]

    responses = at_once(
        len(channels),
        lambda n: client.put(
            f"/teams/{channels[n]}-desk",
            json={"channels": [channels[n]], "agents": ["ann"], "lead": "lea"},
            headers=ADMIN,
        ),
    )

    assert [response.status_code for response in responses] == [200] * len(channels)
    assert app.routing().teams == {channel: f"{channel}-desk" for channel in channels}


def test_a_team_loads_from_its_latest_snapshot_however_many_cases_it_assigned(
    store_settings,
) -> None:
    app = Support(store_environment(store_settings("support")))
    app.configure_team("phones", ["phone"], ["ann", "bob", "cid"], "lea", "round_robin")
    assigned = 5 * TEAM_SNAPSHOT_INTERVAL + 7
    for _ in range(assigned):
        app.open_case(uuid4(), "c-1", Channel.PHONE, CaseType.COMPLAINT, Priority.LOW, "Leaks", "")
    team_id = Team.id_for("phones")

    assert app.snapshots is not None
    latest = list(app.snapshots.get(team_id, desc=True, limit=1))
    assert [snapshot.originator_version for snapshot in latest] == [5 * TEAM_SNAPSHOT_INTERVAL]
    replayed_after_it = list(app.events.get(team_id, gt=latest[0].originator_version))
    assert len(replayed_after_it) == 8  # its configuration and `assigned` choices, less 5 intervals
    loaded = app.team_named("phones")
    assert loaded is not None
    assert loaded.__dict__ == project_aggregate(None, events_of(app, team_id)).__dict__
    assert loaded.choose_agent({}) == ["ann", "bob", "cid"][assigned % 3]
    app.close()
