"""What the executives' figures are counted from: leads, pipeline, points and service.

One row per lead, opportunity, points movement and case, kept by the 360
projection from acquisition's, loyalty's and support's topics. Each function
applies one event and returns the customer it concerns (for the timeline), or
None when it names none.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Table,
)

from analytics.views import accounts, metadata
from analytics.views.profiles import cases
from contracts import IntegrationEvent
from contracts.campaigns import CampaignCostRecorded, CampaignLaunched
from contracts.cases import (
    CaseCustomerLinked,
    CaseOpened,
    CaseReplied,
    CaseSlaBreached,
    CaseStatusChanged,
    SatisfactionRecorded,
)
from contracts.leads import LeadCaptured, LeadConverted, LeadDisqualified
from contracts.ledger import (
    PointsExpired,
    PointsIssued,
    PointsRedeemed,
    PointsReturned,
    PointsReversed,
)
from contracts.loyalty import TierChanged
from contracts.opportunities import (
    OpportunityLost,
    OpportunityOpened,
    OpportunityStageChanged,
    OpportunityWon,
)
from servicekit.staging import Staged

leads = Table(
    "leads",
    metadata,
    Column("lead_id", String(64), primary_key=True),
    Column("source", String(40)),
    Column("campaign_id", String(64)),
    Column("captured_at", DateTime(timezone=True)),
    Column("customer_id", String(64)),
    Column("converted_at", DateTime(timezone=True)),
    Column("disqualified_at", DateTime(timezone=True)),
)

opportunities = Table(
    "opportunities",
    metadata,
    Column("opportunity_id", String(64), primary_key=True),
    Column("customer_id", String(64), index=True),
    Column("title", String(200)),
    Column("stage", String(40)),
    Column("probability", Integer),
    Column("amount", Numeric(14, 2)),
    Column("currency", String(3)),
    Column("status", String(10), nullable=False),
    Column("opened_at", DateTime(timezone=True)),
    Column("closed_at", DateTime(timezone=True)),
)

points_movements = Table(
    "points_movements",
    metadata,
    Column("movement_id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True),
    Column("account_id", String(64), nullable=False),
    Column("customer_id", String(64), nullable=False),
    Column("kind", String(10), nullable=False),
    Column("points", BigInteger, nullable=False),
    Column("monetary_value", Numeric(14, 2), nullable=False),
    Column("occurred_at", DateTime(timezone=True), nullable=False, index=True),
)

case_service = Table(
    "case_service",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("opened_at", DateTime(timezone=True)),
    Column("first_response_at", DateTime(timezone=True)),
    Column("sla_breached", Boolean, nullable=False, default=False),
    Column("satisfaction", SmallInteger),
    Column("satisfaction_at", DateTime(timezone=True)),
)

campaign_costs = Table(
    "campaign_costs",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("name", String(200)),
    Column("currency", String(3)),
    Column("actual_cost", Numeric(14, 2), nullable=False, default=0),
)

PointsMovement = PointsIssued | PointsReversed | PointsRedeemed | PointsExpired | PointsReturned
MOVEMENT_KINDS: dict[type[IntegrationEvent], str] = {
    PointsIssued: "issued",
    PointsReversed: "reversed",
    PointsRedeemed: "redeemed",
    PointsExpired: "expired",
    PointsReturned: "returned",
}


def project_fact(staged: Staged, event: IntegrationEvent, version: int | None) -> str | None:
    """Apply one lead, pipeline, points or service event (``version``: its aggregate's);
    return its customer."""
    match event:
        case CampaignLaunched():
            staged.upsert(
                campaign_costs,
                {"campaign_id": event.campaign_id},
                {"name": event.name, "currency": event.currency},
            )
            return None
        case CampaignCostRecorded():  # a running total: applying it twice changes nothing
            staged.upsert(
                campaign_costs,
                {"campaign_id": event.campaign_id},
                {"currency": event.currency, "actual_cost": event.actual_cost},
            )
            return None
        case LeadCaptured():
            staged.upsert(
                leads,
                {"lead_id": event.lead_id},
                {
                    "source": event.source,
                    "campaign_id": event.campaign_id,
                    "captured_at": event.captured_at,
                },
            )
            return None
        case LeadConverted():
            staged.upsert(
                leads,
                {"lead_id": event.lead_id},
                {"customer_id": event.customer_id, "converted_at": event.converted_at},
            )
            return event.customer_id
        case LeadDisqualified():
            staged.upsert(
                leads,
                {"lead_id": event.lead_id},
                {"disqualified_at": event.disqualified_at},
            )
            return None
        case OpportunityOpened():
            staged.upsert(
                opportunities,
                {"opportunity_id": event.opportunity_id},
                {
                    "customer_id": event.customer_id,
                    "title": event.title,
                    "stage": event.stage,
                    "probability": event.probability,
                    "amount": event.amount,
                    "currency": event.currency,
                    "status": "open",
                    "opened_at": event.opened_at,
                },
            )
            return event.customer_id
        case OpportunityStageChanged():
            return _close_or_move(
                staged, event.opportunity_id, stage=event.stage, probability=event.probability
            )
        case OpportunityWon():
            staged.upsert(
                opportunities,
                {"opportunity_id": event.opportunity_id},
                {
                    "customer_id": event.customer_id,
                    "title": event.title,
                    "amount": event.amount,
                    "currency": event.currency,
                    "status": "won",
                    "probability": 100,
                    "closed_at": event.won_at,
                },
            )
            return event.customer_id
        case OpportunityLost():
            customer = _close_or_move(
                staged,
                event.opportunity_id,
                status="lost",
                probability=0,
                closed_at=event.lost_at,
            )
            return event.customer_id or customer
        case TierChanged():
            accounts.tier_changed(staged, event, version)
            return event.customer_id
        case (
            PointsIssued()
            | PointsReversed()
            | PointsRedeemed()
            | PointsExpired()
            | PointsReturned()
        ):
            record_movement(staged, event)
            accounts.balance_moved(
                staged, event.customer_id, event.account_id, event.balance_after, version
            )
            return event.customer_id
        case CaseOpened():
            staged.upsert(case_service, {"case_id": event.case_id}, {"opened_at": event.opened_at})
            return event.customer_id
        case CaseReplied():
            if event.first_response and not event.by_customer:
                staged.upsert(
                    case_service,
                    {"case_id": event.case_id},
                    {"first_response_at": event.replied_at},
                )
            return _customer_of_case(staged, event.case_id)
        case CaseSlaBreached():
            staged.upsert(case_service, {"case_id": event.case_id}, {"sla_breached": True})
            return _customer_of_case(staged, event.case_id)
        case SatisfactionRecorded():
            staged.upsert(
                case_service,
                {"case_id": event.case_id},
                {"satisfaction": event.score, "satisfaction_at": event.recorded_at},
            )
            return event.customer_id or _customer_of_case(staged, event.case_id)
        case CaseStatusChanged():
            staged.update(cases, {"case_id": event.case_id}, {"status": event.status})
            return _customer_of_case(staged, event.case_id)
        case CaseCustomerLinked():
            staged.update(cases, {"case_id": event.case_id}, {"customer_id": event.customer_id})
            return event.customer_id
    case_id = getattr(event, "case_id", None)
    return _customer_of_case(staged, case_id) if isinstance(case_id, str) else None


def record_movement(staged: Staged, event: PointsMovement) -> None:
    staged.append(
        points_movements,
        {
            "account_id": event.account_id,
            "customer_id": event.customer_id,
            "kind": MOVEMENT_KINDS[type(event)],
            "points": event.points,
            "monetary_value": event.monetary_value,
            "occurred_at": event.occurred_at,
        },
    )


def _close_or_move(staged: Staged, opportunity_id: str, **values: object) -> str | None:
    key = {"opportunity_id": opportunity_id}
    staged.update(opportunities, key, values)
    return _column(staged.row(opportunities, key), "customer_id")


def _customer_of_case(staged: Staged, case_id: str) -> str | None:
    return _column(staged.row(cases, {"case_id": case_id}), "customer_id")


def _column(row: dict[str, Any] | None, name: str) -> str | None:
    value = None if row is None else row.get(name)
    return value if isinstance(value, str) else None
