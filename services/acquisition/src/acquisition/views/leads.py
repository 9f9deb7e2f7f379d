"""The lead list the sales team filters and pages through."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Integer,
    String,
    Table,
    and_,
    or_,
    select,
    update,
)

from acquisition.domain.contact import email_key
from acquisition.views import metadata
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
)
from servicekit.upserts import upsert

leads = Table(
    "leads",
    metadata,
    Column("lead_id", String(64), primary_key=True),
    Column("status", String(20), nullable=False, index=True),
    Column("source", String(40), nullable=False, index=True),
    Column("campaign_id", String(100), index=True),
    Column("owner", String(200), index=True),
    Column("team", String(100)),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("last_name_key", String(100), index=True),
    Column("company", String(200)),
    Column("company_key", String(200), index=True),
    Column("email", String(320)),
    Column("email_key", String(320), index=True),
    Column("phone", String(40), index=True),
    Column("score", Integer, nullable=False, default=0),
    Column("duplicates", JSON, nullable=False, default=list),
    Column("customer_id", String(64)),
    Column("captured_at", DateTime(timezone=True), nullable=False, index=True),
)


def _key(text: str | None) -> str | None:
    return text.strip().casefold() if text else None


def project(connection: Connection, event: Any) -> None:
    match event:
        case LeadCaptured():
            upsert(
                connection,
                leads,
                {"lead_id": event.lead_id},
                {
                    "status": "new",
                    "source": event.source,
                    "campaign_id": event.campaign_id,
                    "first_name": event.first_name,
                    "last_name": event.last_name,
                    "last_name_key": _key(event.last_name),
                    "company": event.company,
                    "company_key": _key(event.company),
                    "email": event.email,
                    "email_key": email_key(event.email),
                    "phone": event.phone,
                    "score": 0,
                    "duplicates": [],
                    "captured_at": event.captured_at,
                },
            )
        case LeadContacted():
            _set(connection, event.lead_id, status="contacted")
        case LeadQualified():
            _set(connection, event.lead_id, status="qualified")
        case LeadDisqualified():
            _set(connection, event.lead_id, status="disqualified")
        case LeadConverted():
            _set(connection, event.lead_id, status="converted", customer_id=event.customer_id)
        case LeadMerged():
            _set(connection, event.lead_id, status="merged")
        case LeadAssigned():
            _set(connection, event.lead_id, owner=event.owner, team=event.team)
        case LeadScored():
            _set(connection, event.lead_id, score=event.score)
        case LeadDuplicatesFlagged():
            _set(
                connection,
                event.lead_id,
                duplicates=[d.model_dump(mode="json") for d in event.duplicates],
            )


def _set(connection: Connection, lead_id: str, **values: Any) -> None:
    connection.execute(update(leads).where(leads.c.lead_id == lead_id).values(**values))


@dataclass(frozen=True)
class LeadFilter:
    status: str | None = None
    source: str | None = None
    owner: str | None = None
    campaign_id: str | None = None


def encode_cursor(row: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(f"lead:{row['lead_id']}".encode()).decode()


def decode_cursor(cursor: str) -> str:
    """The last lead of the previous page; ValueError for a cursor this API did not hand out."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not a cursor of this list") from None
    if not raw.startswith("lead:"):
        raise ValueError("not a cursor of this list")
    return raw.removeprefix("lead:")


def page(
    connection: Connection, where: LeadFilter, after: str | None, limit: int
) -> tuple[list[dict[str, Any]], str | None]:
    """Newest first, keyset-paged on (captured_at, lead_id): stable while leads arrive."""
    query = select(leads)
    for column, value in (
        (leads.c.status, where.status),
        (leads.c.source, where.source),
        (leads.c.owner, where.owner),
        (leads.c.campaign_id, where.campaign_id),
    ):
        if value is not None:
            query = query.where(column == value)
    if after is not None:
        lead_id = decode_cursor(after)
        before = select(leads.c.captured_at).where(leads.c.lead_id == lead_id).scalar_subquery()
        query = query.where(
            or_(
                leads.c.captured_at < before,
                and_(leads.c.captured_at == before, leads.c.lead_id < lead_id),
            )
        )
    query = query.order_by(leads.c.captured_at.desc(), leads.c.lead_id.desc())
    rows = [dict(row) for row in connection.execute(query.limit(limit + 1)).mappings()]
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1]) if more and rows else None
