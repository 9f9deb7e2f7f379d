"""SLA policies, the SLA dashboard and the team performance report."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from servicekit.problems import Problem
from support.api.dependencies import Admins, App, Readers, Views
from support.api.documents import Performance, Policy, SlaDashboard
from support.domain.calendar import Calendar
from support.domain.case import Priority
from support.domain.sla import SlaPolicy

routes = APIRouter(tags=["sla"])

#: a year: the longest target a service promises (a business-hours clock walks it day by day)
LONGEST_TARGET_MINUTES = 365 * 24 * 60
Minutes = Annotated[float, Field(gt=0, le=LONGEST_TARGET_MINUTES)]
Weekday = Annotated[int, Field(ge=0, le=6)]


class PolicyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    priority: Priority
    tier: str | None = Field(default=None, max_length=20, description="None: any tier")
    first_response_minutes: Minutes
    resolution_minutes: Minutes
    around_the_clock: bool = True
    days: list[Weekday] = Field(default=[0, 1, 2, 3, 4], max_length=7, description="0 = Monday")
    opens: time = time(9)
    closes: time = time(17)
    timezone: str = Field(default="UTC", max_length=64, description="IANA, e.g. Europe/Paris")

    @field_validator("timezone")
    @classmethod
    def known_zone(cls, name: str) -> str:
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{name!r} is not an IANA time zone") from None
        return name

    @field_validator("opens", "closes")
    @classmethod
    def wall_clock(cls, moment: time) -> time:
        """Business hours are read on the clocks of ``timezone``: an offset of their own
        would contradict it (and could not be compared with a time without one)."""
        if moment.tzinfo is not None:
            raise ValueError("a time of day without an offset: the timezone field gives it")
        return moment

    @model_validator(mode="after")
    def clock_can_run(self) -> PolicyIn:
        """Business hours with no working day, or closing before opening, would never
        reach a deadline."""
        if not self.around_the_clock and not self.days:
            raise ValueError("business hours need at least one working day")
        if not self.around_the_clock and self.closes <= self.opens:
            raise ValueError("business hours close after they open")
        return self

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
def set_policies(body: list[PolicyIn], app: App, _: Admins) -> list[Policy]:
    try:
        policies = app.set_policies([item.policy() for item in body])
    except ValueError as refusal:
        raise Problem(422, "Incomplete SLA policies", str(refusal)) from None
    return [Policy(**policy.to_dict()) for policy in policies]


@routes.get("/sla-policies")
def get_policies(app: App, _: Readers) -> list[Policy]:
    return [Policy(**policy.to_dict()) for policy in app.policies()]


@routes.get("/sla/dashboard")
def sla_dashboard(views: Views, _: Readers) -> SlaDashboard:
    """Per clock (first response, resolution): met, in progress, breached."""
    return SlaDashboard(**views.sla_dashboard())


@routes.get("/reports/performance")
def performance(
    views: Views, _: Readers, by: Literal["agent", "team", "channel"] = "agent"
) -> list[Performance]:
    """CSAT and average first-response and resolution seconds."""
    return [Performance(**row) for row in views.performance(by)]
