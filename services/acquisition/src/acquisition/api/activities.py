"""Activity routes: plan or log tasks, calls, meetings and notes; complete them; the agenda."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, Field

from acquisition.api.common import App, Readers, Sales, Views, located, tagged
from acquisition.app import ActivityDraft, Completion
from acquisition.domain.activity import Activity, ActivityKind, CallOutcome, Regarding
from servicekit.bounds import Day, Moment
from servicekit.idempotency import IdempotencyKey, new_id
from servicekit.preconditions import IfMatch, expected_version

routes = APIRouter(tags=["activities"])


def _utc(moment: datetime | None) -> datetime | None:
    """Agendas are cut in UTC days: a time sent with another offset is moved to UTC."""
    return moment.astimezone(UTC) if moment is not None else None


class CompletionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: CallOutcome | None = Field(default=None, description="calls only")
    callback_at: Moment | None = Field(default=None, description="with outcome call_back")
    note: str | None = Field(default=None, max_length=4000)

    def completion(self) -> Completion:
        return Completion(self.outcome, _utc(self.callback_at), self.note)


class ActivityIn(CompletionIn):
    """Without an outcome a call is planned; with one it is logged as done."""

    kind: ActivityKind
    subject: str = Field(min_length=1, max_length=300)
    regarding: Regarding
    regarding_id: UUID
    owner: str | None = Field(default=None, max_length=200, description="default: the caller")
    due_at: Moment | None = None

    def draft(self, caller: str) -> ActivityDraft:
        return ActivityDraft(
            self.kind,
            self.subject,
            self.regarding,
            self.regarding_id,
            self.owner or caller,
            _utc(self.due_at),
        )


class ActivityOut(BaseModel):
    activity_id: UUID
    version: int
    kind: ActivityKind
    subject: str
    regarding: Regarding
    regarding_id: UUID
    owner: str
    due_at: datetime | None
    done: bool
    outcome: CallOutcome | None
    callback_at: datetime | None
    note: str | None
    follow_up_of: UUID | None
    follow_up_id: UUID | None

    @classmethod
    def of(cls, activity: Activity) -> ActivityOut:
        follow_up = activity.follow_up()
        return cls(
            activity_id=activity.id,
            version=activity.version,
            kind=activity.kind,
            subject=activity.subject,
            regarding=activity.regarding,
            regarding_id=activity.regarding_id,
            owner=activity.owner,
            due_at=activity.due_at,
            done=activity.done,
            outcome=activity.outcome,
            callback_at=activity.callback_at,
            note=activity.note,
            follow_up_of=activity.follow_up_of,
            follow_up_id=follow_up.id if follow_up else None,
        )


class AgendaItem(BaseModel):
    activity_id: str
    kind: str
    subject: str
    regarding: str
    regarding_id: str
    due_at: datetime
    overdue: bool


@routes.post("/activities", status_code=status.HTTP_201_CREATED)
def log_activity(
    body: ActivityIn, app: App, who: Sales, response: Response, key: IdempotencyKey = None
) -> ActivityOut:
    """A call back creates its follow-up task; a call or meeting with a lead engages it."""
    has_completion = body.outcome is not None or body.kind is ActivityKind.NOTE
    done = body.completion() if has_completion else None
    activity = app.log_activity(new_id("activity", key), body.draft(who.subject), done)
    located(response, f"/activities/{activity.id}", activity.version)
    return ActivityOut.of(activity)


@routes.get("/activities/{activity_id}")
def get_activity(activity_id: UUID, app: App, _: Readers, response: Response) -> ActivityOut:
    activity = app.activity(activity_id)
    tagged(response, activity.version)
    return ActivityOut.of(activity)


@routes.post("/activities/{activity_id}/complete")
def complete_activity(
    activity_id: UUID,
    app: App,
    _: Sales,
    response: Response,
    body: CompletionIn | None = None,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ActivityOut:
    done = (body or CompletionIn()).completion()
    activity = app.complete_activity(activity_id, done, key, expected_version(if_match))
    tagged(response, activity.version)
    return ActivityOut.of(activity)


@routes.get("/agenda")
def agenda(
    views: Views,
    who: Readers,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    day: Day | None = None,
) -> list[AgendaItem]:
    """Open items due on ``day`` (UTC, default today) and overdue ones, from the read model."""
    rows: list[dict[str, Any]] = views.agenda(owner or who.subject, day or datetime.now(UTC).date())
    return [AgendaItem(**row) for row in rows]
