"""Campaigns: plan and costs on the aggregate, results from the read models."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import uuid4

import pytest

from acquisition.domain.campaign import Campaign, Channel
from acquisition.domain.errors import InvalidInput
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

from .conftest import AcquisitionClient

SALES = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'mo', ['marketing'])}"}
SPRING = {
    "name": "Spring mailing",
    "channel": "direct_mail",
    "starts_on": "2030-03-01",
    "ends_on": "2030-04-30",
    "budget": "1000.00",
    "currency": "EUR",
}


def spring() -> Campaign:
    return Campaign.launch(
        uuid4(), "Spring", Channel.EMAIL, date(2030, 3, 1), None, Decimal("500"), "EUR"
    )


def launch(client: AcquisitionClient, **fields: Any) -> dict[str, Any]:
    response = client.post("/campaigns", json={**SPRING, **fields}, headers=SALES)
    assert response.status_code == 201, response.text
    return dict(response.json())


def capture(client: AcquisitionClient, campaign_id: str, n: int) -> str:
    body = {
        "first_name": "Lead",
        "last_name": f"Number{n}",
        "email": f"lead{n}@example.com",
        "source": "campaign",
        "campaign_id": campaign_id,
    }
    return str(client.post("/leads", json=body, headers=SALES).json()["lead_id"])


def test_costs_add_up_to_the_actual_cost_and_may_pass_the_budget() -> None:
    campaign = spring()

    campaign.record_cost(Decimal("300"), "EUR", date(2030, 3, 2))
    campaign.record_cost(Decimal("250"), "EUR", date(2030, 3, 9))

    assert campaign.actual_cost == Decimal("550")
    assert campaign.over_budget is True


def test_a_cost_recorded_again_with_its_request_id_counts_once() -> None:
    campaign = spring()

    assert campaign.record_cost(Decimal("300"), "EUR", date(2030, 3, 2), request_id="inv-1")
    assert not campaign.record_cost(Decimal("300"), "EUR", date(2030, 3, 2), request_id="inv-1")

    assert campaign.actual_cost == Decimal("300")


@pytest.mark.parametrize(
    ("amount", "currency", "field"),
    [(Decimal("0"), "EUR", "amount"), (Decimal("10"), "USD", "currency")],
)
def test_a_cost_that_is_not_positive_or_in_another_currency_is_refused(
    amount: Decimal, currency: str, field: str
) -> None:
    campaign = spring()

    with pytest.raises(InvalidInput) as refused:
        campaign.record_cost(amount, currency, date(2030, 3, 2))

    assert refused.value.field == field
    assert (campaign.actual_cost, campaign.version) == (Decimal("0"), 1)


def test_a_campaign_cannot_end_before_it_starts() -> None:
    with pytest.raises(InvalidInput) as refused:
        Campaign.launch(
            uuid4(), "x", Channel.EVENT, date(2030, 3, 1), date(2030, 2, 1), Decimal(0), "EUR"
        )

    assert refused.value.field == "ends_on"


def test_a_campaign_launched_again_with_its_key_is_launched_once(
    client: AcquisitionClient,
) -> None:
    headers = {**SALES, "Idempotency-Key": "spring-1"}
    first = client.post("/campaigns", json=SPRING, headers=headers)
    events = client.stored_events()

    retry = client.post("/campaigns", json=SPRING, headers=headers)

    assert first.status_code == retry.status_code == 201
    assert retry.json()["campaign_id"] == first.json()["campaign_id"]
    assert client.stored_events() == events


@pytest.mark.parametrize(
    ("fields", "field"),
    [({"ends_on": "2030-01-01"}, "ends_on"), ({"channel": "pigeon"}, "channel")],
)
def test_a_bad_campaign_is_a_422_naming_the_field_and_changes_nothing(
    client: AcquisitionClient, fields: dict[str, Any], field: str
) -> None:
    response = client.post("/campaigns", json={**SPRING, **fields}, headers=SALES)

    assert response.status_code == 422
    assert any(field in error["field"] for error in response.json()["errors"])
    assert client.stored_events() == 0


def test_costs_are_booked_once_per_key_and_refused_on_a_stale_version(
    client: AcquisitionClient,
) -> None:
    campaign = launch(client)
    path = f"/campaigns/{campaign['campaign_id']}/costs"
    cost = {"amount": "400.00", "currency": "EUR", "incurred_on": "2030-03-02"}

    first = client.post(path, json=cost, headers={**SALES, "Idempotency-Key": "inv-1"})
    retry = client.post(path, json=cost, headers={**SALES, "Idempotency-Key": "inv-1"})
    stale = client.post(path, json=cost, headers={**SALES, "If-Match": '"1"'})
    wrong = client.post(path, json={**cost, "currency": "USD"}, headers=SALES)

    assert first.status_code == retry.status_code == 200
    assert retry.json()["actual_cost"] == "400.00"
    assert stale.status_code == 409
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "currency"
    assert client.get(f"/campaigns/{campaign['campaign_id']}", headers=SALES).json()["version"] == 2


def test_results_count_attributed_leads_and_divide_the_cost_by_them(
    client: AcquisitionClient,
) -> None:
    campaign = launch(client)
    campaign_id = campaign["campaign_id"]
    leads = [capture(client, campaign_id, n) for n in range(4)]
    capture(client, "another-campaign", 9)
    client.post(f"/leads/{leads[0]}/qualify", headers=SALES)
    client.post(f"/leads/{leads[1]}/qualify", headers=SALES)
    client.post(f"/leads/{leads[1]}/convert", json={}, headers=SALES)
    client.post(
        f"/campaigns/{campaign_id}/costs",
        json={"amount": "1200.00", "currency": "EUR", "incurred_on": "2030-03-02"},
        headers=SALES,
    )
    client.catch_up()

    results = client.get(f"/campaigns/{campaign_id}/results", headers=SALES).json()

    assert {k: results[k] for k in ("leads", "qualified", "converted")} == {
        "leads": 4,
        "qualified": 2,
        "converted": 1,
    }
    assert results["actual_cost"] == "1200.00"
    assert results["cost_per_lead"] == "300.00"
    assert results["cost_per_acquired_customer"] == "1200.00"


def test_a_campaign_without_leads_has_no_cost_per_lead_yet(client: AcquisitionClient) -> None:
    campaign = launch(client)
    client.catch_up()

    results = client.get(f"/campaigns/{campaign['campaign_id']}/results", headers=SALES).json()

    assert (results["leads"], results["cost_per_lead"]) == (0, None)
    assert results["cost_per_acquired_customer"] is None


def test_results_of_an_unknown_campaign_are_a_404(client: AcquisitionClient) -> None:
    response = client.get(f"/campaigns/{uuid4()}/results", headers=SALES)

    assert response.status_code == 404
