"""Acquisition's HTTP API in-process, with its own read models fed without a broker."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from acquisition.bootstrap import build_runtime, create_app
from acquisition.outbox import to_integration_event
from acquisition.settings import AcquisitionSettings
from servicekit.handlers import Projection
from servicekit.loopback import deliver_log
from servicekit.service import Runtime


class AcquisitionClient(TestClient):
    runtime: Runtime

    def stored_events(self) -> int:
        return self.runtime.app.recorder.max_notification_id() or 0

    def catch_up(self) -> None:
        """What the relay and the views consumer do, without the broker in between."""
        views = next(h for h in self.runtime.handlers if isinstance(h, Projection))
        deliver_log(self.runtime.app, to_integration_event, views, "/crm/acquisition")


@pytest.fixture
def client_for(tmp_path: Path) -> Iterator[Callable[..., AcquisitionClient]]:
    """Build a client with settings of the test's choosing; all closed at the end."""
    opened: list[AcquisitionClient] = []

    def build(**settings: Any) -> AcquisitionClient:
        runtime = build_runtime(
            AcquisitionSettings(
                var_dir=tmp_path / f"run{len(opened)}",
                relay_enabled=False,
                consumers_enabled=False,
                kafka_bootstrap_servers="127.0.0.1:1",
                **settings,
            )
        )
        client = AcquisitionClient(create_app(runtime))
        client.runtime = runtime
        client.__enter__()
        opened.append(client)
        return client

    yield build
    for client in opened:
        client.__exit__(None, None, None)


@pytest.fixture
def client(client_for: Callable[..., AcquisitionClient]) -> AcquisitionClient:
    return client_for()
