"""The pipeline read models: board, weighted forecast, stale deals (fed by ``catch_up``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import eventsourcing.domain
import pytest
from fastapi.testclient import TestClient

from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

SALES = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'al', ['sales'])}"}
ANALYST = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'cy', ['analyst'])}"}


@pytest.fixture
def days_ago(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """Set the time the domain stamps on its events, ``n`` days before now."""

    def travel(n: int) -> None:
        moment = datetime.now(UTC) - timedelta(days=n)
        monkeypatch.setattr(eventsourcing.domain, "datetime_now_with_tzinfo", lambda: moment)

    return travel


def customer(client: TestClient) -> str:
    body = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"}
    return str(client.post("/customers", json=body, headers=SALES).json()["customer_id"])


def deal(client: TestClient, customer_id: str, **fields: Any) -> dict[str, Any]:
    body = {"customer_id": customer_id, "title": "Deal", "amount": "1000.00", "currency": "EUR"}
    response = client.post("/opportunities", json={**body, **fields}, headers=SALES)
    assert response.status_code == 201, response.text
    return dict(response.json())


def column(board: list[dict[str, Any]], stage: str) -> dict[str, Any]:
    return next(c for c in board[0]["stages"] if c["stage"] == stage)


def test_the_board_sums_open_deals_per_stage_with_their_weighted_amount(
    client: TestClient,
) -> None:
    who = customer(client)
    first = deal(client, who, title="Small", amount="1000.00")
    deal(client, who, title="Big", amount="3000.00", stage="proposal")
    deal(client, who, title="Also big", amount="2000.00", stage="proposal")
    dollars = deal(client, who, title="US", amount="500.00", currency="USD", stage="proposal")
    lost = deal(client, who, title="Gone", amount="9000.00")
    client.post(
        f"/opportunities/{lost['opportunity_id']}/lost", json={"reason": "price"}, headers=SALES
    )
    client.catch_up()

    board = client.get("/pipeline", headers=ANALYST).json()

    assert [c["stage"] for c in board[0]["stages"]] == [
        "qualification",
        "needs_analysis",
        "proposal",
        "negotiation",
    ]
    assert column(board, "qualification")["totals"] == [
        {"currency": "EUR", "deals": 1, "amount": "1000.00", "weighted_amount": "100.00"}
    ]
    assert column(board, "qualification")["deals"][0]["opportunity_id"] == first["opportunity_id"]
    assert column(board, "proposal")["totals"] == [
        {"currency": "EUR", "deals": 2, "amount": "5000.00", "weighted_amount": "2500.00"},
        {"currency": "USD", "deals": 1, "amount": "500.00", "weighted_amount": "250.00"},
    ]
    assert [d["title"] for d in column(board, "proposal")["deals"]] == ["Big", "Also big", "US"]
    assert dollars["currency"] == "USD"
    assert column(board, "negotiation") == {
        "stage": "negotiation",
        "probability": 75,
        "deals": [],
        "totals": [],
    }


def test_a_deal_moved_or_won_leaves_its_old_column(client: TestClient) -> None:
    who = customer(client)
    moving = deal(client, who)
    won = deal(client, who, title="Won")
    client.post(
        f"/opportunities/{moving['opportunity_id']}/stage",
        json={"stage": "negotiation"},
        headers=SALES,
    )
    client.post(f"/opportunities/{won['opportunity_id']}/won", headers=SALES)
    client.catch_up()

    board = client.get("/pipeline?pipeline=sales", headers=SALES).json()

    assert column(board, "qualification")["totals"] == []
    assert column(board, "negotiation")["totals"][0]["weighted_amount"] == "750.00"


def test_an_unknown_pipeline_is_a_422_naming_it(client: TestClient) -> None:
    response = client.get("/pipeline?pipeline=nope", headers=SALES)

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "pipeline"


def test_the_forecast_weighs_open_deals_by_closing_month_and_owner(client: TestClient) -> None:
    who = customer(client)
    deal(client, who, amount="1000.00", expected_close="2030-03-10")
    deal(client, who, amount="2000.00", expected_close="2030-03-28", stage="proposal")
    deal(client, who, amount="4000.00", expected_close="2030-03-05", owner="bo")
    deal(client, who, amount="800.00", expected_close="2030-04-01", stage="negotiation")
    deal(client, who, amount="100.00")
    client.catch_up()

    lines = client.get("/pipeline/forecast", headers=SALES).json()

    assert [
        (line["month"], line["owner"], line["deals"], line["amount"], line["weighted_amount"])
        for line in lines
    ] == [
        ("2030-03", "al", 2, "3000.00", "1100.00"),
        ("2030-03", "bo", 1, "4000.00", "400.00"),
        ("2030-04", "al", 1, "800.00", "600.00"),
        (None, "al", 1, "100.00", "10.00"),
    ]
    only_bo = client.get("/pipeline/forecast?owner=bo", headers=SALES).json()
    assert [line["owner"] for line in only_bo] == ["bo"]


def test_stale_deals_are_the_open_ones_without_activity_for_n_days(
    client: TestClient, days_ago: Callable[[int], None]
) -> None:
    days_ago(30)
    who = customer(client)
    forgotten = deal(client, who, title="Forgotten")
    worked = deal(client, who, title="Worked")
    called_long_ago = deal(client, who, title="Called long ago")
    lost = deal(client, who, title="Lost")
    client.post(
        f"/opportunities/{lost['opportunity_id']}/lost", json={"reason": "timing"}, headers=SALES
    )
    days_ago(20)
    note = {"kind": "note", "subject": "Spoke", "regarding": "opportunity"}
    client.post(
        "/activities",
        json={**note, "regarding_id": called_long_ago["opportunity_id"]},
        headers=SALES,
    )
    days_ago(2)
    client.post(
        "/activities", json={**note, "regarding_id": worked["opportunity_id"]}, headers=SALES
    )
    days_ago(0)
    deal(client, who, title="Fresh")
    client.catch_up()

    stale = client.get("/pipeline/stale?days=14", headers=SALES).json()
    quieter = client.get("/pipeline/stale?days=25", headers=SALES).json()

    assert [(d["title"], d["quiet_days"]) for d in stale] == [
        ("Forgotten", 30),
        ("Called long ago", 20),
    ]
    assert stale[0]["last_activity_at"] is None
    assert stale[0]["opportunity_id"] == forgotten["opportunity_id"]
    assert [d["title"] for d in quieter] == ["Forgotten"]


def test_stale_needs_a_positive_number_of_days(client: TestClient) -> None:
    response = client.get("/pipeline/stale?days=0", headers=SALES)

    assert response.status_code == 422
    assert "query.days" in [error["field"] for error in response.json()["errors"]]


def test_a_company_configures_its_own_pipelines_stages_and_probabilities(client_for) -> None:
    client = client_for(pipelines={"retail": {"visit": 5, "quote": 40, "closing": 80}})
    who = customer(client)

    opened = deal(client, who, pipeline="retail", stage="quote", amount="100.00")
    refused = client.post(
        "/opportunities",
        json={
            "customer_id": who,
            "title": "x",
            "amount": "1.00",
            "currency": "EUR",
            "pipeline": "sales",
        },
        headers=SALES,
    )
    client.catch_up()
    board = client.get("/pipeline", headers=ANALYST).json()

    assert opened["probability"] == 40
    assert refused.status_code == 422
    assert [c["stage"] for c in board[0]["stages"]] == ["visit", "quote", "closing"]
