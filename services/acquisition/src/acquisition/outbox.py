"""Which domain events acquisition publishes, and in which contract shape."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from acquisition.domain.customer import Customer
from acquisition.domain.lead import Lead
from contracts import IntegrationEvent
from contracts.customers import CustomerProfileChanged, CustomerRegistered
from contracts.leads import LeadCaptured, LeadConverted


def to_integration_event(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    if isinstance(event, Lead.Captured):
        return LeadCaptured(
            lead_id=str(event.originator_id),
            source=str(event.source),
            campaign_id=event.campaign_id,
            first_name=event.first_name,
            last_name=event.last_name,
            email=event.email,
            phone=event.phone,
            company=event.company,
            captured_at=event.timestamp,
        )
    if isinstance(event, Lead.Converted):
        return LeadConverted(
            lead_id=str(event.originator_id),
            customer_id=str(event.customer_id),
            source=str(event.source),
            campaign_id=event.campaign_id,
            converted_at=event.timestamp,
        )
    if isinstance(event, Customer.Registered):
        return CustomerRegistered(
            customer_id=str(event.originator_id),
            first_name=event.first_name,
            last_name=event.last_name,
            email=event.email,
            phone=event.phone,
            company=event.company,
            birthday=event.birthday,
            source=event.source,
            lead_id=str(event.lead_id) if event.lead_id else None,
            campaign_id=event.campaign_id,
            erp_customer_number=event.erp_customer_number,
            registered_at=event.timestamp,
        )
    if isinstance(event, Customer.ErpNumberLinked):
        return CustomerProfileChanged(
            customer_id=str(event.originator_id),
            erp_customer_number=event.erp_customer_number,
            changed_at=event.timestamp,
        )
    return None
