"""The contract's list of consumers matches what the services really consume (kept by a test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from acquisition.bootstrap import build_runtime as acquisition
from analytics.bootstrap import build_runtime as analytics
from contracts import TOPICS
from contracts.governance.catalog import CONSUMERS
from loyalty.bootstrap import build_runtime as loyalty
from support.bootstrap import build_runtime as support

BUILDERS = {
    "acquisition": acquisition,
    "loyalty": loyalty,
    "support": support,
    "analytics": analytics,
}


@pytest.mark.parametrize("service", sorted(BUILDERS))
def test_every_topic_a_service_consumes_is_a_contract_topic_listing_it(
    service: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(f"{service.upper()}_VAR_DIR", str(tmp_path))
    runtime = BUILDERS[service]()
    try:
        consumed = {topic for handler in runtime.handlers for topic in handler.topics}
    finally:
        runtime.app.close()

    assert consumed <= set(TOPICS)
    assert {topic for topic in consumed if service not in CONSUMERS[topic]} == set()
