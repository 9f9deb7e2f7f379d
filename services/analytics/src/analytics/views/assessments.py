"""Each customer's latest assessment: segment, RFM score, CLV and churn risk.

Written by the assessment job (not by a Kafka consumer), beside the read models
it is computed from; a rebuild empties it and the next assessment refills it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Float, String, Table, delete, func, insert, select

from analytics.domain.assessment import Assessment
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


class Assessments:
    """Queries and the job's writes on the assessments table."""

    def __init__(self, store: ViewStore) -> None:
        self.store = store

    def replace(self, assessed: Mapping[str, Assessment], as_of: datetime) -> None:
        """Swap in a whole assessment run in one transaction: readers see one run or the other."""
        rows = [
            {
                "customer_id": customer,
                "segment": a.segment,
                "rfm_score": a.rfm,
                "probability_alive": round(a.probability_alive, 6),
                "churn_risk": round(a.churn_risk, 6),
                "expected_purchases": round(a.expected_purchases, 6),
                "lifetime_value": round(a.lifetime_value, 2),
                "assessed_at": as_of,
            }
            for customer, a in assessed.items()
        ]
        with self.store.engine.begin() as connection:
            connection.execute(delete(assessments))
            if rows:
                connection.execute(insert(assessments), rows)

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
