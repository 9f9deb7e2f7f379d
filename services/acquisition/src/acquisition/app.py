"""Acquisition's commands: get, call, save."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from acquisition.domain.customer import Customer
from acquisition.domain.lead import Lead, LeadSource
from servicekit.eventstore import ServiceApplication


class Acquisition(ServiceApplication):
    name = "acquisition"

    def capture_lead(
        self,
        first_name: str,
        last_name: str,
        email: str | None,
        phone: str | None,
        company: str | None,
        source: LeadSource,
        campaign_id: str | None = None,
    ) -> Lead:
        lead = Lead(first_name, last_name, email, phone, company, source, campaign_id)
        self.save(lead)
        return lead

    def lead(self, lead_id: UUID) -> Lead:
        lead: Lead = self.repository.get(lead_id)
        return lead

    def convert_lead(self, lead_id: UUID) -> Customer:
        lead = self.lead(lead_id)
        customer = Customer(
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
        lead.convert(customer.id)
        self.save(lead, customer)
        return customer

    def register_customer(
        self,
        first_name: str,
        last_name: str,
        email: str | None,
        phone: str | None,
        company: str | None,
        birthday: date | None,
        source: str,
        erp_customer_number: str | None = None,
    ) -> Customer:
        customer = Customer(
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            company=company,
            birthday=birthday,
            source=source,
            erp_customer_number=erp_customer_number,
        )
        self.save(customer)
        return customer

    def customer(self, customer_id: UUID) -> Customer:
        customer: Customer = self.repository.get(customer_id)
        return customer
