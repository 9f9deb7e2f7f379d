"""Acquisition answers every request, hostile ones included, as its OpenAPI says.

Schemathesis (see :mod:`devstack.conformance`) sends the documented requests, their
boundary values and hostile ones, then chains them (a lead captured, converted,
merged...); the read models are fed from the log meanwhile, as the relay and the
consumer would.
"""

from __future__ import annotations

from pathlib import Path

from acquisition.bootstrap import build_runtime, create_app
from acquisition.outbox import to_integration_event
from acquisition.settings import AcquisitionSettings
from acquisition.views.projection import AcquisitionViews
from devstack.conformance import nonconformities
from servicekit import periodic
from servicekit.auth import issue_token
from servicekit.loopback import deliver_log


def test_every_answer_is_one_the_openapi_document_describes(tmp_path: Path) -> None:
    settings = AcquisitionSettings(
        var_dir=tmp_path, relay_enabled=False, consumers_enabled=False, kafka_create_topics=False
    )
    runtime = build_runtime(settings)
    views = next(h for h in runtime.handlers if isinstance(h, AcquisitionViews))
    feed = periodic.every(
        0.05,
        lambda: deliver_log(runtime.app, to_integration_event, views, "/crm/acquisition"),
        "read models fed",
    )
    runtime.background = [*runtime.background, feed]
    admin = issue_token(settings.jwt_signing_key.get_secret_value(), "fuzzer", ["admin"])

    found = nonconformities(
        create_app(runtime), admin, exclude_paths=("/readyz",), fixed={"query.wait_ms": 0}
    )

    assert found == [], "\n".join(found)
