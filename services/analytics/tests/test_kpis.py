"""The executives' figures: counted right from plain facts, and served from the bus's events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from fastapi.testclient import TestClient

from analytics.domain import kpis
from contracts.campaigns import CampaignCostRecorded, CampaignLaunched
from contracts.cases import CaseOpened, CaseReplied, CaseSlaBreached, SatisfactionRecorded
from contracts.customers import CustomerRegistered
from contracts.erp.orders import OrderCancelled, OrderLine, OrderPlaced
from contracts.leads import LeadCaptured, LeadConverted
from contracts.ledger import PointsExpired, PointsIssued, PointsRedeemed, PointsReturned
from contracts.loyalty import LoyaltyAccountOpened
from contracts.opportunities import OpportunityLost, OpportunityOpened, OpportunityWon
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

Feeding = Callable[..., None]
JAN = datetime(2026, 1, 10, tzinfo=UTC)
FEB = datetime(2026, 2, 10, tzinfo=UTC)
MAR = datetime(2026, 3, 10, tzinfo=UTC)
ALL_OF_Q1 = kpis.Period(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))


ANALYST = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'ann', ['analyst'])}"}


def order(order_id: str, at: datetime, customer_id: str) -> OrderPlaced:
    return OrderPlaced(
        order_id=order_id,
        customer_id=customer_id,
        placed_at=at,
        currency="EUR",
        channel="store",
        payment_method="store_card",
        lines=[OrderLine(sku="s", category="garden", quantity=1, unit_price=Decimal("30.00"))],
        total=Decimal("30.00"),
    )


def test_a_cohort_counts_as_retained_only_for_customers_who_bought_again_in_a_later_month() -> None:
    purchases = [
        kpis.Purchase("a", JAN, Decimal(10)),
        kpis.Purchase("a", JAN + timedelta(days=1), Decimal(10)),  # same month: not retained
        kpis.Purchase("b", JAN, Decimal(10)),
        kpis.Purchase("b", MAR, Decimal(10)),
        kpis.Purchase("c", FEB, Decimal(10)),
    ]

    cohorts = kpis.retention(purchases, ALL_OF_Q1)

    assert cohorts == [
        {"cohort": "2026-01", "customers": 2, "retained": 1, "retention_rate": 0.5},
        {"cohort": "2026-02", "customers": 1, "retained": 0, "retention_rate": 0.0},
    ]


def test_points_liability_is_issued_less_reversed_redeemed_and_expired_plus_returned() -> None:
    movements = [
        kpis.PointsMovement("issued", 1000, Decimal("10.00"), JAN),
        kpis.PointsMovement("reversed", 100, Decimal("1.00"), JAN),
        kpis.PointsMovement("redeemed", 300, Decimal("3.00"), FEB),
        kpis.PointsMovement("returned", 50, Decimal("0.50"), FEB),
        kpis.PointsMovement("expired", 200, Decimal("2.00"), MAR),
        kpis.PointsMovement("issued", 999, Decimal("9.99"), datetime(2026, 5, 1, tzinfo=UTC)),
    ]

    liability = kpis.points_liability(movements, ALL_OF_Q1)

    assert liability["points_outstanding"] == 450
    assert liability["liability_value"] == "4.50"


def test_the_win_rate_counts_deals_closed_in_the_period_and_the_pipeline_those_still_open() -> None:
    found = [
        kpis.Opportunity("won", Decimal(100), 100, JAN, FEB),
        kpis.Opportunity("lost", Decimal(50), 0, JAN, FEB),
        kpis.Opportunity("lost", Decimal(50), 0, JAN, JAN - timedelta(days=30)),
        kpis.Opportunity("open", Decimal(200), 25, FEB, None),
    ]

    figures = kpis.pipeline(found, kpis.Period(FEB - timedelta(days=5), MAR))

    assert (figures["won"], figures["lost"], figures["win_rate"]) == (1, 1, 0.5)
    assert figures["pipeline_value"] == "200.00"
    assert figures["weighted_pipeline_value"] == "50.00"


def test_kpis_are_served_from_leads_pipeline_orders_points_and_cases_on_the_bus(
    feed: Feeding, client: TestClient
) -> None:
    feed(
        JAN,
        LeadCaptured(
            lead_id="l-1",
            source="web_form",
            campaign_id="spring",
            first_name="A",
            last_name="B",
            captured_at=JAN,
        ),
        LeadCaptured(
            lead_id="l-2", source="web_form", first_name="C", last_name="D", captured_at=JAN
        ),
        LeadConverted(
            lead_id="l-1",
            customer_id="c-1",
            source="web_form",
            campaign_id="spring",
            converted_at=JAN,
        ),
        CustomerRegistered(
            customer_id="c-1", first_name="A", last_name="B", source="web_form", registered_at=JAN
        ),
        LoyaltyAccountOpened(
            account_id="a-c-1", customer_id="c-1", tier="standard", points_balance=0, opened_at=JAN
        ),
        OpportunityOpened(
            opportunity_id="p-1",
            customer_id="c-1",
            title="Fleet",
            pipeline="b2b",
            stage="proposal",
            probability=50,
            amount=Decimal(1000),
            currency="EUR",
            owner="sally",
            opened_at=JAN,
        ),
        OpportunityOpened(
            opportunity_id="p-2",
            customer_id="c-1",
            title="Spare",
            pipeline="b2b",
            stage="proposal",
            probability=50,
            amount=Decimal(400),
            currency="EUR",
            owner="sally",
            opened_at=JAN,
        ),
        OpportunityWon(
            opportunity_id="p-2",
            customer_id="c-1",
            title="Spare",
            amount=Decimal(400),
            currency="EUR",
            owner="sally",
            won_at=FEB,
        ),
        OpportunityOpened(
            opportunity_id="p-3",
            customer_id="c-1",
            title="Lost",
            pipeline="b2b",
            stage="proposal",
            probability=10,
            amount=Decimal(10),
            currency="EUR",
            owner="sally",
            opened_at=JAN,
        ),
        OpportunityLost(opportunity_id="p-3", reason="price", lost_at=FEB),
        order("o-1", JAN, "c-1"),
        order("o-2", FEB, "c-1"),
        order("o-3", FEB, "c-1"),
        OrderCancelled(order_id="o-3", reason="changed mind", cancelled_at=FEB),
    )
    movement = {"account_id": "a-c-1", "customer_id": "c-1", "currency": "EUR"}
    feed(
        FEB,
        PointsIssued(
            points=500,
            monetary_value=Decimal(5),
            balance_after=500,
            reason="order",
            occurred_at=FEB,
            **movement,
        ),
        PointsRedeemed(
            points=200,
            monetary_value=Decimal(2),
            balance_after=300,
            redemption_id="r-1",
            occurred_at=FEB,
            **movement,
        ),
        PointsReturned(
            points=50,
            monetary_value=Decimal("0.5"),
            balance_after=350,
            redemption_id="r-1",
            reason="refused",
            occurred_at=FEB,
            **movement,
        ),
        PointsExpired(
            points=100, monetary_value=Decimal(1), balance_after=250, occurred_at=FEB, **movement
        ),
        CaseOpened(
            case_id="k-1",
            customer_id="c-1",
            channel="phone",
            case_type="complaint",
            priority="high",
            subject="Late",
            opened_at=FEB,
        ),
        CaseReplied(
            case_id="k-1",
            by_customer=False,
            first_response=True,
            author="agent",
            replied_at=FEB + timedelta(minutes=30),
        ),
        SatisfactionRecorded(
            case_id="k-1",
            customer_id="c-1",
            case_type="complaint",
            score=4,
            save_offer_requested=False,
            recorded_at=FEB + timedelta(hours=2),
        ),
        CaseOpened(
            case_id="k-2",
            customer_id="c-1",
            channel="email",
            case_type="billing",
            priority="normal",
            subject="Invoice",
            opened_at=FEB,
        ),
        CaseSlaBreached(case_id="k-2", clock="first_response", breached_at=FEB),
        CaseReplied(
            case_id="k-2",
            by_customer=False,
            first_response=True,
            author="agent",
            replied_at=FEB + timedelta(minutes=90),
        ),
    )

    answer = client.get(
        "/kpis",
        params={"from": "2026-01-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"},
        headers=ANALYST,
    )

    figures = answer.json()
    assert answer.status_code == 200
    assert figures["acquisition"]["by_source"]["web_form"] == {
        "leads": 2,
        "converted": 1,
        "conversion_rate": 0.5,
    }
    assert figures["acquisition"]["customers_acquired_by_campaign"] == {"spring": 1}
    assert figures["pipeline"]["pipeline_value"] == "1000.00"
    assert figures["pipeline"]["win_rate"] == 0.5
    assert figures["orders"]["average_order_value"] == "30.00"
    assert figures["orders"]["repeat_purchase_rate"] == 1.0
    assert figures["retention_by_cohort"][0]["retention_rate"] == 1.0
    assert figures["loyalty"]["points_outstanding"] == 250
    assert figures["service"]["sla_compliance"] == 0.5
    assert figures["service"]["csat"] == 4.0
    assert figures["service"]["average_first_response_minutes"] == 60.0
    seen = client.get("/customers/c-1/360", headers=ANALYST).json()
    assert seen["loyalty"]["points_balance"] == 250
    assert [o["opportunity_id"] for o in seen["open_opportunities"]] == ["p-1"]


def test_a_period_that_ends_before_it_starts_is_refused(client: TestClient) -> None:
    answer = client.get(
        "/kpis",
        params={"from": "2026-04-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        headers=ANALYST,
    )
    assert answer.status_code == 422


def test_cost_per_acquired_customer_divides_a_campaigns_actual_cost_by_its_customers(
    feed: Feeding, client: TestClient
) -> None:
    feed(
        JAN,
        CampaignLaunched(
            campaign_id="spring",
            name="Spring mailing",
            channel="email",
            starts_on=JAN.date(),
            budget=Decimal(1000),
            currency="EUR",
            launched_at=JAN,
        ),
        CampaignCostRecorded(
            campaign_id="spring",
            amount=Decimal(300),
            currency="EUR",
            incurred_on=JAN.date(),
            actual_cost=Decimal(300),
            recorded_at=JAN,
        ),
        CampaignCostRecorded(
            campaign_id="spring",
            amount=Decimal(300),
            currency="EUR",
            incurred_on=JAN.date(),
            actual_cost=Decimal(600),
            recorded_at=JAN,
        ),
        *(
            message
            for n in (1, 2)
            for message in (
                LeadCaptured(
                    lead_id=f"l-{n}",
                    source="campaign",
                    campaign_id="spring",
                    first_name="A",
                    last_name="B",
                    captured_at=JAN,
                ),
                LeadConverted(
                    lead_id=f"l-{n}",
                    customer_id=f"c-{n}",
                    source="campaign",
                    campaign_id="spring",
                    converted_at=JAN,
                ),
            )
        ),
    )

    figures = client.get(
        "/kpis",
        params={"from": "2026-01-01T00:00:00+00:00", "to": "2026-04-01T00:00:00+00:00"},
        headers=ANALYST,
    ).json()["acquisition"]["cost_per_acquired_customer"]

    assert figures["spring"]["customers_acquired"] == 2
    assert figures["spring"]["actual_cost"] == "600.00"
    assert figures["spring"]["cost_per_acquired_customer"] == "300.00"
