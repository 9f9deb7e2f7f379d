"""The bench's own domain: an aggregate to store and relay, messages and a read model.

Everything travels on ``crm.leads.v1``, which analytics consumes (leads by source):
that is why the latency part runs first, before these messages are on the broker.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate, DomainEventProtocol, event
from eventsourcing.persistence import Tracking
from sqlalchemy import Column, Connection, DateTime, MetaData, String, Table, func, select

from contracts import Envelope, IntegrationEvent
from contracts.leads import LeadCaptured
from servicekit.consumer import Delivery
from servicekit.handlers import Projection
from servicekit.upserts import upsert_many
from servicekit.views import ViewStore

LEADS_TOPIC = "crm.leads.v1"
SOURCE = "/crm/bench"


class Prospect(Aggregate):
    """A lead whose contact details get revised now and then."""

    class Captured(Aggregate.Created):
        TOPIC = "bench:Prospect.Captured"
        first_name: str
        last_name: str
        email: str
        company: str
        source: str

    class Revised(Aggregate.Event):
        TOPIC = "bench:Prospect.Revised"
        first_name: str
        last_name: str
        email: str
        company: str
        source: str

    @event(Captured)
    def __init__(
        self, first_name: str, last_name: str, email: str, company: str, source: str
    ) -> None:
        self.first_name = first_name
        self.last_name = last_name
        self.email = email
        self.company = company
        self.source = source

    @event(Revised)
    def revise(
        self, first_name: str, last_name: str, email: str, company: str, source: str
    ) -> None:
        self.first_name = first_name
        self.last_name = last_name
        self.email = email
        self.company = company
        self.source = source


def new_prospect(number: int) -> Prospect:
    return Prospect(
        first_name="Ada",
        last_name=f"Lovelace {number}",
        email=f"ada.{number}@engines.example",
        company="Analytical Engines Ltd",
        source="web_form",
    )


def revise(prospect: Prospect, revision: int) -> None:
    prospect.revise(
        first_name=prospect.first_name,
        last_name=prospect.last_name,
        email=f"ada.{revision}.{prospect.id.hex[:8]}@engines.example",
        company=prospect.company,
        source=prospect.source,
    )


def as_lead(domain_event: DomainEventProtocol[UUID]) -> IntegrationEvent | None:
    """The relay's translator. Every stored event is published (as the lead's
    current details), so events stored == messages produced."""
    state = vars(domain_event)
    return LeadCaptured(
        lead_id=str(domain_event.originator_id),
        source=state["source"],
        first_name=state["first_name"],
        last_name=state["last_name"],
        email=state["email"],
        company=state["company"],
        captured_at=state["timestamp"],
    )


def lead_message(number: int) -> tuple[bytes, bytes]:
    """A valid ``crm.leads.v1`` message (key, value), shaped as the relay shapes them."""
    lead_id = str(uuid4())
    captured = LeadCaptured(
        lead_id=lead_id,
        source="web_form",
        first_name="Ada",
        last_name=f"Lovelace {number}",
        email=f"ada.{number}@engines.example",
        company="Analytical Engines Ltd",
        captured_at=datetime.now(UTC),
    )
    envelope = Envelope.wrap(
        captured,
        source=SOURCE,
        subject=lead_id,
        aggregateversion=1,
        correlationid=str(uuid4()),
        actor="bench@engines.example",
    )
    return lead_id.encode(), envelope.to_bytes()


metadata = MetaData()

leads = Table(
    "bench_leads",
    metadata,
    Column("lead_id", String(64), primary_key=True),
    Column("first_name", String(100)),
    Column("last_name", String(100)),
    Column("email", String(320)),
    Column("company", String(200)),
    Column("source", String(40)),
    Column("campaign_id", String(64)),
    Column("captured_at", DateTime(timezone=True)),
)


COLUMNS = set(leads.c.keys())


class LeadBook(Projection):
    """One row per lead: a small read model like analytics' profiles.

    It also says when it has applied every message up to given offsets
    (``expect``), which is how the bench knows when to stop the clock.
    """

    name = "bench-leads"
    topics = (LEADS_TOPIC,)

    def __init__(self, store: ViewStore) -> None:
        super().__init__(store)
        self._expect_lock = threading.Lock()
        self._pending: dict[str, int] = {}
        self._on_done: Callable[[], object] | None = None

    def project(self, connection: Connection, delivery: Delivery) -> None:
        self.project_batch(connection, [delivery])

    def project_batch(self, connection: Connection, deliveries: Sequence[Delivery]) -> None:
        """The whole batch in one statement, as a read model of this shape should."""
        upsert_many(
            connection,
            leads,
            ["lead_id"],
            [
                delivery.event.model_dump(include=COLUMNS)
                for delivery in deliveries
                if isinstance(delivery.event, LeadCaptured)
            ],
        )

    def expect(self, last_offsets: dict[str, int], on_done: Callable[[], object]) -> None:
        """Call ``on_done`` (from the applying thread) once each tracking name
        has reached its offset."""
        with self._expect_lock:
            self._pending = dict(last_offsets)
            self._on_done = on_done

    def apply_many(self, batches: Sequence[tuple[Sequence[Delivery], Tracking]]) -> None:
        super().apply_many(batches)
        with self._expect_lock:
            for _, tracking in batches:
                target = self._pending.get(tracking.application_name)
                if target is not None and tracking.notification_id >= target:
                    del self._pending[tracking.application_name]
                    if not self._pending and self._on_done is not None:
                        self._on_done()

    def count(self) -> int:
        with self.store.reading() as connection:
            return int(connection.scalar(select(func.count()).select_from(leads)) or 0)
