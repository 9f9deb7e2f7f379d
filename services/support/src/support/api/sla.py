"""SLA policies, the SLA dashboard and the team performance report."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from servicekit.problems import Problem
from support.api.dependencies import Admins, App, Readers, Views
from support.domain.calendar import Calendar
from support.domain.case import Priority
from support.domain.sla import SlaPolicy

routes = APIRouter(tags=["sla"])


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    priority: Priority
    tier: str | None = Field(default=None, description="None: any tier")
    first_response_minutes: float = Field(gt=0)
    resolution_minutes: float = Field(gt=0)
    around_the_clock: bool = True
    days: list[int] = Field(default=[0, 1, 2, 3, 4], description="0 = Monday")
    opens: time = time(9)
    closes: time = time(17)
    timezone: str = "UTC"

    def policy(self) -> SlaPolicy:
        return SlaPolicy(
            self.name,
            self.priority.value,
            self.tier,
            timedelta(minutes=self.first_response_minutes),
            timedelta(minutes=self.resolution_minutes),
            Calendar(
                self.around_the_clock, frozenset(self.days), self.opens, self.closes, self.timezone
            ),
        )


@routes.put("/sla-policies")
def set_policies(body: list[PolicyIn], app: App, _: Admins) -> list[dict[str, Any]]:
    try:
        policies = app.set_policies([item.policy() for item in body])
    except ValueError as refusal:
        raise Problem(422, "Incomplete SLA policies", str(refusal)) from None
    return [policy.to_dict() for policy in policies]


@routes.get("/sla-policies")
def get_policies(app: App, _: Readers) -> list[dict[str, Any]]:
    return [policy.to_dict() for policy in app.policies()]


@routes.get("/sla/dashboard")
def sla_dashboard(views: Views, _: Readers) -> dict[str, Any]:
    """Per clock (first response, resolution): met, in progress, breached."""
    return views.sla_dashboard()


@routes.get("/reports/performance")
def performance(
    views: Views, _: Readers, by: Literal["agent", "team", "channel"] = "agent"
) -> list[dict[str, Any]]:
    """CSAT and average first-response and resolution seconds."""
    return views.performance(by)
