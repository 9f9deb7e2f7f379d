"""Support's HTTP contract for cases."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY
from support.bootstrap import build_runtime, create_app
from support.settings import SupportSettings

AGENT = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'sam', ['support'])}"}


@pytest.fixture
def client(tmp_path) -> Iterator[TestClient]:
    settings = SupportSettings(
        var_dir=tmp_path,
        relay_enabled=False,
        consumers_enabled=False,
        kafka_bootstrap_servers="127.0.0.1:1",
    )
    with TestClient(create_app(build_runtime(settings))) as test_client:
        yield test_client


def test_an_agent_opens_a_case_for_a_customer_from_the_phone(client: TestClient) -> None:
    response = client.post(
        "/cases",
        json={
            "customer_id": "c-1",
            "channel": "phone",
            "case_type": "complaint",
            "subject": "The kettle leaks",
        },
        headers=AGENT,
    )

    assert response.status_code == 201
    case = response.json()
    assert case["status"] == "new"
    assert case["priority"] == "normal"
    assert client.get(f"/cases/{case['case_id']}", headers=AGENT).json() == case


def test_a_case_from_an_unknown_channel_is_refused(client: TestClient) -> None:
    response = client.post(
        "/cases",
        json={"channel": "fax", "case_type": "complaint", "subject": "x"},
        headers=AGENT,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "channel"
