"""Assessing customers week after week for years, from more than one replica.

Each run may record a signal or three on every customer's assessment, so its
history grows with every run: it is snapshotted, and loading it costs the same in
the second year as in the first week. Replicas of analytics each run the
assessment; two that save at the same moment both get through, and every signal
is recorded once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from eventsourcing.application import project_aggregate

from analytics.app import ASSESSMENT_SNAPSHOT_INTERVAL, Analytics
from analytics.domain.assessment import Assessment, CustomerAssessment, SignalPolicy
from servicekit.eventstore import store_environment
from servicekit.settings import ServiceSettings

POLICY = SignalPolicy(churn_threshold=0.7, clv_relative_change=0.2, clv_absolute_change=10)
FIRST_MONDAY = datetime(2026, 1, 5, tzinfo=UTC)
CUSTOMERS = [f"c-{n}" for n in range(30)]


def standing(week: int) -> Assessment:
    """A customer who swings between loyal and lapsing from one week to the next: every
    run changes their segment, churn state and CLV."""
    if week % 2:
        return Assessment("At risk", "211", 0.2, 0.4, 40.0, horizon_weeks=52)
    return Assessment("Loyal", "444", 0.9, 3.0, 200.0, horizon_weeks=52)


def events_of(app: Analytics, customer_id: str) -> list[Any]:
    return list(app.events.get(CustomerAssessment.id_for(customer_id)))


def test_an_assessment_loads_from_its_latest_snapshot_however_many_runs_assessed_it(
    store_settings: Callable[[str], ServiceSettings],
) -> None:
    app = Analytics(store_environment(store_settings("analytics")))
    weeks = 2 * 52
    for week in range(weeks):
        as_of = FIRST_MONDAY + timedelta(weeks=week)
        app.record_assessments({"c-1": standing(week), "c-2": standing(0)}, POLICY, as_of)
    assessment_id = CustomerAssessment.id_for("c-1")

    recorded = len(events_of(app, "c-1"))
    assert recorded == 3 * weeks  # started with two signals, then three every week
    assert app.snapshots is not None
    latest = list(app.snapshots.get(assessment_id, desc=True, limit=1))
    last_interval = recorded // ASSESSMENT_SNAPSHOT_INTERVAL * ASSESSMENT_SNAPSHOT_INTERVAL
    assert len(latest) == 1
    taken_at = latest[0].originator_version
    assert last_interval <= taken_at <= last_interval + 2  # by the run that crossed it
    replayed_after_it = list(app.events.get(assessment_id, gt=taken_at))
    assert len(replayed_after_it) == recorded - taken_at < ASSESSMENT_SNAPSHOT_INTERVAL
    loaded = app.assessment("c-1")
    assert loaded is not None
    assert loaded.__dict__ == project_aggregate(None, events_of(app, "c-1")).__dict__
    assert (loaded.segment, loaded.at_risk, loaded.lifetime_value) == ("At risk", True, 40.0)
    assert not list(app.snapshots.get(CustomerAssessment.id_for("c-2")))  # assessed once
    app.close()


def test_two_replicas_recording_one_run_at_once_both_succeed_and_signal_once(
    store_settings: Callable[[str], ServiceSettings],
) -> None:
    settings = store_settings("analytics")
    replicas = [Analytics(store_environment(settings)) for _ in range(2)]
    assessed = {customer_id: standing(0) for customer_id in CUSTOMERS}
    start = threading.Barrier(len(replicas))

    def run(replica: Analytics) -> int:
        start.wait()
        return replica.record_assessments(assessed, POLICY, FIRST_MONDAY)

    with ThreadPoolExecutor(max_workers=len(replicas)) as pool:
        signals = list(pool.map(run, replicas))

    assert sorted(signals) == [0, 2 * len(CUSTOMERS)]  # a segment and a CLV each, once
    for customer_id in CUSTOMERS:
        recorded = [type(event).__name__ for event in events_of(replicas[0], customer_id)]
        assert recorded == ["Started", "SegmentChanged", "ClvUpdated"]
    for replica in replicas:
        replica.close()
