"""Birthday greetings over HTTP: an admin may run the day's greetings by hand."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel

from loyalty.api import Admins, App
from loyalty.app import utc_now

routes = APIRouter()


class GreetingRunOut(BaseModel):
    on: date
    greeted: list[str]


@routes.post("/greetings/run", tags=["greetings"])
def run_greetings(app: App, _: Admins, on: date | None = None) -> GreetingRunOut:
    """Greet the customers whose birthday is due on ``on`` (today by default); a
    second run the same year greets nobody twice."""
    day = on or utc_now().date()
    return GreetingRunOut(on=day, greeted=app.greet_birthdays(day))
