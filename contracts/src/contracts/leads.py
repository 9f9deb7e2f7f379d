"""Leads, published by acquisition for analytics (sources, conversion)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from contracts.envelope import IntegrationEvent


class LeadCaptured(IntegrationEvent):
    event_type: ClassVar[str] = "LeadCaptured"

    lead_id: str
    source: str
    campaign_id: str | None = None
    first_name: str
    last_name: str
    email: str | None = None
    phone: str | None = None
    company: str | None = None
    captured_at: datetime


class LeadConverted(IntegrationEvent):
    event_type: ClassVar[str] = "LeadConverted"

    lead_id: str
    customer_id: str
    source: str
    campaign_id: str | None = None
    converted_at: datetime


class LeadContacted(IntegrationEvent):
    """The first contact with the lead (a call, an e-mail, a meeting, or said so by a rep)."""

    event_type: ClassVar[str] = "LeadContacted"

    lead_id: str
    channel: str
    contacted_at: datetime


class LeadQualified(IntegrationEvent):
    event_type: ClassVar[str] = "LeadQualified"

    lead_id: str
    note: str | None = None
    qualified_at: datetime


class LeadDisqualified(IntegrationEvent):
    event_type: ClassVar[str] = "LeadDisqualified"

    lead_id: str
    reason: str
    note: str | None = None
    disqualified_at: datetime


class LeadAssigned(IntegrationEvent):
    """Who works the lead now, and by which rule (round-robin, territory, source, manual)."""

    event_type: ClassVar[str] = "LeadAssigned"

    lead_id: str
    owner: str
    team: str | None = None
    rule: str
    assigned_at: datetime


class ScoreReason(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    points: int
    reason: str


class LeadScored(IntegrationEvent):
    """The lead's score with every reason that made it: scoring is transparent."""

    event_type: ClassVar[str] = "LeadScored"

    lead_id: str
    score: int
    reasons: list[ScoreReason] = Field(default_factory=list)
    scored_at: datetime


class PossibleDuplicate(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    kind: str = Field(description="lead or customer")
    id: str
    reason: str


class LeadDuplicatesFlagged(IntegrationEvent):
    """Records that may be the same person; an empty list clears the flag."""

    event_type: ClassVar[str] = "LeadDuplicatesFlagged"

    lead_id: str
    duplicates: list[PossibleDuplicate] = Field(default_factory=list)
    flagged_at: datetime


class LeadMerged(IntegrationEvent):
    """The lead was a duplicate: the survivor carries on with its data and history."""

    event_type: ClassVar[str] = "LeadMerged"

    lead_id: str
    survivor_lead_id: str
    merged_at: datetime
