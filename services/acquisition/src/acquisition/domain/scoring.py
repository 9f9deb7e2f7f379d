"""Transparent lead scoring: every point comes with the rule that gave it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypedDict


class Reason(TypedDict):
    points: int
    reason: str


def _default_by_source() -> dict[str, int]:
    return {
        "referral": 30,
        "partner": 25,
        "campaign": 20,
        "web_form": 15,
        "ecommerce_signup": 15,
        "store": 10,
        "telemarketing": 5,
    }


def _default_per_field() -> dict[str, int]:
    return {"email": 10, "phone": 10, "company": 10}


def _default_per_engagement() -> dict[str, int]:
    return {"call": 5, "meeting": 15, "email": 5, "interested": 25, "not_interested": -30}


@dataclass(frozen=True)
class ScoringRules:
    """Points per source, per contact field present, and per engagement (capped)."""

    by_source: Mapping[str, int] = field(default_factory=_default_by_source)
    per_field: Mapping[str, int] = field(default_factory=_default_per_field)
    per_engagement: Mapping[str, int] = field(default_factory=_default_per_engagement)
    engagement_cap: int = 50

    def score(
        self, source: str, present: Iterable[str], engagements: Mapping[str, int]
    ) -> tuple[int, list[Reason]]:
        reasons: list[Reason] = []
        if points := self.by_source.get(source, 0):
            reasons.append({"points": points, "reason": f"source {source}"})
        for name in sorted(set(present)):
            if points := self.per_field.get(name, 0):
                reasons.append({"points": points, "reason": f"has {name}"})
        engaged = 0
        for kind, count in sorted(engagements.items()):
            if points := self.per_engagement.get(kind, 0) * count:
                engaged += points
                reasons.append({"points": points, "reason": f"{count} x {kind}"})
        if engaged > self.engagement_cap:
            reasons.append(
                {
                    "points": self.engagement_cap - engaged,
                    "reason": f"engagement capped at {self.engagement_cap}",
                }
            )
        return sum(reason["points"] for reason in reasons), reasons
