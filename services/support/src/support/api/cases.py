"""Cases: open, answer, note, assign, move through their lifecycle, rate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from servicekit.idempotency import IdempotencyKey, new_id
from servicekit.problems import Problem
from support.api.dependencies import Agents, App, Readers, Views
from support.api.documents import CasePage, ConversationEntry, Customer, SlaClock
from support.app import now
from support.domain.case import Case, CaseStatus, CaseType, Channel, Priority

routes = APIRouter(tags=["cases"])


class CaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str | None = Field(default=None, max_length=64)
    channel: Channel
    case_type: CaseType
    priority: Priority = Priority.NORMAL
    subject: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    order_id: str | None = Field(default=None, max_length=64)


class ReplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=20_000)
    by_customer: bool = False


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: str = Field(min_length=1, max_length=20_000)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    agent: str = Field(min_length=1, max_length=200)
    team: str | None = Field(default=None, max_length=64)


class StatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: CaseStatus
    reason: str | None = Field(default=None, max_length=500)


class SatisfactionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    score: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=2_000)


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    customer_id: str = Field(min_length=1, max_length=64)


class CaseOut(BaseModel):
    case_id: UUID
    version: int
    status: CaseStatus
    customer_id: str | None
    customer: Customer | None
    channel: Channel
    case_type: CaseType
    priority: Priority
    subject: str
    description: str
    order_id: str | None
    team: str | None
    agent: str | None
    opened_at: datetime
    first_response_at: datetime | None
    resolved_at: datetime | None
    sla: list[SlaClock]
    conversation: list[ConversationEntry]
    satisfaction: int | None

    @classmethod
    def of(cls, case: Case, views: Views) -> CaseOut:
        return cls(
            case_id=case.id,
            version=case.version,
            status=case.status,
            customer_id=case.customer_id,
            customer=_customer(views, case.customer_id),
            channel=case.channel,
            case_type=case.case_type,
            priority=case.priority,
            subject=case.subject,
            description=case.description,
            order_id=case.order_id,
            team=case.team,
            agent=case.agent,
            opened_at=case.created_on,
            first_response_at=case.first_response_at,
            resolved_at=case.resolved_at,
            sla=[
                SlaClock(
                    clock=state.clock.value,
                    target_minutes=state.target.total_seconds() / 60,
                    elapsed_minutes=round(state.elapsed.total_seconds() / 60, 1),
                    due_at=state.due_at,
                    met=state.met,
                    breached=state.breached,
                )
                for state in case.clocks(now())
            ],
            conversation=[ConversationEntry(**entry) for entry in case.conversation],
            satisfaction=case.satisfaction,
        )


def _customer(views: Views, customer_id: str | None) -> Customer | None:
    known = views.customer(customer_id) if customer_id else None
    return Customer(**known) if known else None


def _answer(case: Case, views: Views, response: Response) -> CaseOut:
    response.headers["ETag"] = f'"{case.version}"'
    return CaseOut.of(case, views)


@routes.post("/cases", status_code=status.HTTP_201_CREATED)
def open_case(
    body: CaseIn,
    app: App,
    views: Views,
    _: Agents,
    response: Response,
    key: IdempotencyKey = None,
) -> CaseOut:
    case = app.open_case(
        new_id("case", key),
        body.customer_id,
        body.channel,
        body.case_type,
        body.priority,
        body.subject,
        body.description,
        body.order_id,
        tier=views.tier(body.customer_id) if body.customer_id else None,
        open_cases_of=views.open_cases_by_agent,
    )
    response.headers["Location"] = f"/cases/{case.id}"
    return _answer(case, views, response)


@routes.get("/cases/{case_id}")
def get_case(case_id: UUID, app: App, views: Views, _: Readers, response: Response) -> CaseOut:
    return _answer(app.case(case_id), views, response)


@routes.get("/cases")
def list_cases(
    views: Views,
    _: Readers,
    status: CaseStatus | None = None,
    customer_id: str | None = None,
    queue: Annotated[str | None, Query(description="the team")] = None,
    agent: str | None = None,
    breached: bool | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> CasePage:
    """Newest first; pass ``next`` back as ``cursor`` for the following page."""
    try:
        page = views.cases(
            status=status.value if status else None,
            customer_id=customer_id,
            team=queue,
            agent=agent,
            breached=breached,
            after=cursor,
            limit=limit,
        )
    except ValueError:  # the cursor does not decode: no page of this list gave it
        raise Problem(
            400,
            "Invalid cursor",
            "cursor: not a cursor of this list; pass the `next` a page gave",
            errors=[{"field": "cursor", "message": "not a cursor of this list"}],
        ) from None
    return CasePage(**page)


@routes.post("/cases/{case_id}/replies")
def reply(
    case_id: UUID, body: ReplyIn, app: App, views: Views, who: Agents, response: Response
) -> CaseOut:
    case = app.reply(case_id, who.subject, body.body, body.by_customer)
    return _answer(case, views, response)


@routes.post("/cases/{case_id}/notes")
def add_note(
    case_id: UUID, body: NoteIn, app: App, views: Views, who: Agents, response: Response
) -> CaseOut:
    case = app.add_note(case_id, who.subject, body.body)
    return _answer(case, views, response)


@routes.post("/cases/{case_id}/assign")
def assign(
    case_id: UUID, body: AssignIn, app: App, views: Views, _: Agents, response: Response
) -> CaseOut:
    return _answer(app.assign(case_id, body.agent, body.team), views, response)


@routes.post("/cases/{case_id}/status")
def change_status(
    case_id: UUID, body: StatusIn, app: App, views: Views, _: Agents, response: Response
) -> CaseOut:
    case = app.change_status(case_id, body.status, body.reason)
    return _answer(case, views, response)


@routes.post("/cases/{case_id}/customer")
def link_customer(
    case_id: UUID, body: LinkIn, app: App, views: Views, _: Agents, response: Response
) -> CaseOut:
    case = app.link_customer(case_id, body.customer_id)
    return _answer(case, views, response)


@routes.post("/cases/{case_id}/satisfaction")
def record_satisfaction(
    case_id: UUID, body: SatisfactionIn, app: App, views: Views, _: Readers, response: Response
) -> CaseOut:
    case = app.record_satisfaction(case_id, body.score, body.comment)
    return _answer(case, views, response)
