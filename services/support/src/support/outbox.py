"""Which domain events support publishes, and in which contract shape."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from contracts import IntegrationEvent
from contracts.cases import (
    CaseAssigned,
    CaseCustomerLinked,
    CaseOpened,
    CasePriorityRaised,
    CaseReplied,
    CaseSlaBreached,
    CaseSlaWarning,
    CaseStatusChanged,
    SatisfactionRecorded,
)
from contracts.notifications import NotificationRequested
from support.domain.case import Case
from support.domain.notice import Notice


def to_integration_event(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    case_id = str(event.originator_id)
    match event:
        case Case.Opened():
            return CaseOpened(
                case_id=case_id,
                customer_id=event.customer_id,
                channel=event.channel,  # type: ignore[arg-type]
                case_type=event.case_type,  # type: ignore[arg-type]
                priority=event.priority,  # type: ignore[arg-type]
                subject=event.subject,
                order_id=event.order_id,
                opened_at=event.timestamp,
            )
        case Case.Assigned():
            return CaseAssigned(
                case_id=case_id, agent=event.agent, team=event.team, assigned_at=event.timestamp
            )
        case Case.CustomerLinked():
            return CaseCustomerLinked(
                case_id=case_id, customer_id=event.customer_id, linked_at=event.timestamp
            )
        case Case.Replied():
            return CaseReplied(
                case_id=case_id,
                by_customer=event.by_customer,
                author=event.author,
                first_response=event.first_response,
                replied_at=event.at,
            )
        case Case.StatusChanged():
            return CaseStatusChanged(
                case_id=case_id,
                status=event.status,  # type: ignore[arg-type]
                reason=event.reason,
                changed_at=event.at,
            )
        case Case.PriorityRaised():
            return CasePriorityRaised(
                case_id=case_id,
                priority=event.priority,  # type: ignore[arg-type]
                reason=event.reason,
                raised_at=event.timestamp,
            )
        case Case.SlaWarned():
            return CaseSlaWarning(
                case_id=case_id,
                clock=event.clock,  # type: ignore[arg-type]
                due_at=event.due_at,
                warned_at=event.timestamp,
            )
        case Case.SlaBreached():
            return CaseSlaBreached(
                case_id=case_id,
                clock=event.clock,  # type: ignore[arg-type]
                breached_at=event.timestamp,
            )
        case Case.SurveyRequested():
            return NotificationRequested(
                notification_id=str(Notice.id_for("survey", case_id)),
                customer_id=event.customer_id,
                purpose="service",
                template="satisfaction_survey",
                parameters={"case_id": case_id},
                requested_by="support",
                requested_at=event.timestamp,
            )
        case Notice.Requested():
            return NotificationRequested(
                notification_id=case_id,
                customer_id=event.customer_id,
                purpose=event.purpose,  # type: ignore[arg-type]
                template=event.template,
                parameters=event.parameters,
                requested_by="support",
                requested_at=event.timestamp,
            )
        case Case.SatisfactionRecorded():
            return SatisfactionRecorded(
                case_id=case_id,
                customer_id=event.customer_id,
                case_type=event.case_type,  # type: ignore[arg-type]
                score=event.score,
                comment=event.comment,
                save_offer_requested=event.save_offer_requested,
                recorded_at=event.timestamp,
            )
    return None
