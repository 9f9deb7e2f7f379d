"""A lead: someone who may become a customer, and where they came from."""

from __future__ import annotations

from enum import StrEnum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from acquisition.domain.errors import IllegalTransition


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

    class Converted(Aggregate.Event):
        TOPIC = "acquisition:Lead.Converted"
        customer_id: UUID
        source: str
        campaign_id: str | None
        request_id: str | None

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
    ) -> None:
        self.first_name = first_name
        self.last_name = last_name
        self.email = email
        self.phone = phone
        self.company = company
        self.source = LeadSource(source)
        self.campaign_id = campaign_id
        self.status = LeadStatus.NEW
        self.customer_id: UUID | None = None
        self.conversion_request_id: str | None = None

    def convert(self, customer_id: UUID, request_id: str | None = None) -> bool:
        """A lead converts once; a disqualified lead must be requalified first.

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
        self._converted(customer_id, self.source.value, self.campaign_id, request_id)
        return True

    @event(Converted)
    def _converted(
        self, customer_id: UUID, source: str, campaign_id: str | None, request_id: str | None
    ) -> None:
        self.status = LeadStatus.CONVERTED
        self.customer_id = customer_id
        self.conversion_request_id = request_id
