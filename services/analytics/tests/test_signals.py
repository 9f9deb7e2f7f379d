"""A customer's assessment records a signal only when their standing changes materially."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from analytics.domain.assessment import Assessment, CustomerAssessment, SignalPolicy

NOW = datetime(2026, 11, 2, tzinfo=UTC)
POLICY = SignalPolicy(churn_threshold=0.7, clv_relative_change=0.2, clv_absolute_change=10)


def standing(segment: str = "Loyal", alive: float = 0.9, clv: float = 200.0) -> Assessment:
    return Assessment(segment, "444", alive, 3.0, clv, horizon_weeks=52)


def new_customer() -> CustomerAssessment:
    return CustomerAssessment(id=CustomerAssessment.id_for("c-1"), customer_id="c-1")


def signals(customer: CustomerAssessment) -> list[str]:
    return [type(e).__name__ for e in customer.collect_events()]


def test_the_first_assessment_tells_the_segment_and_the_clv() -> None:
    customer = new_customer()

    customer.assess(standing(), POLICY, NOW)

    assert signals(customer) == ["Started", "SegmentChanged", "ClvUpdated"]


def test_assessing_an_unchanged_customer_again_records_nothing() -> None:
    customer = new_customer()
    customer.assess(standing(), POLICY, NOW)
    customer.collect_events()

    customer.assess(standing(clv=205.0), POLICY, NOW)

    assert signals(customer) == []


def test_churn_risk_crossing_the_threshold_raises_once_and_clears_when_the_customer_returns() -> (
    None
):
    customer = new_customer()
    customer.assess(standing(), POLICY, NOW)
    customer.collect_events()

    customer.assess(standing(alive=0.2), POLICY, NOW)
    raised = signals(customer)
    customer.assess(standing(alive=0.1), POLICY, NOW)
    still = signals(customer)
    customer.assess(standing(alive=0.8), POLICY, NOW)

    assert raised == ["ChurnRiskRaised"]
    assert still == []
    assert signals(customer) == ["ChurnRiskCleared"]


def test_a_material_clv_move_is_told_but_a_small_one_is_not() -> None:
    customer = new_customer()
    customer.assess(standing(clv=100.0), POLICY, NOW)
    customer.collect_events()

    customer.assess(standing(clv=115.0), POLICY, NOW)  # +15%: under 20%
    small = signals(customer)
    customer.assess(standing(clv=130.0), POLICY, NOW)  # +30% of the last told value

    assert small == []
    assert signals(customer) == ["ClvUpdated"]


def test_a_segment_change_is_told_with_the_previous_segment() -> None:
    customer = new_customer()
    customer.assess(standing(segment="Loyal"), POLICY, NOW)
    customer.collect_events()

    customer.assess(standing(segment="At risk"), POLICY, NOW)

    [changed] = customer.collect_events()
    assert isinstance(changed, CustomerAssessment.SegmentChanged)
    assert (changed.previous, changed.segment) == ("Loyal", "At risk")


def test_the_churn_threshold_must_be_a_probability() -> None:
    with pytest.raises(ValueError, match="probability"):
        SignalPolicy(churn_threshold=1.5)
