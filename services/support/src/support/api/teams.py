"""Teams and the channels their queues serve."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from servicekit.problems import Problem
from support.api.dependencies import Admins, App, Readers
from support.domain.case import Channel
from support.domain.teams import Strategy

routes = APIRouter(tags=["teams"])


class TeamIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: list[Channel] = Field(min_length=1)
    agents: list[str] = Field(min_length=1)
    lead: str = Field(min_length=1)
    strategy: Strategy = Strategy.ROUND_ROBIN


@routes.put("/teams/{name}")
def configure_team(name: str, body: TeamIn, app: App, _: Admins) -> dict[str, Any]:
    team = app.configure_team(
        name, [c.value for c in body.channels], body.agents, body.lead, body.strategy.value
    )
    return team.describe()


@routes.get("/teams/{name}")
def get_team(name: str, app: App, _: Readers) -> dict[str, Any]:
    team = app.team_named(name)
    if team is None:
        raise Problem(404, "Not found", f"No team {name}.")
    return team.describe()
