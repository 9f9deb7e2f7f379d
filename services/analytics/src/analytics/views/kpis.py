"""The executives' figures over a period, from the facts the 360 projection keeps."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from analytics.domain import kpis
from analytics.views.facts import (
    campaign_costs,
    case_service,
    leads,
    opportunities,
    points_movements,
)
from analytics.views.purchases import orders
from analytics.views.timeline import aware
from servicekit.views import ViewStore


def _when(moment: datetime | None) -> datetime | None:
    return aware(moment) if moment is not None else None


class Kpis:
    """Reads the fact tables and counts them with :mod:`analytics.domain.kpis`."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store

    def report(self, period: kpis.Period) -> dict[str, Any]:
        with self.store.reading() as connection:
            found_leads = [
                kpis.Lead(
                    r.source or "unknown",
                    r.campaign_id,
                    _when(r.captured_at),
                    _when(r.converted_at),
                )
                for r in connection.execute(select(leads))
            ]
            found_opportunities = [
                kpis.Opportunity(
                    r.status,
                    r.amount or Decimal(0),
                    r.probability or 0,
                    _when(r.opened_at),
                    _when(r.closed_at),
                )
                for r in connection.execute(select(opportunities))
            ]
            purchases = [
                kpis.Purchase(r.customer_id, aware(r.placed_at), r.total - r.returned_amount)
                for r in connection.execute(
                    select(
                        orders.c.customer_id,
                        orders.c.placed_at,
                        orders.c.total,
                        orders.c.returned_amount,
                    ).where(orders.c.status != "cancelled")
                )
            ]
            movements = [
                kpis.PointsMovement(r.kind, r.points, r.monetary_value, aware(r.occurred_at))
                for r in connection.execute(select(points_movements))
            ]
            costs = {
                r.campaign_id: kpis.CampaignCost(r.name, r.currency, r.actual_cost or Decimal(0))
                for r in connection.execute(select(campaign_costs))
            }
            served = [
                kpis.ServedCase(
                    _when(r.opened_at),
                    _when(r.first_response_at),
                    bool(r.sla_breached),
                    r.satisfaction,
                    _when(r.satisfaction_at),
                )
                for r in connection.execute(select(case_service))
            ]
        return {
            "from": period.start,
            "to": period.end,
            "acquisition": kpis.acquisition(found_leads, costs, period),
            "pipeline": kpis.pipeline(found_opportunities, period),
            "orders": kpis.orders(purchases, period),
            "retention_by_cohort": kpis.retention(purchases, period),
            "loyalty": kpis.points_liability(movements, period),
            "service": kpis.service(served, period),
        }
