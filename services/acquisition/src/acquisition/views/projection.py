"""Acquisition's one consumer of read models: its own leads, customers, activities and deals."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, or_, select

from acquisition.domain.duplicates import ContactCard
from acquisition.views import activities, campaigns, customers, leads, pipeline
from acquisition.views.leads import LeadFilter
from contracts.activities import ActivityScheduled
from contracts.campaigns import CampaignLaunched
from contracts.customers import CustomerRegistered
from contracts.leads import LeadCaptured
from servicekit.consumer import Delivery
from servicekit.handlers import Projection


class AcquisitionViews(Projection):
    topics = (
        "crm.leads.v1",
        "crm.customers.v1",
        "crm.activities.v1",
        "crm.opportunities.v1",
        "crm.campaigns.v1",
    )

    def project(self, connection: Connection, delivery: Delivery) -> None:
        if delivery.topic == "crm.leads.v1":
            leads.project(connection, delivery.event)
        elif delivery.topic == "crm.activities.v1":
            activities.project(connection, delivery.event)
        elif delivery.topic == "crm.opportunities.v1":
            pipeline.project(connection, delivery.event)
        elif delivery.topic == "crm.campaigns.v1":
            campaigns.project(connection, delivery.event)
        else:
            customers.project(connection, delivery.event)

    def agenda(self, owner: str, day: date) -> list[dict[str, Any]]:
        with self.store.reading() as connection:
            return activities.agenda(connection, owner, day)

    def board(self, pipeline_name: str, limit: int) -> pipeline.Board:
        with self.store.reading() as connection:
            return pipeline.Board(
                pipeline.board(connection, pipeline_name),
                pipeline.open_deals(connection, pipeline_name, limit),
            )

    def forecast(self, owner: str | None) -> list[pipeline.ForecastLine]:
        with self.store.reading() as connection:
            return pipeline.forecast(connection, owner)

    def stale_deals(self, since: datetime, limit: int) -> list[dict[str, Any]]:
        with self.store.reading() as connection:
            return pipeline.stale(connection, since, limit)

    def campaign_results(self, campaign_id: str) -> campaigns.CampaignResults | None:
        with self.store.reading() as connection:
            return campaigns.results(connection, campaign_id)

    def keys_of(self, delivery: Delivery) -> Iterable[str]:
        if isinstance(
            delivery.event,
            LeadCaptured | CustomerRegistered | ActivityScheduled | CampaignLaunched,
        ):
            return (delivery.envelope.subject,)
        return ()

    def leads(
        self, where: LeadFilter, after: str | None, limit: int
    ) -> tuple[list[dict[str, Any]], str | None]:
        with self.store.reading() as connection:
            return leads.page(connection, where, after, limit)

    def customer_ids(self) -> list[str]:
        """Every customer registered (merged ones too), as far as this view has read."""
        with self.store.reading() as connection:
            return customers.customer_ids(connection)

    def customers(self, q: str, limit: int) -> list[dict[str, Any]]:
        with self.store.reading() as connection:
            return customers.search(connection, q, limit)

    def look_alikes(self, card: ContactCard) -> Sequence[ContactCard]:
        """Leads and customers sharing the e-mail, the phone, the last name or the company."""
        found: list[ContactCard] = []
        with self.store.reading() as connection:
            for kind, table, id_column in (
                ("lead", leads.leads, leads.leads.c.lead_id),
                ("customer", customers.customers, customers.customers.c.customer_id),
            ):
                clauses = [table.c.last_name_key == card.last_name.strip().casefold()]
                if card.email:
                    clauses.append(table.c.email_key == card.email.casefold())
                if card.phone:
                    clauses.append(table.c.phone == card.phone)
                if card.company:
                    clauses.append(table.c.company_key == card.company.strip().casefold())
                query = select(table).where(or_(*clauses)).limit(200)
                if kind == "lead":
                    query = query.where(table.c.status != "merged")
                else:
                    query = query.where(table.c.merged_into.is_(None))
                for row in connection.execute(query).mappings():
                    found.append(
                        ContactCard(
                            kind,
                            str(row[id_column.name]),
                            row["first_name"],
                            row["last_name"],
                            row["company"],
                            row["email"],
                            row["phone"],
                        )
                    )
        return found
