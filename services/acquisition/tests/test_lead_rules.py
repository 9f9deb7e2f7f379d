"""How leads are worked: clean contact data, lifecycle, scoring, look-alikes, assignment."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest

from acquisition.domain.assignment import AssignmentRules, Rotation
from acquisition.domain.contact import InvalidContact, normalize_email, normalize_phone
from acquisition.domain.duplicates import ContactCard, find_duplicates
from acquisition.domain.errors import IllegalTransition, InvalidInput
from acquisition.domain.lead import DisqualificationReason, Lead, LeadSource, LeadStatus
from acquisition.domain.opportunity import LossReason, Opportunity, Outcome, Pipelines
from acquisition.domain.scoring import ScoringRules


def a_lead(**changes: object) -> Lead:
    fields: dict[str, object] = {
        "first_name": "Ada",
        "last_name": "Lovelace",
        "email": "ada@example.com",
        "phone": None,
        "company": "Analytical Engines",
        "source": LeadSource.CAMPAIGN,
        "campaign_id": "spring-2026",
        **changes,
    }
    return Lead(id=uuid4(), **fields)  # type: ignore[arg-type]


def test_a_national_phone_number_is_stored_in_e164_of_the_default_region() -> None:
    assert normalize_phone("030 1234567", "DE") == "+49301234567"
    assert normalize_phone("+1 (202) 555-0100", "DE") == "+12025550100"


def test_a_phone_number_that_cannot_exist_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidContact) as refusal:
        normalize_phone("12", "DE")

    assert refusal.value.field == "phone"


def test_an_email_keeps_its_local_part_and_lowercases_its_domain() -> None:
    assert normalize_email(" Ada@EXAMPLE.com ") == "Ada@example.com"


def test_a_new_lead_is_contacted_then_qualified() -> None:
    lead = a_lead()

    assert lead.contact("phone") is True
    assert lead.contact("email") is False  # already contacted: nothing to record
    lead.qualify("budget approved")

    assert lead.status is LeadStatus.QUALIFIED


def test_a_disqualified_lead_keeps_its_reason_and_can_be_requalified() -> None:
    lead = a_lead()
    lead.disqualify(DisqualificationReason.NO_BUDGET)
    assert lead.disqualification == "no_budget"

    lead.qualify("budget found")

    assert lead.status is LeadStatus.QUALIFIED
    assert lead.disqualification is None


def test_disqualifying_for_another_reason_needs_a_note() -> None:
    with pytest.raises(InvalidInput) as refusal:
        a_lead().disqualify(DisqualificationReason.OTHER)

    assert refusal.value.field == "note"


def test_a_converted_lead_can_be_neither_qualified_nor_disqualified() -> None:
    lead = a_lead()
    lead.convert(uuid4())

    with pytest.raises(IllegalTransition):
        lead.qualify()
    with pytest.raises(IllegalTransition):
        lead.disqualify(DisqualificationReason.NO_NEED)


def test_a_disqualified_lead_must_be_requalified_before_conversion() -> None:
    lead = a_lead()
    lead.disqualify(DisqualificationReason.BAD_TIMING)

    with pytest.raises(IllegalTransition):
        lead.convert(uuid4())


def test_a_command_retried_with_its_request_id_changes_nothing() -> None:
    lead = a_lead()
    assert lead.qualify(request_id="k-1") is True
    version = lead.version

    assert lead.qualify(request_id="k-1") is False
    assert lead.version == version
    with pytest.raises(IllegalTransition):
        lead.qualify(request_id="k-2")


def test_the_score_lists_every_reason_for_its_points() -> None:
    lead = a_lead()

    lead.rescore(ScoringRules())

    assert lead.score == 20 + 10 + 10
    assert {r["reason"] for r in lead.score_reasons} == {
        "source campaign",
        "has company",
        "has email",
    }


def test_engagement_raises_the_score_up_to_its_cap() -> None:
    rules = ScoringRules(per_engagement={"interested": 40}, engagement_cap=50)
    lead = a_lead()
    lead.engage("interested")
    lead.engage("interested")

    lead.rescore(rules)

    assert lead.score == 20 + 10 + 10 + 50
    assert any(r["reason"] == "engagement capped at 50" for r in lead.score_reasons)


def test_scoring_rules_are_configurable() -> None:
    lead = a_lead(email=None, company=None)

    lead.rescore(ScoringRules(by_source={"campaign": 3}, per_field={}))

    assert lead.score == 3


def test_same_email_same_phone_or_similar_name_and_company_are_look_alikes() -> None:
    card = ContactCard("lead", "1", "Ada", "Lovelace", "Analytical Engines", "ADA@x.org", "+1202")
    known = [
        ContactCard("customer", "c1", "A.", "Byron", None, "ada@x.org", None),
        ContactCard("lead", "l2", "Someone", "Else", None, None, "+1202"),
        ContactCard("lead", "l3", "Ada", "Lovelase", "Analytical Engine", None, None),
        ContactCard("lead", "l4", "Ada", "Lovelace", "Difference Engines Ltd", None, None),
    ]

    found = find_duplicates(card, known)

    assert [(d["id"], d["reason"]) for d in found] == [
        ("c1", "same e-mail"),
        ("l2", "same phone"),
        ("l3", "similar name and company"),
    ]


def test_merging_a_duplicate_fills_the_gaps_and_keeps_its_history() -> None:
    survivor = a_lead(phone=None)
    duplicate = a_lead(phone="+12025550100")
    duplicate.engage("call")

    survivor.absorb(duplicate)
    duplicate.merge_into(survivor.id)

    assert survivor.phone == "+12025550100"
    assert survivor.engagements == {"call": 1}
    assert survivor.merged_leads == [duplicate.id]
    assert duplicate.status is LeadStatus.MERGED
    with pytest.raises(IllegalTransition):
        duplicate.convert(uuid4())


def test_a_lead_cannot_be_merged_into_itself() -> None:
    lead = a_lead()

    with pytest.raises(IllegalTransition):
        lead.absorb(lead)


def test_territory_wins_over_source_and_the_team_takes_turns() -> None:
    rules = AssignmentRules(
        teams={"dach": ["al", "bo"], "partners": ["cy"]},
        by_territory={"DE": "dach"},
        by_source={"partner": "partners"},
    )
    assert rules.team_for("DE", "partner") == ("dach", "territory DE")
    assert rules.team_for("FR", "partner") == ("partners", "source partner")
    assert rules.team_for("FR", "web_form") is None

    rotation = Rotation(team="dach")
    turns = [rotation.next_member(rules.teams["dach"]) for _ in range(3)]

    assert turns == ["al", "bo", "al"]
    assert Rotation.create_id("dach") == rotation.id


def test_a_deal_moves_through_its_pipeline_stages_with_their_probabilities() -> None:
    pipeline = Pipelines().get(None)
    deal = Opportunity.open(uuid4(), pipeline, "Engines", Decimal("100"), "EUR", "al", uuid4())
    assert (deal.stage, deal.probability) == ("qualification", 10)

    deal.move_to(pipeline, "proposal")

    assert deal.probability == 50
    with pytest.raises(InvalidInput):
        deal.move_to(pipeline, "daydreaming")


def test_a_won_deal_is_closed_for_good() -> None:
    pipeline = Pipelines().get(None)
    deal = Opportunity.open(uuid4(), pipeline, "Engines", Decimal("100"), "EUR", "al", uuid4())

    deal.win()

    assert deal.outcome is Outcome.WON
    with pytest.raises(IllegalTransition):
        deal.lose(LossReason.PRICE)
