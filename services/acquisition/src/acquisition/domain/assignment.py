"""Who works a new lead: a team by territory or source, then round-robin within the team."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


@dataclass(frozen=True)
class AssignmentRules:
    """Territory (ISO country) wins over source; ``default_team`` takes the rest."""

    teams: Mapping[str, Sequence[str]] = field(default_factory=dict)
    by_territory: Mapping[str, str] = field(default_factory=dict)
    by_source: Mapping[str, str] = field(default_factory=dict)
    default_team: str | None = None

    def team_for(self, country: str | None, source: str) -> tuple[str, str] | None:
        """The team and the rule that chose it, or None when no team has members."""
        if country and country in self.by_territory:
            choice = (self.by_territory[country], f"territory {country}")
        elif source in self.by_source:
            choice = (self.by_source[source], f"source {source}")
        elif self.default_team:
            choice = (self.default_team, "default team")
        else:
            return None
        return choice if self.teams.get(choice[0]) else None


class Rotation(Aggregate):
    """A team's round-robin: whose turn it is, kept so every replica agrees."""

    TOPIC = "acquisition:Rotation"

    class Created(Aggregate.Created):
        TOPIC = "acquisition:Rotation.Created"
        team: str

    class TurnTaken(Aggregate.Event):
        TOPIC = "acquisition:Rotation.TurnTaken"
        member: str

    @staticmethod
    def create_id(team: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/crm/teams/{team}/rotation")

    def __init__(self, team: str) -> None:
        self.team = team
        self.turns = 0

    def next_member(self, members: Sequence[str]) -> str:
        member = members[self.turns % len(members)]
        self._turn_taken(member)
        return member

    @event(TurnTaken)
    def _turn_taken(self, member: str) -> None:
        self.turns += 1
