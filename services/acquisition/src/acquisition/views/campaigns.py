"""Campaign results: what each campaign cost against the leads and customers it brought.

Leads are attributed by the ``campaign_id`` they were captured with (see
:mod:`acquisition.views.leads`); this module keeps the campaigns' plans and
costs and joins the two. A lead counts as qualified once it reached qualified,
whether it stayed there or was converted since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    String,
    Table,
    case,
    func,
    select,
    update,
)

from acquisition.views import metadata
from acquisition.views.leads import leads
from contracts.campaigns import CampaignCostRecorded, CampaignLaunched
from servicekit.upserts import upsert

campaigns = Table(
    "campaigns",
    metadata,
    Column("campaign_id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("channel", String(40), nullable=False),
    Column("starts_on", Date, nullable=False),
    Column("ends_on", Date),
    Column("budget_cents", BigInteger, nullable=False),
    Column("actual_cost_cents", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
)


def _cents(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def _money(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def project(connection: Connection, event: Any) -> None:
    match event:
        case CampaignLaunched():
            upsert(
                connection,
                campaigns,
                {"campaign_id": event.campaign_id},
                {
                    "name": event.name,
                    "channel": event.channel,
                    "starts_on": event.starts_on,
                    "ends_on": event.ends_on,
                    "budget_cents": _cents(event.budget),
                    "actual_cost_cents": 0,
                    "currency": event.currency,
                },
            )
        case CampaignCostRecorded():
            connection.execute(
                update(campaigns)
                .where(campaigns.c.campaign_id == event.campaign_id)
                .values(actual_cost_cents=_cents(event.actual_cost))
            )


@dataclass(frozen=True)
class CampaignResults:
    campaign_id: str
    name: str
    channel: str
    starts_on: date
    ends_on: date | None
    currency: str
    budget: Decimal
    actual_cost: Decimal
    leads: int
    qualified: int
    converted: int

    @property
    def cost_per_lead(self) -> Decimal | None:
        """``None`` until the campaign brought a lead: no cost per nothing."""
        return _per(self.actual_cost, self.leads)

    @property
    def cost_per_acquired_customer(self) -> Decimal | None:
        return _per(self.actual_cost, self.converted)


def _per(cost: Decimal, count: int) -> Decimal | None:
    return (cost / count).quantize(Decimal("0.01")) if count else None


def results(connection: Connection, campaign_id: str) -> CampaignResults | None:
    """``None`` for a campaign the read model has not seen (yet)."""
    campaign = (
        connection.execute(select(campaigns).where(campaigns.c.campaign_id == campaign_id))
        .mappings()
        .first()
    )
    if campaign is None:
        return None
    counted = connection.execute(
        select(
            func.count().label("leads"),
            func.count(case((leads.c.status.in_(("qualified", "converted")), 1))).label(
                "qualified"
            ),
            func.count(case((leads.c.status == "converted", 1))).label("converted"),
        )
        .where(leads.c.campaign_id == campaign_id)
        .where(leads.c.status != "merged")
    ).one()
    return CampaignResults(
        campaign_id=campaign_id,
        name=campaign["name"],
        channel=campaign["channel"],
        starts_on=campaign["starts_on"],
        ends_on=campaign["ends_on"],
        currency=campaign["currency"],
        budget=_money(campaign["budget_cents"]),
        actual_cost=_money(campaign["actual_cost_cents"]),
        leads=counted.leads,
        qualified=counted.qualified,
        converted=counted.converted,
    )
