"""Teams and the channels their queues serve."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from servicekit.problems import Problem
from support.api.dependencies import Admins, App, Readers
from support.api.documents import Team
from support.domain.case import Channel
from support.domain.teams import Strategy

routes = APIRouter(tags=["teams"])

TeamName = Annotated[str, Path(min_length=1, max_length=64)]
Agent = Annotated[str, Field(min_length=1, max_length=200)]


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: list[Channel] = Field(min_length=1)
    agents: list[Agent] = Field(min_length=1, max_length=1000)
    lead: Agent
    strategy: Strategy = Strategy.ROUND_ROBIN


@routes.put("/teams/{name}")
def configure_team(name: TeamName, body: TeamIn, app: App, _: Admins) -> Team:
    team = app.configure_team(
        name, [c.value for c in body.channels], body.agents, body.lead, body.strategy.value
    )
    return Team(**team.describe())


@routes.get("/teams/{name}")
def get_team(name: TeamName, app: App, _: Readers) -> Team:
    team = app.team_named(name)
    if team is None:
        raise Problem(404, "Not found", f"No team {name}.")
    return Team(**team.describe())
