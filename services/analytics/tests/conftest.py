"""Analytics' API on a fresh store, and a feed that delivers events as the consumer would."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime

import pytest
from eventsourcing.persistence import Tracking
from fastapi.testclient import TestClient

from analytics.bootstrap import build_runtime, create_app
from analytics.settings import AnalyticsSettings
from analytics.views.customer360 import Customer360
from contracts import Envelope, IntegrationEvent, topic_of
from servicekit.consumer import Delivery
from servicekit.service import Runtime

Feeding = Callable[..., None]


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
    """Delivers events as the consumer would, each stamped with the time it happened."""

    def __init__(self, runtime: Runtime) -> None:
        self.view = next(h for h in runtime.handlers if isinstance(h, Customer360))
        self.offsets: dict[str, int] = defaultdict(int)

    def __call__(self, at: datetime, *events: IntegrationEvent) -> None:
        for event in events:
            topic = topic_of(type(event)).name
            offset = self.offsets[topic]
            self.offsets[topic] += 1
            envelope = Envelope.wrap(event, source="/test", subject="s", time=at)
            self.view.apply(
                [Delivery(topic, 0, offset, "s", envelope, event)],
                Tracking(f"{topic}:0", offset),
            )


@pytest.fixture
def feed(runtime: Runtime) -> Feeding:
    return Feed(runtime)
