"""Leads, as the sales team works them (domain rules, no infrastructure)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from acquisition.domain.customer import Customer
from acquisition.domain.errors import IllegalTransition
from acquisition.domain.lead import Lead, LeadSource, LeadStatus


def a_lead() -> Lead:
    return Lead(
        id=uuid4(),
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        phone=None,
        company="Analytical Engines",
        source=LeadSource.CAMPAIGN,
        campaign_id="spring-2026",
    )


def test_a_captured_lead_is_new_and_remembers_its_campaign() -> None:
    lead = a_lead()

    assert lead.status is LeadStatus.NEW
    assert lead.source is LeadSource.CAMPAIGN
    assert lead.campaign_id == "spring-2026"


def test_converting_a_lead_links_it_to_its_customer() -> None:
    lead = a_lead()
    customer_id = Customer.id_for_lead(lead.id)

    lead.convert(customer_id)

    assert lead.status is LeadStatus.CONVERTED
    assert lead.customer_id == customer_id


def test_a_lead_converts_only_once() -> None:
    lead = a_lead()
    lead.convert(Customer.id_for_lead(lead.id))

    with pytest.raises(IllegalTransition):
        lead.convert(Customer.id_for_lead(lead.id))


def test_the_customer_of_a_lead_always_has_the_same_id() -> None:
    lead = a_lead()

    assert Customer.id_for_lead(lead.id) == Customer.id_for_lead(lead.id)
    assert Customer.create_id() != Customer.create_id()


def test_a_retried_conversion_is_recognised_by_its_request_id() -> None:
    lead = a_lead()
    customer_id = Customer.id_for_lead(lead.id)
    assert lead.convert(customer_id, request_id="req-1") is True

    assert lead.convert(customer_id, request_id="req-1") is False
    with pytest.raises(IllegalTransition):
        lead.convert(customer_id, request_id="req-2")
