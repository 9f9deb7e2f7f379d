"""Acquisition's commands: get, call, save."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from acquisition.domain.customer import Customer
from acquisition.domain.lead import Lead, LeadSource
from servicekit.eventstore import ServiceApplication
from servicekit.preconditions import check_version


class Acquisition(ServiceApplication):
    name = "acquisition"

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
    ) -> Lead:
        request: dict[str, Any] = {
            "first_name": first_name,
            "last_name": last_name,
            "email": email,
            "phone": phone,
            "company": company,
            "source": source,
            "campaign_id": campaign_id,
        }
        return self.create_once(Lead, lead_id, request)

    def lead(self, lead_id: UUID) -> Lead:
        lead: Lead = self.repository.get(lead_id)
        return lead

    def convert_lead(
        self, lead_id: UUID, request_id: str | None = None, expected_version: int | None = None
    ) -> Customer:
        lead = self.lead(lead_id)
        customer_id = Customer.id_for_lead(lead.id)
        if not lead.convert(customer_id, request_id):
            return self.customer(customer_id)
        check_version(lead.version - 1, expected_version)  # the version the client decided on
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
        self.save(lead, customer)
        return customer

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
            "email": email,
            "phone": phone,
            "company": company,
            "birthday": birthday,
            "source": source,
            "erp_customer_number": erp_customer_number,
        }
        return self.create_once(Customer, customer_id, request)

    def customer(self, customer_id: UUID) -> Customer:
        customer: Customer = self.repository.get(customer_id)
        return customer

    def customer_master(self) -> list[Customer]:
        """Every customer record, read from this service's own event log."""
        ids: dict[UUID, None] = {}
        start = None
        while batch := self.recorder.select_notifications(
            start=start,
            limit=1000,
            topics=[get_topic(Customer.Registered)],
            inclusive_of_start=False,
        ):
            ids.update((notification.originator_id, None) for notification in batch)  # type: ignore[misc]
            start = batch[-1].id
        return [self.customer(customer_id) for customer_id in ids]
