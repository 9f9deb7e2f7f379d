"""A support case (ticket): a customer's question or problem, from any channel."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from support.domain.errors import IllegalTransition
from support.domain.sla import Clock, ClockState, SlaPolicy, clock_state


class Channel(StrEnum):
    PHONE = "phone"
    EMAIL = "email"
    WEB = "web"
    CHAT = "chat"
    STORE = "store"
    SOCIAL = "social"


class CaseType(StrEnum):
    PRE_PURCHASE = "pre_purchase"
    ORDER_STATUS = "order_status"
    COMPLAINT = "complaint"
    RETURN = "return"
    BILLING = "billing"
    TECHNICAL = "technical"


class Priority(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"
    RESOLVED = "resolved"
    CLOSED = "closed"


REOPEN_WITHIN = timedelta(days=7)  # by default a reply within a week reopens a resolved case
LOW_SCORE = 2  # satisfaction at or below this on a complaint calls for a save offer

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.NEW: frozenset({CaseStatus.OPEN, CaseStatus.PENDING, CaseStatus.RESOLVED}),
    CaseStatus.OPEN: frozenset({CaseStatus.PENDING, CaseStatus.RESOLVED}),
    CaseStatus.PENDING: frozenset({CaseStatus.OPEN, CaseStatus.RESOLVED}),
    CaseStatus.RESOLVED: frozenset({CaseStatus.CLOSED, CaseStatus.OPEN}),
    CaseStatus.CLOSED: frozenset(),
}


class Case(Aggregate):
    TOPIC = "support:Case"  # pinned, like every event below: stored events survive renames

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "support:Case.Created"

    class Opened(Aggregate.Created):
        TOPIC = "support:Case.Opened"
        customer_id: str | None
        channel: str
        case_type: str
        priority: str
        subject: str
        description: str
        order_id: str | None

    class SlaApplied(Aggregate.Event):
        TOPIC = "support:Case.SlaApplied"
        policy: dict[str, Any]
        started_at: datetime

    class Assigned(Aggregate.Event):
        TOPIC = "support:Case.Assigned"
        agent: str
        team: str | None

    class Replied(Aggregate.Event):
        TOPIC = "support:Case.Replied"
        author: str
        by_customer: bool
        first_response: bool
        body: str
        at: datetime

    class NoteAdded(Aggregate.Event):
        TOPIC = "support:Case.NoteAdded"
        author: str
        body: str
        at: datetime

    class StatusChanged(Aggregate.Event):
        TOPIC = "support:Case.StatusChanged"
        status: str
        reason: str | None
        at: datetime

    class CustomerLinked(Aggregate.Event):
        TOPIC = "support:Case.CustomerLinked"
        customer_id: str

    class PriorityRaised(Aggregate.Event):
        TOPIC = "support:Case.PriorityRaised"
        priority: str
        reason: str

    class SlaWarned(Aggregate.Event):
        TOPIC = "support:Case.SlaWarned"
        clock: str
        due_at: datetime | None

    class SlaBreached(Aggregate.Event):
        TOPIC = "support:Case.SlaBreached"
        clock: str

    class SurveyRequested(Aggregate.Event):
        TOPIC = "support:Case.SurveyRequested"
        customer_id: str

    class SatisfactionRecorded(Aggregate.Event):
        TOPIC = "support:Case.SatisfactionRecorded"
        customer_id: str | None
        case_type: str
        score: int
        comment: str | None
        save_offer_requested: bool

    @event(Opened)
    def __init__(
        self,
        id: UUID,
        customer_id: str | None,
        channel: str,
        case_type: str,
        priority: str,
        subject: str,
        description: str,
        order_id: str | None,
    ) -> None:
        self.customer_id = customer_id
        self.channel = Channel(channel)
        self.case_type = CaseType(case_type)
        self.priority = Priority(priority)
        self.subject = subject
        self.description = description
        self.order_id = order_id
        self.status = CaseStatus.NEW
        self.agent: str | None = None
        self.team: str | None = None
        self.policy: SlaPolicy | None = None
        self.sla_started_at: datetime | None = None
        self.pauses: list[tuple[datetime, datetime | None]] = []
        self.first_response_at: datetime | None = None
        self.resolved_at: datetime | None = None
        self.conversation: list[dict[str, Any]] = []
        self.satisfaction: int | None = None
        self.surveyed = False
        self.satisfaction_comment: str | None = None
        self.warned: set[str] = set()
        self.breached: set[str] = set()

    # SLA

    @event(SlaApplied)
    def apply_sla(self, policy: dict[str, Any], started_at: datetime) -> None:
        self.policy = SlaPolicy.from_dict(policy)
        self.sla_started_at = started_at

    def clocks(self, now: datetime) -> list[ClockState]:
        """First response and resolution clocks at ``now`` (paused while pending)."""
        if self.policy is None or self.sla_started_at is None:
            return []
        return [
            clock_state(
                self.policy,
                Clock.FIRST_RESPONSE,
                self.sla_started_at,
                self.pauses,
                self.first_response_at,
                now,
            ),
            clock_state(
                self.policy,
                Clock.RESOLUTION,
                self.sla_started_at,
                self.pauses,
                self.resolved_at,
                now,
            ),
        ]

    def watch_sla(self, now: datetime) -> list[Clock]:
        """Record each clock's warning and breach once; return the clocks newly breached."""
        newly_breached = []
        for state in self.clocks(now):
            name = state.clock.value
            if state.breached and name not in self.breached:
                self._sla_breached(name)
                newly_breached.append(state.clock)
            elif state.warning and name not in self.warned:
                self._sla_warned(name, state.due_at)
        return newly_breached

    @event(SlaWarned)
    def _sla_warned(self, clock: str, due_at: datetime | None) -> None:
        self.warned.add(clock)

    @event(SlaBreached)
    def _sla_breached(self, clock: str) -> None:
        self.breached.add(clock)

    def escalate(self, reason: str) -> None:
        """Raise the priority one step (urgent stays urgent)."""
        order = list(Priority)
        higher = order[min(order.index(self.priority) + 1, len(order) - 1)]
        if higher is not self.priority:
            self._priority_raised(higher.value, reason)

    @event(PriorityRaised)
    def _priority_raised(self, priority: str, reason: str) -> None:
        self.priority = Priority(priority)

    # work on the case

    @event(Assigned)
    def assign(self, agent: str, team: str | None) -> None:
        self.agent = agent
        self.team = team

    def link_customer(self, customer_id: str) -> None:
        """An unknown contact's case joins the customer it turned out to be."""
        if self.customer_id == customer_id:
            return
        if self.customer_id is not None:
            raise IllegalTransition(f"case {self.id} belongs to customer {self.customer_id}")
        self._customer_linked(customer_id)

    @event(CustomerLinked)
    def _customer_linked(self, customer_id: str) -> None:
        self.customer_id = customer_id

    def reply(
        self,
        author: str,
        body: str,
        at: datetime,
        by_customer: bool = False,
        reopen_within: timedelta = REOPEN_WITHIN,
    ) -> None:
        """A public reply; the customer's answer resumes a pending case or reopens one
        resolved less than ``reopen_within`` ago (later, it is a new case's business)."""
        self._refuse_when_closed()
        first = not by_customer and self.first_response_at is None
        self._replied(author, by_customer, first, body, at)
        if by_customer and self.status is CaseStatus.PENDING:
            self.change_status(CaseStatus.OPEN, at, "the customer answered")
        elif by_customer and self.status is CaseStatus.RESOLVED:
            if self.resolved_at is not None and at - self.resolved_at <= reopen_within:
                self.change_status(CaseStatus.OPEN, at, "the customer wrote again")
        elif not by_customer and self.status is CaseStatus.NEW:
            self.change_status(CaseStatus.OPEN, at, "first response")

    @event(Replied)
    def _replied(
        self, author: str, by_customer: bool, first_response: bool, body: str, at: datetime
    ) -> None:
        if first_response:
            self.first_response_at = at
        self.conversation.append(
            {"kind": "reply", "author": author, "by_customer": by_customer, "body": body, "at": at}
        )

    def add_note(self, author: str, body: str, at: datetime) -> None:
        self._refuse_when_closed()
        self._note_added(author, body, at)

    @event(NoteAdded)
    def _note_added(self, author: str, body: str, at: datetime) -> None:
        self.conversation.append({"kind": "note", "author": author, "body": body, "at": at})

    def change_status(self, status: CaseStatus, at: datetime, reason: str | None = None) -> None:
        if status is self.status:
            return
        if status not in TRANSITIONS[self.status]:
            raise IllegalTransition(f"a {self.status.value} case cannot become {status.value}")
        self._status_changed(status.value, reason, at)
        if status is CaseStatus.RESOLVED and self.customer_id and not self.surveyed:
            self._survey_requested(self.customer_id)

    @event(SurveyRequested)
    def _survey_requested(self, customer_id: str) -> None:
        """After resolution, ask the customer how we did (once per case)."""
        self.surveyed = True

    @event(StatusChanged)
    def _status_changed(self, status: str, reason: str | None, at: datetime) -> None:
        new = CaseStatus(status)
        if new is CaseStatus.PENDING:
            self.pauses.append((at, None))
        elif self.status is CaseStatus.PENDING and self.pauses:
            self.pauses[-1] = (self.pauses[-1][0], at)
        if new is CaseStatus.RESOLVED:
            self.resolved_at = at
        elif new is CaseStatus.OPEN:
            self.resolved_at = None
        self.status = new

    def record_satisfaction(self, score: int, comment: str | None) -> bool:
        """Record the customer's score once, after resolution; True when it calls for a
        save offer (a low score on a complaint)."""
        if self.status not in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            raise IllegalTransition("satisfaction is asked once the case is resolved")
        if self.satisfaction is not None:
            raise IllegalTransition("satisfaction was already recorded for this case")
        if not 1 <= score <= 5:
            raise ValueError("a satisfaction score is from 1 to 5")
        save_offer = self.case_type is CaseType.COMPLAINT and score <= LOW_SCORE
        self._satisfaction_recorded(
            self.customer_id, self.case_type.value, score, comment, save_offer
        )
        return save_offer

    @event(SatisfactionRecorded)
    def _satisfaction_recorded(
        self,
        customer_id: str | None,
        case_type: str,
        score: int,
        comment: str | None,
        save_offer_requested: bool,
    ) -> None:
        self.satisfaction = score
        self.satisfaction_comment = comment

    def _refuse_when_closed(self) -> None:
        if self.status is CaseStatus.CLOSED:
            raise IllegalTransition(f"case {self.id} is closed")
