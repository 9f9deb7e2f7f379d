"""Each customer's latest assessment: segment, RFM score, CLV and churn risk; and every
assessment run, with the models it fitted, and the results of scenarios beside them.

Written by the assessment job (not by a Kafka consumer), beside the read models
it is computed from; a rebuild empties them and the next assessment refills them.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    Integer,
    String,
    Table,
    delete,
    func,
    insert,
    select,
)

from analytics.domain.assessment import Assessment
from analytics.domain.clv import Fitted
from analytics.domain.runs import AssessmentRun
from analytics.domain.valuation import Models
from analytics.views import metadata
from servicekit.views import ViewStore

assessments = Table(
    "customer_assessments",
    metadata,
    Column("customer_id", String(64), primary_key=True),
    Column("segment", String(40), nullable=False, index=True),
    Column("rfm_score", String(3), nullable=False),
    Column("probability_alive", Float, nullable=False),
    Column("churn_risk", Float, nullable=False),
    Column("expected_purchases", Float, nullable=False),
    Column("lifetime_value", Float, nullable=False),
    Column("assessed_at", DateTime(timezone=True), nullable=False),
)

runs = Table(
    "assessment_runs",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("scenario", Boolean, nullable=False),
    Column("as_of", DateTime(timezone=True), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=False, index=True),
    Column("customers", Integer, nullable=False),
    Column("models", JSON),
    Column("segments", JSON, nullable=False),
    Column("signals", Integer),
)

scenario_assessments = Table(
    "scenario_assessments",
    metadata,
    Column("run_id", String(36), primary_key=True),
    Column("customer_id", String(64), primary_key=True),
    Column("segment", String(40), nullable=False),
    Column("rfm_score", String(3), nullable=False),
    Column("probability_alive", Float, nullable=False),
    Column("churn_risk", Float, nullable=False),
    Column("expected_purchases", Float, nullable=False),
    Column("lifetime_value", Float, nullable=False),
    Column("assessed_at", DateTime(timezone=True), nullable=False),
)


class Assessments:
    """Queries and the job's writes on the assessments table."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store

    def record(self, run: AssessmentRun) -> None:
        """Keep a run and its results in one transaction. A current run's results replace
        the customers' current ones (readers see one run or the other); a scenario's go
        beside them and change nothing anyone else reads."""
        rows = [_row(customer, a, run.as_of) for customer, a in run.valuation.customers.items()]
        with self.store.engine.begin() as connection:
            connection.execute(insert(runs), [_run_row(run)])
            if run.scenario:
                if rows:
                    run_id = str(run.id)
                    connection.execute(
                        insert(scenario_assessments), [{**row, "run_id": run_id} for row in rows]
                    )
                return
            connection.execute(delete(assessments))
            if rows:
                connection.execute(insert(assessments), rows)

    def run(self, run_id: UUID) -> dict[str, Any] | None:
        """A run by its id: current or scenario."""
        with self.store.reading() as connection:
            row = (
                connection.execute(select(runs).where(runs.c.run_id == str(run_id)))
                .mappings()
                .first()
            )
        return None if row is None else _run_document(row)

    def latest(self) -> dict[str, Any] | None:
        """The last current run: the one whose results the 360 and the segments show."""
        with self.store.reading() as connection:
            row = (
                connection.execute(
                    select(runs)
                    .where(runs.c.scenario.is_(False))
                    .order_by(runs.c.finished_at.desc(), runs.c.run_id)
                    .limit(1)
                )
                .mappings()
                .first()
            )
        return None if row is None else _run_document(row)

    def in_scenario(self, run_id: UUID, customer_id: str) -> dict[str, Any] | None:
        """The customer's assessment in a scenario run."""
        with self.store.reading() as connection:
            row = (
                connection.execute(
                    select(scenario_assessments)
                    .where(scenario_assessments.c.run_id == str(run_id))
                    .where(scenario_assessments.c.customer_id == customer_id)
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        found = dict(row)
        del found["run_id"], found["customer_id"]
        return found

    def of(self, customer_id: str) -> dict[str, Any] | None:
        with self.store.reading() as connection:
            row = (
                connection.execute(
                    select(assessments).where(assessments.c.customer_id == customer_id)
                )
                .mappings()
                .first()
            )
        if row is None:
            return None
        found = dict(row)
        found.pop("customer_id")
        return found

    def segments(self) -> list[dict[str, Any]]:
        with self.store.reading() as connection:
            counted = connection.execute(
                select(
                    assessments.c.segment,
                    func.count().label("customers"),
                    func.sum(assessments.c.lifetime_value).label("lifetime_value"),
                )
                .group_by(assessments.c.segment)
                .order_by(func.count().desc(), assessments.c.segment)
            ).all()
        return [
            {
                "segment": row.segment,
                "customers": row.customers,
                "lifetime_value": round(row.lifetime_value or 0.0, 2),
            }
            for row in counted
        ]

    def members(
        self, segment: str, after: str | None = None, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """Members by customer id, from after the cursor ``after``."""
        query = (
            select(assessments)
            .where(assessments.c.segment == segment)
            .order_by(assessments.c.customer_id)
        )
        if after is not None:
            query = query.where(assessments.c.customer_id > after)
        if limit is not None:
            query = query.limit(limit)
        with self.store.reading() as connection:
            return [dict(row) for row in connection.execute(query).mappings()]


def _row(customer_id: str, a: Assessment, as_of: datetime) -> dict[str, Any]:
    return {
        "customer_id": customer_id,
        "segment": a.segment,
        "rfm_score": a.rfm,
        "probability_alive": round(a.probability_alive, 6),
        "churn_risk": round(a.churn_risk, 6),
        "expected_purchases": round(a.expected_purchases, 6),
        "lifetime_value": round(a.lifetime_value, 2),
        "assessed_at": as_of,
    }


def _run_row(run: AssessmentRun) -> dict[str, Any]:
    return {
        "run_id": str(run.id),
        "scenario": run.scenario,
        "as_of": run.as_of,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "customers": len(run.valuation.customers),
        "models": _models(run.valuation.models),
        "segments": [asdict(size) for size in run.segments()],
        "signals": run.signals,
    }


def _models(models: Models | None) -> dict[str, Any] | None:
    if models is None:
        return None
    return {"purchases": _fit(models.purchases), "spend": _fit(models.spend)}


def _fit(fit: Fitted[Any]) -> dict[str, Any]:
    return {
        "fitted": fit.converged is not None,
        "parameters": asdict(fit.model),
        "log_likelihood": fit.log_likelihood,
        "customers": fit.customers,
        "converged": fit.converged,
    }


def _run_document(row: Any) -> dict[str, Any]:
    found = dict(row)
    found["id"] = UUID(found.pop("run_id"))
    return found
