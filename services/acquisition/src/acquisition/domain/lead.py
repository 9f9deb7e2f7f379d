"""A lead: someone who may become a customer, and where they came from."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from acquisition.domain.duplicates import ContactCard, Duplicate
from acquisition.domain.errors import IllegalTransition, InvalidInput
from acquisition.domain.scoring import Reason, ScoringRules


class LeadSource(StrEnum):
    WEB_FORM = "web_form"
    ECOMMERCE_SIGNUP = "ecommerce_signup"
    TELEMARKETING = "telemarketing"
    REFERRAL = "referral"
    CAMPAIGN = "campaign"
    STORE = "store"
    PARTNER = "partner"


class LeadStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    CONVERTED = "converted"
    MERGED = "merged"


class DisqualificationReason(StrEnum):
    NO_BUDGET = "no_budget"
    NO_NEED = "no_need"
    NO_AUTHORITY = "no_authority"
    BAD_TIMING = "bad_timing"
    UNREACHABLE = "unreachable"
    COMPETITOR = "competitor"
    DUPLICATE = "duplicate"
    OTHER = "other"


OPEN = frozenset({LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.QUALIFIED})
CONTACT_FIELDS = ("email", "phone", "company")


class Lead(Aggregate):
    TOPIC = "acquisition:Lead"  # pinned, like every event below: stored events survive renames

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "acquisition:Lead.Created"

    class Captured(Aggregate.Created):
        TOPIC = "acquisition:Lead.Captured"
        first_name: str
        last_name: str
        email: str | None
        phone: str | None
        company: str | None
        source: str
        campaign_id: str | None
        country: str | None

    class Converted(Aggregate.Event):
        TOPIC = "acquisition:Lead.Converted"
        customer_id: UUID
        source: str
        campaign_id: str | None
        request_id: str | None

    class Contacted(Aggregate.Event):
        TOPIC = "acquisition:Lead.Contacted"
        channel: str
        request_id: str | None

    class Qualified(Aggregate.Event):
        TOPIC = "acquisition:Lead.Qualified"
        note: str | None
        request_id: str | None

    class Disqualified(Aggregate.Event):
        TOPIC = "acquisition:Lead.Disqualified"
        reason: str
        note: str | None
        request_id: str | None

    class Assigned(Aggregate.Event):
        TOPIC = "acquisition:Lead.Assigned"
        owner: str
        team: str | None
        rule: str
        request_id: str | None

    class Engaged(Aggregate.Event):
        """An activity with the lead: it counts towards the score."""

        TOPIC = "acquisition:Lead.Engaged"
        kind: str

    class Scored(Aggregate.Event):
        TOPIC = "acquisition:Lead.Scored"
        score: int
        reasons: list[Reason]

    class DuplicatesFlagged(Aggregate.Event):
        TOPIC = "acquisition:Lead.DuplicatesFlagged"
        duplicates: list[Duplicate]

    class Absorbed(Aggregate.Event):
        """A duplicate lead was merged into this one: missing contact data and history come over."""

        TOPIC = "acquisition:Lead.Absorbed"
        lead_id: UUID
        filled: dict[str, str]
        engagements: dict[str, int]
        request_id: str | None

    class MergedInto(Aggregate.Event):
        TOPIC = "acquisition:Lead.MergedInto"
        survivor_id: UUID

    @event(Captured)
    def __init__(
        self,
        id: UUID,
        first_name: str,
        last_name: str,
        email: str | None,
        phone: str | None,
        company: str | None,
        source: str,
        campaign_id: str | None,
        country: str | None = None,
    ) -> None:
        self.first_name = first_name
        self.last_name = last_name
        self.email = email
        self.phone = phone
        self.company = company
        self.source = LeadSource(source)
        self.campaign_id = campaign_id
        self.country = country
        self.status = LeadStatus.NEW
        self.customer_id: UUID | None = None
        self.conversion_request_id: str | None = None
        self.owner: str | None = None
        self.team: str | None = None
        self.score = 0
        self.score_reasons: list[Reason] = []
        self.engagements: dict[str, int] = {}
        self.duplicates: list[Duplicate] = []
        self.disqualification: str | None = None
        self.merged_into: UUID | None = None
        self.merged_leads: list[UUID] = []
        self.request_ids: set[str] = set()

    def _seen(self, request_id: str | None) -> bool:
        """A retried command (same Idempotency-Key) is answered, not refused nor repeated."""
        return request_id is not None and request_id in self.request_ids

    def _remember(self, request_id: str | None) -> None:
        if request_id is not None:
            self.request_ids.add(request_id)

    def _refuse_unless(self, allowed: frozenset[LeadStatus], doing: str) -> None:
        if self.status not in allowed:
            raise IllegalTransition(f"lead {self.id} is {self.status.value}: cannot {doing}")

    @property
    def card(self) -> ContactCard:
        return ContactCard(
            "lead",
            str(self.id),
            self.first_name,
            self.last_name,
            self.company,
            self.email,
            self.phone,
        )

    def contact(self, channel: str, request_id: str | None = None) -> bool:
        """New becomes contacted, once; contacting a lead already worked changes nothing."""
        if self._seen(request_id) or self.status in (LeadStatus.CONTACTED, LeadStatus.QUALIFIED):
            return False
        self._refuse_unless(frozenset({LeadStatus.NEW}), "mark it contacted")
        self._contacted(channel, request_id)
        return True

    @event(Contacted)
    def _contacted(self, channel: str, request_id: str | None) -> None:
        self.status = LeadStatus.CONTACTED
        self._remember(request_id)

    def qualify(self, note: str | None = None, request_id: str | None = None) -> bool:
        """A disqualified lead may be requalified when the situation changed."""
        if self._seen(request_id):
            return False
        allowed = frozenset({LeadStatus.NEW, LeadStatus.CONTACTED, LeadStatus.DISQUALIFIED})
        self._refuse_unless(allowed, "qualify it")
        self._qualified(note, request_id)
        return True

    @event(Qualified)
    def _qualified(self, note: str | None, request_id: str | None) -> None:
        self.status = LeadStatus.QUALIFIED
        self.disqualification = None
        self._remember(request_id)

    def disqualify(
        self, reason: DisqualificationReason, note: str | None = None, request_id: str | None = None
    ) -> bool:
        if self._seen(request_id):
            return False
        if reason is DisqualificationReason.OTHER and not (note and note.strip()):
            raise InvalidInput("note", "a disqualification for another reason needs a note")
        self._refuse_unless(OPEN, "disqualify it")
        self._disqualified(reason.value, note, request_id)
        return True

    @event(Disqualified)
    def _disqualified(self, reason: str, note: str | None, request_id: str | None) -> None:
        self.status = LeadStatus.DISQUALIFIED
        self.disqualification = reason
        self._remember(request_id)

    def assign(
        self, owner: str, team: str | None, rule: str, request_id: str | None = None
    ) -> bool:
        """Give the lead to a rep; the same owner again changes nothing."""
        if self._seen(request_id) or (owner, team) == (self.owner, self.team):
            return False
        self._refuse_unless(OPEN | {LeadStatus.DISQUALIFIED}, "reassign it")
        self._assigned(owner, team, rule, request_id)
        return True

    @event(Assigned)
    def _assigned(self, owner: str, team: str | None, rule: str, request_id: str | None) -> None:
        self.owner = owner
        self.team = team
        self._remember(request_id)

    def engage(self, kind: str) -> None:
        """An activity happened with the lead (a call, a meeting, an outcome)."""
        self._engaged(kind)

    @event(Engaged)
    def _engaged(self, kind: str) -> None:
        self.engagements[kind] = self.engagements.get(kind, 0) + 1

    def rescore(self, rules: ScoringRules) -> bool:
        present = [name for name in CONTACT_FIELDS if getattr(self, name)]
        score, reasons = rules.score(self.source.value, present, self.engagements)
        if (score, reasons) == (self.score, self.score_reasons):
            return False
        self._scored(score, reasons)
        return True

    @event(Scored)
    def _scored(self, score: int, reasons: list[Reason]) -> None:
        self.score = score
        self.score_reasons = list(reasons)

    def flag_duplicates(self, duplicates: Sequence[Duplicate]) -> bool:
        found: list[Duplicate] = [d for d in duplicates if d["id"] != str(self.id)]
        if found == self.duplicates:
            return False
        self._duplicates_flagged(found)
        return True

    @event(DuplicatesFlagged)
    def _duplicates_flagged(self, duplicates: list[Duplicate]) -> None:
        self.duplicates = list(duplicates)

    def absorb(self, duplicate: Lead, request_id: str | None = None) -> bool:
        """Merge ``duplicate`` into this lead; call ``duplicate.merge_into`` in the same save."""
        if self._seen(request_id):
            return False
        if duplicate.id == self.id:
            raise IllegalTransition("a lead cannot be merged into itself")
        self._refuse_unless(OPEN | {LeadStatus.DISQUALIFIED}, "take a merge")
        duplicate._refuse_unless(OPEN | {LeadStatus.DISQUALIFIED}, "be merged")
        filled = {
            name: getattr(duplicate, name)
            for name in CONTACT_FIELDS
            if not getattr(self, name) and getattr(duplicate, name)
        }
        self._absorbed(duplicate.id, filled, dict(duplicate.engagements), request_id)
        return True

    @event(Absorbed)
    def _absorbed(
        self,
        lead_id: UUID,
        filled: dict[str, str],
        engagements: dict[str, int],
        request_id: str | None,
    ) -> None:
        for name, value in filled.items():
            setattr(self, name, value)
        for kind, count in engagements.items():
            self.engagements[kind] = self.engagements.get(kind, 0) + count
        self.merged_leads.append(lead_id)
        self.duplicates = [d for d in self.duplicates if d["id"] != str(lead_id)]
        self._remember(request_id)

    def merge_into(self, survivor_id: UUID) -> None:
        self._refuse_unless(OPEN | {LeadStatus.DISQUALIFIED}, "be merged")
        self._merged_into(survivor_id)

    @event(MergedInto)
    def _merged_into(self, survivor_id: UUID) -> None:
        self.status = LeadStatus.MERGED
        self.merged_into = survivor_id

    def convert(self, customer_id: UUID, request_id: str | None = None) -> bool:
        """An open lead converts once; a disqualified lead must be requalified first.

        Returns False when this very request (same request id) already converted
        it: a retried conversion is answered, not refused nor repeated.
        """
        if self.status is LeadStatus.CONVERTED:
            if request_id is not None and request_id == self.conversion_request_id:
                return False
            raise IllegalTransition(
                f"lead {self.id} is already converted to customer {self.customer_id}"
            )
        if self.status is LeadStatus.DISQUALIFIED:
            raise IllegalTransition(f"lead {self.id} is disqualified")
        self._refuse_unless(OPEN, "convert it")
        self._converted(customer_id, self.source.value, self.campaign_id, request_id)
        return True

    @event(Converted)
    def _converted(
        self, customer_id: UUID, source: str, campaign_id: str | None, request_id: str | None
    ) -> None:
        self.status = LeadStatus.CONVERTED
        self.customer_id = customer_id
        self.conversion_request_id = request_id
