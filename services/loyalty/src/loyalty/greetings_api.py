"""Birthday greetings over HTTP: an admin may run the day's greetings by hand."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel

from loyalty.api import Admins, App
from loyalty.app import utc_now
from servicekit import jobs
from servicekit.bounds import Day
from servicekit.jobs import Job, Progress

routes = APIRouter()


class GreetingRunOut(BaseModel):
    on: date
    greeted: list[str]


@routes.post("/greetings/run", tags=["greetings"], status_code=status.HTTP_202_ACCEPTED)
def run_greetings(
    request: Request, response: Response, app: App, principal: Admins, on: Day | None = None
) -> Job:
    """Greet the customers whose birthday is due on ``on`` (today by default); a
    second run the same year greets nobody twice.

    Answers 202 with a job to follow at its Location; its result is a GreetingRunOut."""
    day = on or utc_now().date()

    def greet(progress: Progress) -> GreetingRunOut:
        return GreetingRunOut(on=day, greeted=app.greet_birthdays(day, progress=progress))

    return jobs.start(request, response, "birthday-greetings", greet, principal)
