"""Which domain events analytics publishes, and in which contract shape: its signals."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from analytics.domain.assessment import CustomerAssessment
from contracts import IntegrationEvent
from contracts.signals import ChurnRiskCleared, ChurnRiskRaised, ClvUpdated, SegmentChanged


def to_integration_event(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    match event:
        case CustomerAssessment.SegmentChanged():
            return SegmentChanged(
                customer_id=event.customer_id,
                segment=event.segment,
                previous_segment=event.previous,
                rfm_score=event.rfm,
                assessed_at=event.as_of,
            )
        case CustomerAssessment.ChurnRiskRaised():
            return ChurnRiskRaised(
                customer_id=event.customer_id,
                churn_risk=event.churn_risk,
                threshold=event.threshold,
                assessed_at=event.as_of,
            )
        case CustomerAssessment.ChurnRiskCleared():
            return ChurnRiskCleared(
                customer_id=event.customer_id,
                churn_risk=event.churn_risk,
                threshold=event.threshold,
                assessed_at=event.as_of,
            )
        case CustomerAssessment.ClvUpdated():
            return ClvUpdated(
                customer_id=event.customer_id,
                lifetime_value=max(event.lifetime_value, 0.0),
                previous_lifetime_value=event.previous,
                expected_purchases=max(event.expected_purchases, 0.0),
                probability_alive=event.probability_alive,
                horizon_weeks=event.horizon_weeks,
                assessed_at=event.as_of,
            )
    return None
