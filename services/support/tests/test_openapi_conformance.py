"""Support answers every request, hostile ones included, as its OpenAPI says.

Schemathesis (see :mod:`devstack.conformance`) sends the documented requests, their
boundary values and hostile ones, then chains them (a case opened, answered,
resolved...); the case views are fed from the log meanwhile, as over Kafka, and
the SLA watcher runs on what was stored.
"""

from __future__ import annotations

from pathlib import Path

from devstack.conformance import nonconformities
from servicekit import periodic
from servicekit.auth import issue_token
from servicekit.loopback import deliver_log
from support.bootstrap import build_runtime, create_app
from support.outbox import to_integration_event
from support.settings import SupportSettings
from support.views.projection import SupportViews


def test_every_answer_is_one_the_openapi_document_describes(tmp_path: Path) -> None:
    settings = SupportSettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_create_topics=False,
        sla_watch_seconds=0.2,
    )
    runtime = build_runtime(settings)
    views = next(h for h in runtime.handlers if isinstance(h, SupportViews))
    feed = periodic.every(
        0.05,
        lambda: deliver_log(runtime.app, to_integration_event, views, "/crm/support"),
        "case views fed",
    )
    runtime.background = [*runtime.background, feed]
    admin = issue_token(settings.jwt_signing_key.get_secret_value(), "fuzzer", ["admin"])

    found = nonconformities(create_app(runtime), admin, exclude_paths=("/readyz",))

    assert found == [], "\n".join(found)
