"""Service level agreements: how fast a case must be answered and solved.

Targets depend on the case's priority and the customer's tier (a Premium
customer gets stricter targets); time counts on the policy's calendar and stops
while the case waits on the customer (pending).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from typing import Any

from support.domain.calendar import AROUND_THE_CLOCK, Calendar

WARN_AT = 0.8  # a warning when 80% of a target's time is used


class Clock(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


@dataclass(frozen=True)
class SlaPolicy:
    name: str
    priority: str
    tier: str | None  # None: any tier
    first_response: timedelta
    resolution: timedelta
    calendar: Calendar = AROUND_THE_CLOCK

    def target(self, clock: Clock) -> timedelta:
        return self.first_response if clock is Clock.FIRST_RESPONSE else self.resolution

    def to_dict(self) -> dict[str, Any]:
        """As stored in events (a snapshot: later policy changes do not move old deadlines)."""
        calendar = self.calendar
        return {
            "name": self.name,
            "priority": self.priority,
            "tier": self.tier,
            "first_response_minutes": self.first_response / timedelta(minutes=1),
            "resolution_minutes": self.resolution / timedelta(minutes=1),
            "around_the_clock": calendar.around_the_clock,
            "days": sorted(calendar.days),
            "opens": calendar.opens.isoformat("minutes"),
            "closes": calendar.closes.isoformat("minutes"),
            "timezone": calendar.timezone,
        }

    @classmethod
    def from_dict(cls, stored: dict[str, Any]) -> SlaPolicy:
        return cls(
            name=stored["name"],
            priority=stored["priority"],
            tier=stored["tier"],
            first_response=timedelta(minutes=stored["first_response_minutes"]),
            resolution=timedelta(minutes=stored["resolution_minutes"]),
            calendar=Calendar(
                around_the_clock=stored["around_the_clock"],
                days=frozenset(stored["days"]),
                opens=time.fromisoformat(stored["opens"]),
                closes=time.fromisoformat(stored["closes"]),
                timezone=stored["timezone"],
            ),
        )


BUSINESS_HOURS = Calendar()


def default_policies() -> tuple[SlaPolicy, ...]:
    """Sensible targets until an administrator sets the company's own (PUT /sla-policies)."""
    hour = timedelta(hours=1)
    standard = (
        SlaPolicy("urgent", "urgent", None, 1 * hour, 8 * hour),
        SlaPolicy("high", "high", None, 4 * hour, 24 * hour, BUSINESS_HOURS),
        SlaPolicy("normal", "normal", None, 8 * hour, 72 * hour, BUSINESS_HOURS),
        SlaPolicy("low", "low", None, 24 * hour, 120 * hour, BUSINESS_HOURS),
    )
    premium = tuple(
        SlaPolicy(
            f"{p.name} premium",
            p.priority,
            "premium",
            p.first_response / 2,
            p.resolution / 2,
            AROUND_THE_CLOCK,
        )
        for p in standard
    )
    return premium + standard


def policy_for(policies: tuple[SlaPolicy, ...], priority: str, tier: str | None) -> SlaPolicy:
    """The policy of the case's priority for the customer's tier, else for any tier."""
    for policy in policies:
        if policy.priority == priority and policy.tier == tier:
            return policy
    for policy in policies:
        if policy.priority == priority and policy.tier is None:
            return policy
    raise LookupError(f"no SLA policy for priority {priority}")


@dataclass(frozen=True)
class ClockState:
    clock: Clock
    target: timedelta
    elapsed: timedelta
    due_at: datetime | None  # None while paused
    met: bool | None  # None while running

    @property
    def breached(self) -> bool:
        return self.met is False or (self.met is None and self.elapsed > self.target)

    @property
    def warning(self) -> bool:
        return self.met is None and not self.breached and self.elapsed >= self.target * WARN_AT


def clock_state(
    policy: SlaPolicy,
    clock: Clock,
    started: datetime,
    pauses: list[tuple[datetime, datetime | None]],
    stopped: datetime | None,
    now: datetime,
) -> ClockState:
    """Where a clock stands at ``now``: working time elapsed minus the paused time."""
    until = stopped or now
    calendar = policy.calendar
    paused = sum(
        (
            calendar.working_time(max(begin, started), min(end or until, until))
            for begin, end in pauses
        ),
        timedelta(0),
    )
    elapsed = calendar.working_time(started, until) - paused
    target = policy.target(clock)
    if stopped is not None:
        return ClockState(clock, target, elapsed, None, elapsed <= target)
    running = not pauses or pauses[-1][1] is not None
    due_at = calendar.add(now, target - elapsed) if running and elapsed < target else None
    return ClockState(clock, target, elapsed, due_at, None)
