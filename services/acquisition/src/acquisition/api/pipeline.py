"""Pipeline read routes: the board, the weighted forecast and the deals gone quiet."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel

from acquisition.api.common import App, Readers, Views
from acquisition.views.pipeline import Total

routes = APIRouter(tags=["pipeline"])


class TotalOut(BaseModel):
    currency: str
    deals: int
    amount: Decimal
    weighted_amount: Decimal

    @classmethod
    def of(cls, total: Total) -> TotalOut:
        return cls(
            currency=total.currency,
            deals=total.deals,
            amount=total.amount,
            weighted_amount=total.weighted_amount,
        )


class DealCard(BaseModel):
    opportunity_id: UUID
    title: str
    customer_id: str | None
    stage: str
    probability: int
    amount: Decimal
    currency: str
    expected_close: date | None
    owner: str
    opened_at: datetime


class StageColumn(BaseModel):
    stage: str
    probability: int
    deals: list[DealCard]
    totals: list[TotalOut]


class PipelineBoard(BaseModel):
    pipeline: str
    stages: list[StageColumn]


class ForecastLineOut(BaseModel):
    month: str | None
    owner: str
    currency: str
    deals: int
    amount: Decimal
    weighted_amount: Decimal


class StaleDeal(DealCard):
    last_activity_at: datetime | None
    quiet_days: int


@routes.get("/pipeline")
def pipeline_board(
    app: App,
    views: Views,
    _: Readers,
    pipeline: Annotated[str | None, Query(max_length=60)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
) -> list[PipelineBoard]:
    """Open deals per pipeline and stage, in the pipeline's stage order, every stage shown.

    Totals are per currency; ``limit`` caps the cards per pipeline, never the totals.
    """
    pipelines = app.policy.pipelines
    names = [pipelines.get(pipeline).name] if pipeline else list(pipelines.names())
    boards = []
    for name in names:
        shown = views.board(name, limit)
        stages = pipelines.get(name).stages
        boards.append(
            PipelineBoard(
                pipeline=name,
                stages=[
                    StageColumn(
                        stage=stage,
                        probability=probability,
                        deals=[DealCard(**card) for card in shown.cards if card["stage"] == stage],
                        totals=[TotalOut.of(total) for total in shown.totals.get(stage, [])],
                    )
                    for stage, probability in stages.items()
                ],
            )
        )
    return boards


@routes.get("/pipeline/forecast")
def pipeline_forecast(
    views: Views,
    _: Readers,
    owner: Annotated[str | None, Query(max_length=200)] = None,
) -> list[ForecastLineOut]:
    """Open deals by expected-close month (YYYY-MM; null when no date is set) and owner."""
    return [
        ForecastLineOut(month=line.month, owner=line.owner, **TotalOut.of(line.total).model_dump())
        for line in views.forecast(owner)
    ]


@routes.get("/pipeline/stale")
def stale_deals(
    views: Views,
    _: Readers,
    days: Annotated[int, Query(ge=1, le=3650)] = 14,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[StaleDeal]:
    """Open deals nobody logged or planned an activity on for ``days`` days, quietest first."""
    now = datetime.now(UTC)
    stale = []
    for row in views.stale_deals(now - timedelta(days=days), limit):
        quiet_since = row["last_activity_at"] or row["opened_at"]
        stale.append(StaleDeal(**row, quiet_days=(now - quiet_since).days))
    return stale
