"""Analytics answers every request, hostile ones included, as its OpenAPI says.

Schemathesis (see :mod:`devstack.conformance`) sends the documented requests, their
boundary values and hostile ones. Analytics takes no business writes over HTTP, so
its read models stay empty here; test_customer360 reads a fed 360 against the same
document.
"""

from __future__ import annotations

from pathlib import Path

from analytics.bootstrap import build_runtime, create_app
from analytics.settings import AnalyticsSettings
from devstack.conformance import nonconformities
from servicekit.auth import issue_token


def test_every_answer_is_one_the_openapi_document_describes(tmp_path: Path) -> None:
    settings = AnalyticsSettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_create_topics=False,
        assessment_seconds=0,
    )
    admin = issue_token(settings.jwt_signing_key.get_secret_value(), "fuzzer", ["admin"])

    found = nonconformities(
        create_app(build_runtime(settings)),
        admin,
        exclude_paths=("/readyz",),
        fixed={"query.wait_ms": 0},
    )

    assert found == [], "\n".join(found)
