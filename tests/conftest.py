"""The platform as real processes, shared by the end-to-end tests of a session."""

from __future__ import annotations

from collections.abc import Iterator
from uuid import uuid4

import pytest

from devstack.platform import SERVICES, Platform
from devstack.ports import free_port


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def platform(request, kafka_bootstrap_servers, tmp_path_factory) -> Iterator[Platform]:
    # its own consumer groups: a platform stopped before it may not have left its groups yet
    extra_env: dict[str, str] = {
        "CRM_CONSUMER_GROUP_PREFIX": f"crm-{request.param}-{uuid4().hex[:8]}"
    }
    if request.param == "postgres":
        new_database = request.getfixturevalue("postgres_dsn_factory")
        for name in SERVICES:
            extra_env[f"{name.upper()}_EVENT_STORE"] = "postgres"
            extra_env[f"{name.upper()}_POSTGRES_DSN"] = new_database(f"{name}_{uuid4().hex[:8]}")
    running = Platform(
        kafka_bootstrap_servers,
        tmp_path_factory.mktemp(f"platform-{request.param}"),
        ports={name: free_port() for name in SERVICES},
        extra_env=extra_env,
    )
    running.start()
    try:
        running.wait_ready(timeout=120)
        yield running
    finally:
        running.stop()
