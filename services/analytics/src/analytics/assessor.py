"""The assessment run: scores every customer from the order read model, stores the
result for queries and records the signals it gives rise to.

It runs in a worker thread (SQL and model fitting block), every
``assessment_seconds`` from a background task, or on demand from the admin route.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from analytics.app import Analytics
from analytics.domain.assessment import SignalPolicy
from analytics.domain.valuation import ValuationPolicy, assess
from analytics.views.assessments import Assessments
from analytics.views.customer360 import Customer360
from servicekit import periodic


@dataclass
class Assessor:
    app: Analytics
    view: Customer360
    assessments: Assessments
    valuation: ValuationPolicy
    signals: SignalPolicy

    def run(self, as_of: datetime | None = None) -> dict[str, Any]:
        as_of = as_of or datetime.now(UTC)
        assessed = assess(self.view.order_book(), as_of, self.valuation).customers
        self.assessments.replace(assessed, as_of)
        recorded = self.app.record_assessments(assessed, self.signals, as_of)
        return {"as_of": as_of, "customers": len(assessed), "signals": recorded}

    def every(self, seconds: float) -> periodic.Job:
        return periodic.every(seconds, self.run, "customers assessed")
