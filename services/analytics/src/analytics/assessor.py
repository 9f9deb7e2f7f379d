"""The assessment run: scores every customer from the order read model, keeps the run
with the models it fitted, and, when it is current, records the signals it gives rise to.

It runs in a worker thread (SQL and model fitting block): every
``assessment_seconds`` from a background task, or as a job an admin started. Runs of
one process take turns, so a job and the periodic run never assess at once; a run
as of an earlier moment is a scenario (see :mod:`analytics.domain.runs`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from analytics.app import Analytics
from analytics.domain.assessment import SignalPolicy
from analytics.domain.runs import AssessmentRun, is_scenario
from analytics.domain.valuation import ValuationPolicy, assess
from analytics.views.assessments import Assessments
from analytics.views.customer360 import Customer360
from servicekit import periodic

Progress = Callable[[float], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


def _unobserved(done: float) -> None:
    """Progress nobody watches (the periodic run)."""


@dataclass
class Assessor:
    app: Analytics
    view: Customer360
    assessments: Assessments
    valuation: ValuationPolicy
    signals: SignalPolicy
    clock: Callable[[], datetime] = utc_now
    _taking_turns: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def is_scenario(self, as_of: datetime | None) -> bool:
        """Whether a run as of ``as_of`` (default: now) would be a scenario; raises
        AssessmentInTheFuture for a moment after now."""
        return as_of is not None and is_scenario(as_of, self.clock())

    def run(
        self, as_of: datetime | None = None, progress: Progress = _unobserved
    ) -> dict[str, Any]:
        """Assess every customer as of ``as_of`` (default: now) and keep the run."""
        with self._taking_turns:
            started_at = self.clock()
            as_of = as_of or started_at
            scenario = is_scenario(as_of, started_at)
            book = self.view.order_book()
            progress(0.2)
            valuation = assess(book, as_of, self.valuation)
            progress(0.7)
            signals = None
            if not scenario:
                signals = self.app.record_assessments(valuation.customers, self.signals, as_of)
            progress(0.9)
            run = AssessmentRun(uuid4(), scenario, started_at, self.clock(), valuation, signals)
            self.assessments.record(run)
        return {
            "assessment_id": run.id,
            "scenario": scenario,
            "as_of": as_of,
            "customers": len(valuation.customers),
            "signals": signals,
        }

    def every(self, seconds: float) -> periodic.Job:
        return periodic.every(seconds, self.run, "customers assessed")
