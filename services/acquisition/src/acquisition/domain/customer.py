"""The customer master record: the one the ERP and every service refer to."""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class Customer(Aggregate):
    TOPIC = "acquisition:Customer"  # pinned, like every event below: stored events survive renames

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "acquisition:Customer.Created"

    class Registered(Aggregate.Created):
        TOPIC = "acquisition:Customer.Registered"
        first_name: str
        last_name: str
        email: str | None
        phone: str | None
        company: str | None
        birthday: date | None
        source: str
        lead_id: UUID | None
        campaign_id: str | None
        erp_customer_number: str | None

    class ErpNumberLinked(Aggregate.Event):
        TOPIC = "acquisition:Customer.ErpNumberLinked"
        erp_customer_number: str

    @staticmethod
    def id_for_lead(lead_id: UUID) -> UUID:
        """Converting a lead always yields the same customer id: conversion is idempotent."""
        return uuid5(NAMESPACE_URL, f"/crm/customers/from-lead/{lead_id}")

    @event(Registered)
    def __init__(
        self,
        id: UUID,
        first_name: str,
        last_name: str,
        email: str | None,
        phone: str | None,
        company: str | None,
        birthday: date | None,
        source: str,
        lead_id: UUID | None = None,
        campaign_id: str | None = None,
        erp_customer_number: str | None = None,
    ) -> None:
        self.first_name = first_name
        self.last_name = last_name
        self.email = email
        self.phone = phone
        self.company = company
        self.birthday = birthday
        self.source = source
        self.lead_id = lead_id
        self.campaign_id = campaign_id
        self.erp_customer_number = erp_customer_number

    def link_erp_customer_number(self, erp_customer_number: str) -> bool:
        """The ERP knows this customer by its own number; returns False if already known."""
        if erp_customer_number == self.erp_customer_number:
            return False
        self._erp_number_linked(erp_customer_number)
        return True

    @event(ErpNumberLinked)
    def _erp_number_linked(self, erp_customer_number: str) -> None:
        self.erp_customer_number = erp_customer_number
