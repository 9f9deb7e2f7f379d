"""Lead routes: capture, work (contact, qualify, assign, merge) and convert."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, ConfigDict, EmailStr, Field

from acquisition.api.common import App, Readers, Sales, Views, located, tagged
from acquisition.api.customers import CustomerOut
from acquisition.app import OpportunityDraft
from acquisition.domain.lead import DisqualificationReason, Lead, LeadSource, LeadStatus
from acquisition.views.leads import LeadFilter
from servicekit.bounds import Day
from servicekit.idempotency import IdempotencyKey, new_id
from servicekit.preconditions import IfMatch, expected_version
from servicekit.problems import Problem

routes = APIRouter(tags=["leads"])


class LeadIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_name: str = Field(min_length=1, max_length=100)
    last_name: str = Field(min_length=1, max_length=100)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=40)
    company: str | None = Field(default=None, max_length=200)
    source: LeadSource
    campaign_id: str | None = Field(default=None, max_length=64)
    country: str | None = Field(
        default=None, pattern=r"^[A-Za-z]{2}$", description="ISO territory; else the phone's"
    )


class ScoreReasonOut(BaseModel):
    points: int
    reason: str


class DuplicateOut(BaseModel):
    kind: str
    id: str
    reason: str


class LeadOut(BaseModel):
    lead_id: UUID
    version: int
    status: LeadStatus
    first_name: str
    last_name: str
    email: str | None
    phone: str | None
    company: str | None
    country: str | None
    source: LeadSource
    campaign_id: str | None
    owner: str | None
    team: str | None
    score: int
    score_reasons: list[ScoreReasonOut]
    possible_duplicates: list[DuplicateOut]
    disqualification_reason: str | None
    merged_into: UUID | None
    customer_id: UUID | None
    created_at: datetime
    modified_at: datetime

    @classmethod
    def of(cls, lead: Lead) -> LeadOut:
        return cls(
            lead_id=lead.id,
            version=lead.version,
            status=lead.status,
            first_name=lead.first_name,
            last_name=lead.last_name,
            email=lead.email,
            phone=lead.phone,
            company=lead.company,
            country=lead.country,
            source=lead.source,
            campaign_id=lead.campaign_id,
            owner=lead.owner,
            team=lead.team,
            score=lead.score,
            score_reasons=[ScoreReasonOut(**reason) for reason in lead.score_reasons],
            possible_duplicates=[DuplicateOut(**duplicate) for duplicate in lead.duplicates],
            disqualification_reason=lead.disqualification,
            merged_into=lead.merged_into,
            customer_id=lead.customer_id,
            created_at=lead.created_on,
            modified_at=lead.modified_on,
        )


class LeadRow(BaseModel):
    lead_id: str
    status: str
    source: str
    campaign_id: str | None
    owner: str | None
    first_name: str
    last_name: str
    company: str | None
    email: str | None
    phone: str | None
    score: int
    possible_duplicates: int
    captured_at: datetime


class LeadPage(BaseModel):
    items: list[LeadRow]
    next_cursor: str | None


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field(default="phone", min_length=1, max_length=40)


class QualifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=2000)


class DisqualifyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: DisqualificationReason
    note: str | None = Field(default=None, max_length=2000)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    owner: str | None = Field(
        default=None, min_length=1, max_length=200, description="None: apply the rules"
    )


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    duplicate_id: UUID


class OpportunityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    amount: Decimal = Field(ge=0, max_digits=14, decimal_places=2)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    owner: str | None = Field(default=None, max_length=200)
    pipeline: str | None = Field(default=None, max_length=60)
    stage: str | None = Field(default=None, max_length=60)
    expected_close: Day | None = None

    def draft(self) -> OpportunityDraft:
        return OpportunityDraft(**self.model_dump())


class ConvertIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    open_opportunity: OpportunityIn | None = None


class ConversionOut(CustomerOut):
    opportunity_id: UUID | None = None


@routes.post("/leads", status_code=status.HTTP_201_CREATED)
def capture_lead(
    body: LeadIn, app: App, _: Sales, response: Response, key: IdempotencyKey = None
) -> LeadOut:
    lead = app.capture_lead(new_id("lead", key), **body.model_dump())
    located(response, f"/leads/{lead.id}", lead.version)
    return LeadOut.of(lead)


@routes.get("/leads")
def list_leads(
    views: Views,
    _: Readers,
    status: LeadStatus | None = None,
    source: LeadSource | None = None,
    owner: str | None = None,
    campaign_id: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> LeadPage:
    """The lead list from the read model (eventually consistent), newest first."""
    where = LeadFilter(
        status=status.value if status else None,
        source=source.value if source else None,
        owner=owner,
        campaign_id=campaign_id,
    )
    try:
        rows, next_cursor = views.leads(where, cursor, limit)
    except ValueError as error:
        raise Problem(
            400,
            "Invalid cursor",
            f"cursor: {error}; pass a next_cursor this list gave",
            errors=[{"field": "cursor", "message": str(error)}],
        ) from None
    return LeadPage(items=[_row(row) for row in rows], next_cursor=next_cursor)


def _row(row: dict[str, Any]) -> LeadRow:
    return LeadRow(possible_duplicates=len(row.pop("duplicates") or []), **row)


@routes.get("/leads/{lead_id}")
def get_lead(lead_id: UUID, app: App, _: Readers, response: Response) -> LeadOut:
    lead = app.lead(lead_id)
    tagged(response, lead.version)
    return LeadOut.of(lead)


@routes.post("/leads/{lead_id}/contact")
def mark_contacted(
    lead_id: UUID,
    app: App,
    _: Sales,
    response: Response,
    body: ContactIn | None = None,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> LeadOut:
    channel = (body or ContactIn()).channel
    lead = app.contact_lead(lead_id, channel, key, expected_version(if_match))
    tagged(response, lead.version)
    return LeadOut.of(lead)


@routes.post("/leads/{lead_id}/qualify")
def qualify_lead(
    lead_id: UUID,
    app: App,
    _: Sales,
    response: Response,
    body: QualifyIn | None = None,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> LeadOut:
    note = body.note if body else None
    lead = app.qualify_lead(lead_id, note, key, expected_version(if_match))
    tagged(response, lead.version)
    return LeadOut.of(lead)


@routes.post("/leads/{lead_id}/disqualify")
def disqualify_lead(
    lead_id: UUID,
    body: DisqualifyIn,
    app: App,
    _: Sales,
    response: Response,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> LeadOut:
    lead = app.disqualify_lead(lead_id, body.reason, body.note, key, expected_version(if_match))
    tagged(response, lead.version)
    return LeadOut.of(lead)


@routes.post("/leads/{lead_id}/assign")
def assign_lead(
    lead_id: UUID,
    app: App,
    _: Sales,
    response: Response,
    body: AssignIn | None = None,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> LeadOut:
    owner = body.owner if body else None
    lead = app.assign_lead(lead_id, owner, key, expected_version(if_match))
    tagged(response, lead.version)
    return LeadOut.of(lead)


@routes.post("/leads/{lead_id}/merge")
def merge_leads(
    lead_id: UUID,
    body: MergeIn,
    app: App,
    _: Sales,
    response: Response,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> LeadOut:
    """Merge the duplicate into this lead, which survives with both histories."""
    lead = app.merge_leads(lead_id, body.duplicate_id, key, expected_version(if_match))
    tagged(response, lead.version)
    return LeadOut.of(lead)


@routes.post("/leads/{lead_id}/convert", status_code=status.HTTP_201_CREATED)
def convert_lead(
    lead_id: UUID,
    app: App,
    _: Sales,
    response: Response,
    body: ConvertIn | None = None,
    key: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> ConversionOut:
    draft = body.open_opportunity.draft() if body and body.open_opportunity else None
    customer, opportunity = app.convert_lead(lead_id, key, expected_version(if_match), draft)
    located(response, f"/customers/{customer.id}", customer.version)
    return ConversionOut(
        **CustomerOut.of(customer).model_dump(),
        opportunity_id=opportunity.id if opportunity else None,
    )
