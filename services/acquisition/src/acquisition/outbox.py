"""Which domain events acquisition publishes, and in which contract shape."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from acquisition.domain.activity import Activity
from acquisition.domain.campaign import Campaign
from acquisition.domain.customer import Customer
from acquisition.domain.lead import Lead
from acquisition.domain.opportunity import Opportunity
from contracts import IntegrationEvent
from contracts.activities import ActivityCompleted, ActivityScheduled
from contracts.campaigns import CampaignCostRecorded, CampaignLaunched
from contracts.customers import (
    Consent,
    ConsentsChanged,
    CustomerMerged,
    CustomerProfileChanged,
    CustomerRegistered,
    PostalAddress,
)
from contracts.leads import (
    LeadAssigned,
    LeadCaptured,
    LeadContacted,
    LeadConverted,
    LeadDisqualified,
    LeadDuplicatesFlagged,
    LeadMerged,
    LeadQualified,
    LeadScored,
    PossibleDuplicate,
    ScoreReason,
)
from contracts.opportunities import (
    OpportunityLost,
    OpportunityOpened,
    OpportunityStageChanged,
    OpportunityWon,
)


def to_integration_event(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    lead_event = (
        _lead_lifecycle(event) or _deal_progress(event) or _activity(event) or _campaign(event)
    )
    if lead_event is not None:
        return lead_event
    if isinstance(event, Opportunity.Won):
        return OpportunityWon(
            opportunity_id=str(event.originator_id),
            customer_id=str(event.customer_id),
            title=event.title,
            amount=event.amount,
            currency=event.currency,
            owner=event.owner,
            won_at=event.timestamp,
        )
    if isinstance(event, Opportunity.Lost):
        return OpportunityLost(
            opportunity_id=str(event.originator_id), reason=event.reason, lost_at=event.timestamp
        )
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
    customer_event = _customer_record(event)
    if customer_event is not None:
        return customer_event
    if isinstance(event, Customer.ErpNumberLinked):
        return CustomerProfileChanged(
            customer_id=str(event.originator_id),
            erp_customer_number=event.erp_customer_number,
            changed_at=event.timestamp,
        )
    return None


def _lead_lifecycle(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    lead_id = str(event.originator_id)
    if isinstance(event, Lead.Contacted):
        return LeadContacted(lead_id=lead_id, channel=event.channel, contacted_at=event.timestamp)
    if isinstance(event, Lead.Qualified):
        return LeadQualified(lead_id=lead_id, note=event.note, qualified_at=event.timestamp)
    if isinstance(event, Lead.Disqualified):
        return LeadDisqualified(
            lead_id=lead_id, reason=event.reason, note=event.note, disqualified_at=event.timestamp
        )
    if isinstance(event, Lead.Assigned):
        return LeadAssigned(
            lead_id=lead_id,
            owner=event.owner,
            team=event.team,
            rule=event.rule,
            assigned_at=event.timestamp,
        )
    if isinstance(event, Lead.Scored):
        return LeadScored(
            lead_id=lead_id,
            score=event.score,
            reasons=[ScoreReason(**reason) for reason in event.reasons],
            scored_at=event.timestamp,
        )
    if isinstance(event, Lead.DuplicatesFlagged):
        return LeadDuplicatesFlagged(
            lead_id=lead_id,
            duplicates=[PossibleDuplicate(**duplicate) for duplicate in event.duplicates],
            flagged_at=event.timestamp,
        )
    if isinstance(event, Lead.MergedInto):
        return LeadMerged(
            lead_id=lead_id, survivor_lead_id=str(event.survivor_id), merged_at=event.timestamp
        )
    return None


def _customer_record(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    customer_id = str(event.originator_id)
    if isinstance(event, Customer.ProfileChanged):
        changes = dict(event.changes)
        if "emails" in changes:
            changes["email"] = next(iter(changes["emails"]), None)
        if "phones" in changes:
            changes["phone"] = next(iter(changes["phones"]), None)
        if "addresses" in changes:
            changes["addresses"] = [PostalAddress(**a) for a in changes["addresses"]]
        return CustomerProfileChanged(
            customer_id=customer_id, changed_at=event.timestamp, **changes
        )
    if isinstance(event, Customer.ConsentsChanged):
        return ConsentsChanged(
            customer_id=customer_id,
            consents=[Consent.model_validate(consent) for consent in event.consents],
            changed_at=event.timestamp,
        )
    if isinstance(event, Customer.Absorbed):
        return CustomerMerged(
            customer_id=customer_id,
            merged_customer_id=str(event.customer_id),
            merged_at=event.timestamp,
        )
    return None


def _deal_progress(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    opportunity_id = str(event.originator_id)
    if isinstance(event, Opportunity.Opened):
        return OpportunityOpened(
            opportunity_id=opportunity_id,
            customer_id=str(event.customer_id) if event.customer_id else None,
            lead_id=str(event.lead_id) if event.lead_id else None,
            campaign_id=event.campaign_id,
            title=event.title,
            pipeline=event.pipeline,
            stage=event.stage,
            probability=event.probability,
            amount=event.amount,
            currency=event.currency,
            expected_close=event.expected_close,
            owner=event.owner,
            opened_at=event.timestamp,
        )
    if isinstance(event, Opportunity.StageMoved):
        return OpportunityStageChanged(
            opportunity_id=opportunity_id,
            stage=event.stage,
            probability=event.probability,
            changed_at=event.timestamp,
        )
    return None


def _activity(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    """Completed carries what it is about, so a consumer needs no earlier message."""
    activity_id = str(event.originator_id)
    if isinstance(event, Activity.Scheduled):
        return ActivityScheduled(
            activity_id=activity_id,
            kind=event.kind,
            subject=event.subject,
            regarding=event.regarding,
            regarding_id=str(event.regarding_id),
            owner=event.owner,
            due_at=event.due_at,
            follow_up_of=str(event.follow_up_of) if event.follow_up_of else None,
            scheduled_at=event.timestamp,
        )
    if isinstance(event, Activity.Completed):
        return ActivityCompleted(
            activity_id=activity_id,
            kind=event.kind,
            regarding=event.regarding,
            regarding_id=str(event.regarding_id),
            owner=event.owner,
            outcome=event.outcome,
            callback_at=event.callback_at,
            note=event.note,
            completed_at=event.timestamp,
        )
    return None


def _campaign(event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    """A cost carries the running total, so a consumer never has to add costs up itself."""
    campaign_id = str(event.originator_id)
    if isinstance(event, Campaign.Launched):
        return CampaignLaunched(
            campaign_id=campaign_id,
            name=event.name,
            channel=event.channel,
            starts_on=event.starts_on,
            ends_on=event.ends_on,
            budget=event.budget,
            currency=event.currency,
            launched_at=event.timestamp,
        )
    if isinstance(event, Campaign.CostRecorded):
        return CampaignCostRecorded(
            campaign_id=campaign_id,
            amount=event.amount,
            currency=event.currency,
            incurred_on=event.incurred_on,
            actual_cost=event.actual_cost,
            recorded_at=event.timestamp,
        )
    return None
