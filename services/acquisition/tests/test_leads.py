"""Leads, as the sales team works them (domain rules, no infrastructure)."""

from __future__ import annotations

import pytest

from acquisition.domain.customer import Customer
from acquisition.domain.errors import IllegalTransition
from acquisition.domain.lead import Lead, LeadSource, LeadStatus


def a_lead() -> Lead:
    return Lead(
        "Ada",
        "Lovelace",
        "ada@example.com",
        None,
        "Analytical Engines",
        LeadSource.CAMPAIGN,
        "spring-2026",
    )


def test_a_captured_lead_is_new_and_remembers_its_campaign() -> None:
    lead = a_lead()

    assert lead.status is LeadStatus.NEW
    assert lead.source is LeadSource.CAMPAIGN
    assert lead.campaign_id == "spring-2026"


def test_converting_a_lead_links_it_to_its_customer() -> None:
    lead = a_lead()
    customer_id = Customer.create_id(lead_id=lead.id)

    lead.convert(customer_id)

    assert lead.status is LeadStatus.CONVERTED
    assert lead.customer_id == customer_id


def test_a_lead_converts_only_once() -> None:
    lead = a_lead()
    lead.convert(Customer.create_id(lead_id=lead.id))

    with pytest.raises(IllegalTransition):
        lead.convert(Customer.create_id(lead_id=lead.id))


def test_the_customer_of_a_lead_always_has_the_same_id() -> None:
    lead = a_lead()

    assert Customer.create_id(lead_id=lead.id) == Customer.create_id(lead_id=lead.id)
    assert Customer.create_id() != Customer.create_id()
