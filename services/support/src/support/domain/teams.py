"""Teams and their queues: which agent gets a new case."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class Strategy(StrEnum):
    ROUND_ROBIN = "round_robin"
    LEAST_LOADED = "least_loaded"


class Team(Aggregate):
    """A queue: the channels it serves, its agents, its lead (for escalations)."""

    TOPIC = "support:Team"

    class Created(Aggregate.Created):
        TOPIC = "support:Team.Created"

    class Configured(Aggregate.Created):
        TOPIC = "support:Team.Configured"
        name: str
        channels: list[str]
        agents: list[str]
        lead: str
        strategy: str

    class Reconfigured(Aggregate.Event):
        TOPIC = "support:Team.Reconfigured"
        channels: list[str]
        agents: list[str]
        lead: str
        strategy: str

    class AgentChosen(Aggregate.Event):
        TOPIC = "support:Team.AgentChosen"
        agent: str

    @staticmethod
    def id_for(name: str) -> UUID:
        return uuid5(NAMESPACE_URL, f"/crm/support/teams/{name}")

    @event(Configured)
    def __init__(
        self,
        id: UUID,
        name: str,
        channels: list[str],
        agents: list[str],
        lead: str,
        strategy: str,
    ) -> None:
        self.name = name
        self._set(channels, agents, lead, strategy)
        self.last_agent: str | None = None

    def reconfigure(self, channels: list[str], agents: list[str], lead: str, strategy: str) -> None:
        self._reconfigured(channels, agents, lead, strategy)

    @event(Reconfigured)
    def _reconfigured(
        self, channels: list[str], agents: list[str], lead: str, strategy: str
    ) -> None:
        self._set(channels, agents, lead, strategy)

    def _set(self, channels: list[str], agents: list[str], lead: str, strategy: str) -> None:
        if not agents:
            raise ValueError("a team needs at least one agent")
        self.channels = list(channels)
        self.agents = list(agents)
        self.lead = lead
        self.strategy = Strategy(strategy)

    def choose_agent(self, open_cases: Mapping[str, int]) -> str:
        """Round robin over the agents, or the one with fewest open cases (ties: list order)."""
        if self.strategy is Strategy.LEAST_LOADED:
            agent = min(self.agents, key=lambda name: open_cases.get(name, 0))
        else:
            after = self.agents.index(self.last_agent) + 1 if self.last_agent in self.agents else 0
            agent = self.agents[after % len(self.agents)]
        self._agent_chosen(agent)
        return agent

    @event(AgentChosen)
    def _agent_chosen(self, agent: str) -> None:
        self.last_agent = agent

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "channels": self.channels,
            "agents": self.agents,
            "lead": self.lead,
            "strategy": self.strategy.value,
            "version": self.version,
        }


class Routing(Aggregate):
    """Which team's queue each channel feeds (one routing table per company)."""

    TOPIC = "support:Routing"
    ID = uuid5(NAMESPACE_URL, "/crm/support/routing")

    class Created(Aggregate.Created):
        TOPIC = "support:Routing.Created"

    class Started(Aggregate.Created):
        TOPIC = "support:Routing.Started"

    class ChannelsRouted(Aggregate.Event):
        TOPIC = "support:Routing.ChannelsRouted"
        team: str
        channels: list[str]

    @event(Started)
    def __init__(self, id: UUID) -> None:
        self.teams: dict[str, str] = {}

    @event(ChannelsRouted)
    def route(self, team: str, channels: list[str]) -> None:
        """The team takes these channels (from any team that had them)."""
        for channel in channels:
            self.teams[channel] = team
