"""Acquisition's commands: get, call, save."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import partial
from typing import Any, ClassVar, Protocol, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.domain import MutableOrImmutableAggregate

from acquisition.domain.activity import (
    Activity,
    ActivityKind,
    CallOutcome,
    Regarding,
)
from acquisition.domain.assignment import AssignmentRules, Rotation
from acquisition.domain.campaign import Campaign, Channel
from acquisition.domain.consent import Consent
from acquisition.domain.contact import normalize_email, normalize_phone, region_of_phone
from acquisition.domain.customer import Customer
from acquisition.domain.duplicates import ContactCard, find_duplicates
from acquisition.domain.errors import IllegalTransition, InvalidInput
from acquisition.domain.lead import OPEN, DisqualificationReason, Lead, LeadSource
from acquisition.domain.opportunity import LossReason, Opportunity, Pipelines
from acquisition.domain.scoring import ScoringRules
from servicekit.eventstore import ServiceApplication
from servicekit.idempotency import ensure_same_request
from servicekit.preconditions import check_version

Record = TypeVar("Record", Lead, Customer)
Changed = TypeVar("Changed", Lead, Customer, Opportunity, Campaign, Activity)

#: A team's rotation records every lead it assigns; loading it replays at most this many events.
ROTATION_SNAPSHOT_INTERVAL = 50
#: A campaign records every cost booked on it (an always-on campaign books one a day, for years).
CAMPAIGN_SNAPSHOT_INTERVAL = 50


class ContactDirectory(Protocol):
    """Leads and customers that may be the same person as ``card`` (a read model)."""

    def look_alikes(self, card: ContactCard) -> Sequence[ContactCard]: ...


class NoDirectory:
    def look_alikes(self, card: ContactCard) -> Sequence[ContactCard]:
        return ()


@dataclass(frozen=True)
class Policy:
    """How this company works its leads: configured in settings, applied by the domain."""

    default_phone_region: str = "US"
    scoring: ScoringRules = field(default_factory=ScoringRules)
    assignment: AssignmentRules = field(default_factory=AssignmentRules)
    pipelines: Pipelines = field(default_factory=Pipelines)


@dataclass(frozen=True)
class ActivityDraft:
    kind: ActivityKind
    subject: str
    regarding: Regarding
    regarding_id: UUID
    owner: str
    due_at: datetime | None = None


@dataclass(frozen=True)
class Completion:
    outcome: CallOutcome | None = None
    callback_at: datetime | None = None
    note: str | None = None


@dataclass(frozen=True)
class CampaignPlan:
    name: str
    channel: Channel
    starts_on: date
    ends_on: date | None
    budget: Decimal
    currency: str


@dataclass(frozen=True)
class OpportunityDraft:
    title: str
    amount: Decimal
    currency: str
    owner: str | None = None
    pipeline: str | None = None
    stage: str | None = None
    expected_close: date | None = None


def _distinct(values: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(value for value in values if value))


class Acquisition(ServiceApplication):
    """Every command decides on the state as it stands and, when another writer saved the
    same aggregate first (a team's rotation, a campaign's costs, a lead an activity just
    engaged), decides again: a client sees a conflict only for its own stale If-Match, and
    a retried command (Idempotency-Key, an id that exists) is recognised on every attempt."""

    name = "acquisition"
    snapshotting_intervals: ClassVar = {
        Rotation: ROTATION_SNAPSHOT_INTERVAL,
        Campaign: CAMPAIGN_SNAPSHOT_INTERVAL,
    }

    def __init__(
        self,
        env: dict[str, str] | None = None,
        policy: Policy | None = None,
        directory: ContactDirectory | None = None,
    ) -> None:
        super().__init__(env)
        self.policy = policy or Policy()
        self.directory: ContactDirectory = directory or NoDirectory()

    def _decide(
        self,
        aggregate: MutableOrImmutableAggregate[UUID],
        expected_version: int | None,
        decision: Callable[[], bool],
    ) -> bool:
        """Apply ``decision``; a change must have been decided on the current version."""
        before = aggregate.version
        if not decision():
            return False
        check_version(before, expected_version)
        return True

    def _change(
        self,
        kind: type[Changed],
        aggregate_id: UUID,
        expected_version: int | None,
        decision: Callable[[Changed], bool],
    ) -> Changed:
        """Apply ``decision`` to the aggregate as it stands and save what it changed."""

        def attempt() -> Changed:
            aggregate = self.fetch(kind, aggregate_id)
            if self._decide(aggregate, expected_version, lambda: decision(aggregate)):
                self.save(aggregate)
            return aggregate

        return self.retrying(attempt)

    # leads

    def capture_lead(
        self,
        lead_id: UUID,
        first_name: str,
        last_name: str,
        email: str | None,
        phone: str | None,
        company: str | None,
        source: LeadSource,
        campaign_id: str | None = None,
        country: str | None = None,
    ) -> Lead:
        """Capture with clean contact data, then score, flag look-alikes and assign, atomically."""
        phone = normalize_phone(phone, self.policy.default_phone_region)
        request: dict[str, Any] = {
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            "email": normalize_email(email),
            "phone": phone,
            "company": company.strip() if company else None,
            "source": source,
            "campaign_id": campaign_id,
            "country": (country or region_of_phone(phone) or "").upper() or None,
        }

        def attempt() -> Lead:
            if lead_id in self.repository:
                existing = self.lead(lead_id)
                ensure_same_request(existing, request)
                return existing
            lead = Lead(id=lead_id, **request)
            lead.rescore(self.policy.scoring)
            lead.flag_duplicates(find_duplicates(lead.card, self.directory.look_alikes(lead.card)))
            rotation = self._assign_by_rules(lead)
            self.save(lead, *([rotation] if rotation else []))
            return lead

        return self.retrying(attempt)

    def _assign_by_rules(self, lead: Lead, request_id: str | None = None) -> Rotation | None:
        chosen = self.policy.assignment.team_for(lead.country, lead.source.value)
        if chosen is None:
            return None
        team, rule = chosen
        rotation = self._rotation(team)
        owner = rotation.next_member(self.policy.assignment.teams[team])
        lead.assign(owner, team, f"round-robin in {team} by {rule}", request_id)
        return rotation

    def _rotation(self, team: str) -> Rotation:
        rotation_id = Rotation.create_id(team)
        if rotation_id in self.repository:
            rotation: Rotation = self.repository.get(rotation_id)
            return rotation
        return Rotation(team=team)

    def lead(self, lead_id: UUID) -> Lead:
        return self.fetch(Lead, lead_id)

    def contact_lead(
        self,
        lead_id: UUID,
        channel: str,
        request_id: str | None = None,
        expected_version: int | None = None,
    ) -> Lead:
        return self._change(
            Lead, lead_id, expected_version, lambda lead: lead.contact(channel, request_id)
        )

    def qualify_lead(
        self,
        lead_id: UUID,
        note: str | None = None,
        request_id: str | None = None,
        expected_version: int | None = None,
    ) -> Lead:
        return self._change(
            Lead, lead_id, expected_version, lambda lead: lead.qualify(note, request_id)
        )

    def disqualify_lead(
        self,
        lead_id: UUID,
        reason: DisqualificationReason,
        note: str | None = None,
        request_id: str | None = None,
        expected_version: int | None = None,
    ) -> Lead:
        return self._change(
            Lead, lead_id, expected_version, lambda lead: lead.disqualify(reason, note, request_id)
        )

    def assign_lead(
        self,
        lead_id: UUID,
        owner: str | None,
        request_id: str | None = None,
        expected_version: int | None = None,
    ) -> Lead:
        """To ``owner`` (manual reassignment), or by the assignment rules when None."""

        def attempt() -> Lead:
            lead = self.lead(lead_id)
            rotations: list[Rotation] = []

            def decide() -> bool:
                if owner is not None:
                    return lead.assign(owner, None, "manual", request_id)
                rotation = self._assign_by_rules(lead, request_id)
                if rotation is None:
                    raise IllegalTransition("no assignment rule names a team with members")
                rotations.append(rotation)
                return True

            if self._decide(lead, expected_version, decide):
                self.save(lead, *rotations)
            return lead

        return self.retrying(attempt)

    def record_engagement(self, lead_id: UUID, kind: str, channel: str) -> Lead:
        """An activity with the lead: it is contacted by now and its score may move."""

        def engaging(lead: Lead) -> bool:
            lead.engage(kind)
            lead.contact(channel)
            lead.rescore(self.policy.scoring)
            return True

        return self._change(Lead, lead_id, None, engaging)

    def merge_leads(
        self,
        survivor_id: UUID,
        duplicate_id: UUID,
        request_id: str | None = None,
        expected_version: int | None = None,
    ) -> Lead:

        def attempt() -> Lead:
            survivor = self.lead(survivor_id)
            duplicate = self._duplicate(Lead, duplicate_id)
            absorbing = partial(survivor.absorb, duplicate, request_id)
            if self._decide(survivor, expected_version, absorbing):
                duplicate.merge_into(survivor.id)
                survivor.rescore(self.policy.scoring)
                self.save(survivor, duplicate)
            return survivor

        return self.retrying(attempt)

    def convert_lead(
        self,
        lead_id: UUID,
        request_id: str | None = None,
        expected_version: int | None = None,
        open_opportunity: OpportunityDraft | None = None,
    ) -> tuple[Customer, Opportunity | None]:
        """The lead becomes a customer (and a deal when asked); a retry finds both again."""
        customer_id = Customer.id_for_lead(lead_id)
        opportunity_id = Opportunity.id_for_lead(lead_id)

        def attempt() -> tuple[Customer, Opportunity | None]:
            lead = self.lead(lead_id)
            converting = partial(lead.convert, customer_id, request_id)
            if not self._decide(lead, expected_version, converting):
                opened = None
                if opportunity_id in self.repository:
                    opened = self.opportunity(opportunity_id)
                return self.customer(customer_id), opened
            customer = Customer(
                id=customer_id,
                first_name=lead.first_name,
                last_name=lead.last_name,
                email=lead.email,
                phone=lead.phone,
                company=lead.company,
                birthday=None,
                source=lead.source.value,
                lead_id=lead.id,
                campaign_id=lead.campaign_id,
            )
            opportunity = None
            if open_opportunity is not None:
                draft = open_opportunity
                opportunity = Opportunity.open(
                    opportunity_id,
                    self.policy.pipelines.get(draft.pipeline),
                    title=draft.title,
                    amount=draft.amount,
                    currency=draft.currency,
                    owner=draft.owner or lead.owner or "unassigned",
                    customer_id=customer_id,
                    lead_id=lead.id,
                    stage=draft.stage,
                    expected_close=draft.expected_close,
                    campaign_id=lead.campaign_id,
                )
            self.save(lead, customer, *([opportunity] if opportunity else []))
            return customer, opportunity

        return self.retrying(attempt)

    # customers

    def register_customer(
        self,
        customer_id: UUID,
        first_name: str,
        last_name: str,
        email: str | None,
        phone: str | None,
        company: str | None,
        birthday: date | None,
        source: str,
        erp_customer_number: str | None = None,
    ) -> Customer:
        request: dict[str, Any] = {
            "first_name": first_name,
            "last_name": last_name,
            "email": normalize_email(email),
            "phone": normalize_phone(phone, self.policy.default_phone_region),
            "company": company,
            "birthday": birthday,
            "source": source,
            "erp_customer_number": erp_customer_number,
        }
        return self.retrying(partial(self.create_once, Customer, customer_id, request))

    def change_customer_profile(
        self,
        customer_id: UUID,
        changes: dict[str, Any],
        expected_version: int | None = None,
    ) -> Customer:
        """Replace the given fields, contact data normalized like a lead's."""
        region = self.policy.default_phone_region
        clean = dict(changes)
        if "emails" in clean:
            clean["emails"] = _distinct(normalize_email(e, "emails") for e in clean["emails"])
        if "phones" in clean:
            clean["phones"] = _distinct(
                normalize_phone(p, region, "phones") for p in clean["phones"]
            )

        def changing(customer: Customer) -> bool:
            return customer.change_profile(clean)

        return self._change(Customer, customer_id, expected_version, changing)

    def give_consents(
        self,
        customer_id: UUID,
        consents: Sequence[Consent],
        expected_version: int | None = None,
    ) -> Customer:

        def giving(customer: Customer) -> bool:
            return customer.give_consents(consents)

        return self._change(Customer, customer_id, expected_version, giving)

    def merge_customers(
        self,
        survivor_id: UUID,
        duplicate_id: UUID,
        request_id: str | None = None,
        expected_version: int | None = None,
    ) -> Customer:
        """One person, two records: the survivor keeps both; the merge is published."""

        def attempt() -> Customer:
            survivor = self.customer(survivor_id)
            duplicate = self._duplicate(Customer, duplicate_id)
            absorbing = partial(survivor.absorb, duplicate, request_id)
            if self._decide(survivor, expected_version, absorbing):
                duplicate.merge_into(survivor.id)
                self.save(survivor, duplicate)
            return survivor

        return self.retrying(attempt)

    def _duplicate(self, kind: type[Record], duplicate_id: UUID) -> Record:
        """The record a merge names in its request: one it cannot find is a refused
        field of the request, the record the path names being there."""
        try:
            return self.fetch(kind, duplicate_id)
        except AggregateNotFoundError:
            name = kind.__name__.lower()
            raise InvalidInput("duplicate_id", f"no {name} {duplicate_id} is known") from None

    def customer(self, customer_id: UUID) -> Customer:
        return self.fetch(Customer, customer_id)

    # opportunities

    def open_opportunity(
        self, opportunity_id: UUID, customer_id: UUID, draft: OpportunityDraft, owner: str
    ) -> Opportunity:
        request: dict[str, Any] = {
            "title": draft.title,
            "customer_id": customer_id,
            "amount": draft.amount,
            "currency": draft.currency,
        }

        def attempt() -> Opportunity:
            if opportunity_id in self.repository:
                existing = self.opportunity(opportunity_id)
                ensure_same_request(existing, request)
                return existing
            self.customer(customer_id)  # 404 for a customer the CRM does not know
            opportunity = Opportunity.open(
                opportunity_id,
                self.policy.pipelines.get(draft.pipeline),
                title=draft.title,
                amount=draft.amount,
                currency=draft.currency,
                owner=draft.owner or owner,
                customer_id=customer_id,
                stage=draft.stage,
                expected_close=draft.expected_close,
            )
            self.save(opportunity)
            return opportunity

        return self.retrying(attempt)

    def opportunity(self, opportunity_id: UUID) -> Opportunity:
        return self.fetch(Opportunity, opportunity_id)

    def move_opportunity(
        self,
        opportunity_id: UUID,
        stage: str,
        request_id: str | None = None,
        expected_version: int | None = None,
    ) -> Opportunity:

        def moving(deal: Opportunity) -> bool:
            return deal.move_to(self.policy.pipelines.get(deal.pipeline), stage, request_id)

        return self._change(Opportunity, opportunity_id, expected_version, moving)

    def win_opportunity(
        self,
        opportunity_id: UUID,
        request_id: str | None = None,
        expected_version: int | None = None,
    ) -> Opportunity:
        return self._change(
            Opportunity, opportunity_id, expected_version, lambda deal: deal.win(request_id)
        )

    def lose_opportunity(
        self,
        opportunity_id: UUID,
        reason: LossReason,
        note: str | None = None,
        request_id: str | None = None,
        expected_version: int | None = None,
    ) -> Opportunity:

        def losing(deal: Opportunity) -> bool:
            return deal.lose(reason, note, request_id)

        return self._change(Opportunity, opportunity_id, expected_version, losing)

    # campaigns

    def launch_campaign(self, campaign_id: UUID, plan: CampaignPlan) -> Campaign:
        request: dict[str, Any] = {
            "name": plan.name.strip(),
            "channel": plan.channel,
            "budget": plan.budget,
            "currency": plan.currency,
        }

        def attempt() -> Campaign:
            if campaign_id in self.repository:
                existing = self.campaign(campaign_id)
                ensure_same_request(existing, request)
                return existing
            campaign = Campaign.launch(
                campaign_id,
                plan.name,
                plan.channel,
                plan.starts_on,
                plan.ends_on,
                plan.budget,
                plan.currency,
            )
            self.save(campaign)
            return campaign

        return self.retrying(attempt)

    def campaign(self, campaign_id: UUID) -> Campaign:
        return self.fetch(Campaign, campaign_id)

    def record_campaign_cost(
        self,
        campaign_id: UUID,
        amount: Decimal,
        currency: str,
        incurred_on: date,
        note: str | None = None,
        request_id: str | None = None,
        expected_version: int | None = None,
    ) -> Campaign:
        """Book a cost; invoices booked at the same moment are all counted."""

        def recording(campaign: Campaign) -> bool:
            return campaign.record_cost(amount, currency, incurred_on, note, request_id)

        return self._change(Campaign, campaign_id, expected_version, recording)

    # activities

    def activity(self, activity_id: UUID) -> Activity:
        return self.fetch(Activity, activity_id)

    def log_activity(
        self, activity_id: UUID, draft: ActivityDraft, done: Completion | None = None
    ) -> Activity:
        """Plan an activity, or log one already done (a note always is) in the same save."""
        request: dict[str, Any] = {
            "kind": draft.kind,
            "subject": draft.subject,
            "regarding": draft.regarding,
            "regarding_id": draft.regarding_id,
        }
        if done is None and draft.kind is ActivityKind.NOTE:
            done = Completion()

        def attempt() -> Activity:
            if activity_id in self.repository:
                existing = self.activity(activity_id)
                ensure_same_request(existing, request)
                return existing
            self._ensure_known(draft.regarding, draft.regarding_id)
            activity = Activity(
                id=activity_id,
                kind=draft.kind.value,
                subject=draft.subject,
                regarding=draft.regarding.value,
                regarding_id=draft.regarding_id,
                owner=draft.owner,
                due_at=draft.due_at,
            )
            if done is None:
                self.save(activity)
                return activity
            activity.complete(done.outcome, done.callback_at, done.note)
            self.save(activity, *self._consequences(activity))
            return activity

        return self.retrying(attempt)

    def complete_activity(
        self,
        activity_id: UUID,
        done: Completion,
        request_id: str | None = None,
        expected_version: int | None = None,
    ) -> Activity:

        def attempt() -> Activity:
            activity = self.activity(activity_id)

            def completing() -> bool:
                return activity.complete(done.outcome, done.callback_at, done.note, request_id)

            if self._decide(activity, expected_version, completing):
                self.save(activity, *self._consequences(activity))
            return activity

        return self.retrying(attempt)

    def _ensure_known(self, regarding: Regarding, regarding_id: UUID) -> None:
        kinds = {Regarding.LEAD: Lead, Regarding.CUSTOMER: Customer}
        expected = kinds.get(regarding, Opportunity)
        if regarding_id in self.repository and isinstance(
            self.repository.get(regarding_id), expected
        ):
            return
        raise InvalidInput("regarding_id", f"no {regarding.value} {regarding_id} is known")

    def _consequences(self, activity: Activity) -> list[Any]:
        """A call back becomes a task; a call or meeting with an open lead engages it."""
        changed: list[Any] = []
        follow_up = activity.follow_up()
        if follow_up is not None and follow_up.id not in self.repository:
            changed.append(follow_up)
        engagements = activity.engagements()
        if activity.regarding is Regarding.LEAD and engagements:
            lead = self.lead(activity.regarding_id)
            if lead.status in OPEN:
                for kind in engagements:
                    lead.engage(kind)
                lead.contact(activity.kind.value)
                lead.rescore(self.policy.scoring)
                changed.append(lead)
        return changed
