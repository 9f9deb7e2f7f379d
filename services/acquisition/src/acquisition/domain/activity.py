"""What reps do with leads, customers and deals: tasks, calls, meetings and notes."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from acquisition.domain.errors import IllegalTransition, InvalidInput


class ActivityKind(StrEnum):
    TASK = "task"
    CALL = "call"
    MEETING = "meeting"
    NOTE = "note"


class CallOutcome(StrEnum):
    NO_ANSWER = "no_answer"
    CALL_BACK = "call_back"
    INTERESTED = "interested"
    NOT_INTERESTED = "not_interested"


class Regarding(StrEnum):
    """What an activity is about."""

    LEAD = "lead"
    CUSTOMER = "customer"
    OPPORTUNITY = "opportunity"


class Activity(Aggregate):
    TOPIC = "acquisition:Activity"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "acquisition:Activity.Created"

    class Scheduled(Aggregate.Created):
        TOPIC = "acquisition:Activity.Scheduled"
        kind: str
        subject: str
        regarding: str
        regarding_id: UUID
        owner: str
        due_at: datetime | None
        follow_up_of: UUID | None

    class Completed(Aggregate.Event):
        """Repeats what the activity is about: published alone, it needs no earlier event."""

        TOPIC = "acquisition:Activity.Completed"
        kind: str
        regarding: str
        regarding_id: UUID
        owner: str
        outcome: str | None
        callback_at: datetime | None
        note: str | None
        request_id: str | None

    @staticmethod
    def follow_up_id(call_id: UUID) -> UUID:
        """The one task a "call back" outcome creates: completing again cannot add another."""
        return uuid5(NAMESPACE_URL, f"/crm/activities/follow-up/{call_id}")

    @event(Scheduled)
    def __init__(
        self,
        id: UUID,
        kind: str,
        subject: str,
        regarding: str,
        regarding_id: UUID,
        owner: str,
        due_at: datetime | None,
        follow_up_of: UUID | None = None,
    ) -> None:
        self.kind = ActivityKind(kind)
        self.subject = subject
        self.regarding = Regarding(regarding)
        self.regarding_id = regarding_id
        self.owner = owner
        self.due_at = due_at
        self.follow_up_of = follow_up_of
        self.done = False
        self.outcome: CallOutcome | None = None
        self.callback_at: datetime | None = None
        self.note: str | None = None
        self.request_ids: set[str] = set()

    def complete(
        self,
        outcome: CallOutcome | None = None,
        callback_at: datetime | None = None,
        note: str | None = None,
        request_id: str | None = None,
    ) -> bool:
        """Done, once; a call says how it went, and "call back" says when."""
        if request_id is not None and request_id in self.request_ids:
            return False
        if self.done:
            raise IllegalTransition(f"activity {self.id} is already completed")
        if outcome is not None and self.kind is not ActivityKind.CALL:
            raise InvalidInput("outcome", f"only a call has an outcome, not a {self.kind.value}")
        if self.kind is ActivityKind.CALL and outcome is None:
            raise InvalidInput("outcome", "a completed call needs its outcome")
        if outcome is CallOutcome.CALL_BACK and callback_at is None:
            raise InvalidInput("callback_at", "a call back needs the time to call back")
        if outcome is not CallOutcome.CALL_BACK and callback_at is not None:
            raise InvalidInput("callback_at", "only a call back has a time to call back")
        self._completed(
            self.kind.value,
            self.regarding.value,
            self.regarding_id,
            self.owner,
            outcome.value if outcome else None,
            callback_at,
            note,
            request_id,
        )
        return True

    @event(Completed)
    def _completed(
        self,
        kind: str,
        regarding: str,
        regarding_id: UUID,
        owner: str,
        outcome: str | None,
        callback_at: datetime | None,
        note: str | None,
        request_id: str | None,
    ) -> None:
        self.done = True
        self.outcome = CallOutcome(outcome) if outcome else None
        self.callback_at = callback_at
        self.note = note
        if request_id is not None:
            self.request_ids.add(request_id)

    def follow_up(self) -> Activity | None:
        """The task to call back, when the call ended so."""
        if self.outcome is not CallOutcome.CALL_BACK:
            return None
        return Activity(
            id=Activity.follow_up_id(self.id),
            kind=ActivityKind.TASK.value,
            subject=f"Call back: {self.subject}",
            regarding=self.regarding.value,
            regarding_id=self.regarding_id,
            owner=self.owner,
            due_at=self.callback_at,
            follow_up_of=self.id,
        )

    def engagements(self) -> list[str]:
        """What a completed activity tells about a lead's interest (scoring engagements).

        A call nobody answered is an attempt, not a contact: it neither marks
        the lead contacted nor scores.
        """
        if self.kind is ActivityKind.MEETING:
            return ["meeting"]
        if self.kind is not ActivityKind.CALL or self.outcome in (None, CallOutcome.NO_ANSWER):
            return []
        if self.outcome in (CallOutcome.INTERESTED, CallOutcome.NOT_INTERESTED):
            return ["call", self.outcome.value]
        return ["call"]
