"""Loyalty answers every request, hostile ones included, as its OpenAPI says.

Schemathesis (see :mod:`devstack.conformance`) sends the documented requests, their
boundary values and hostile ones, then chains them (a reward catalogued, restocked,
redeemed...); the liability view is fed from the log meanwhile, as over Kafka.
"""

from __future__ import annotations

from pathlib import Path

from devstack.conformance import nonconformities
from loyalty.bootstrap import build_runtime, create_app
from loyalty.outbox import to_integration_event
from loyalty.settings import LoyaltySettings
from loyalty.views.projection import LoyaltyViews
from servicekit import periodic
from servicekit.auth import issue_token
from servicekit.loopback import deliver_log


def test_every_answer_is_one_the_openapi_document_describes(tmp_path: Path) -> None:
    settings = LoyaltySettings(
        var_dir=tmp_path, relay_enabled=False, consumers_enabled=False, kafka_create_topics=False
    )
    runtime = build_runtime(settings)
    liability = next(h for h in runtime.handlers if isinstance(h, LoyaltyViews))
    feed = periodic.every(
        0.05,
        lambda: deliver_log(runtime.app, to_integration_event, liability, "/crm/loyalty"),
        "liability fed",
    )
    runtime.background = [*runtime.background, feed]
    admin = issue_token(settings.jwt_signing_key.get_secret_value(), "fuzzer", ["admin"])

    found = nonconformities(create_app(runtime), admin, exclude_paths=("/readyz",))

    assert found == [], "\n".join(found)
