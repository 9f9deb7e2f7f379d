"""SLA clocks: targets by priority and tier, business hours, paused while pending."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from support.domain.calendar import Calendar
from support.domain.case import Case, CaseStatus
from support.domain.errors import IllegalTransition
from support.domain.sla import Clock, default_policies, policy_for

MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def a_case(priority: str = "normal", case_type: str = "complaint") -> Case:
    return Case(
        id=uuid4(),
        customer_id="c-1",
        channel="email",
        case_type=case_type,
        priority=priority,
        subject="The kettle leaks",
        description="",
        order_id=None,
    )


def with_policy(case: Case, tier: str | None, started_at: datetime = MONDAY_9) -> Case:
    case.apply_sla(policy_for(default_policies(), case.priority.value, tier).to_dict(), started_at)
    return case


def test_business_hours_count_only_working_time() -> None:
    hours = Calendar()  # Monday to Friday, 9 to 17, UTC

    friday_4pm = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    monday_10am = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)

    assert hours.working_time(friday_4pm, monday_10am) == 2 * HOUR
    assert hours.add(friday_4pm, 2 * HOUR) == monday_10am


def test_a_premium_customer_gets_stricter_targets() -> None:
    standard = policy_for(default_policies(), "normal", "standard")
    premium = policy_for(default_policies(), "normal", "premium")

    assert premium.first_response < standard.first_response
    assert premium.resolution < standard.resolution


def test_the_first_response_clock_stops_at_the_first_agent_reply() -> None:
    case = with_policy(a_case(), tier=None)

    case.reply("agent-ann", "We are on it", MONDAY_9 + 2 * HOUR)

    first_response = case.clocks(MONDAY_9 + 30 * HOUR)[0]
    assert first_response.clock is Clock.FIRST_RESPONSE
    assert first_response.met is True
    assert case.first_response_at == MONDAY_9 + 2 * HOUR
    assert case.status is CaseStatus.OPEN


def test_the_clock_pauses_while_the_case_waits_on_the_customer() -> None:
    case = with_policy(a_case(priority="urgent"), tier=None)  # 24/7, 8 h to resolve
    case.reply("agent-ann", "Which model is it?", MONDAY_9 + HOUR)
    case.change_status(CaseStatus.PENDING, MONDAY_9 + HOUR)

    case.reply("customer", "The K-200", MONDAY_9 + 11 * HOUR, by_customer=True)

    resolution = case.clocks(MONDAY_9 + 12 * HOUR)[1]
    assert case.status is CaseStatus.OPEN
    assert resolution.elapsed == 2 * HOUR  # 1 h before pending, 1 h after the answer
    assert not resolution.breached


def test_warnings_and_breaches_are_recorded_once_each() -> None:
    case = with_policy(a_case(priority="urgent"), tier=None)  # 1 h to first response

    case.watch_sla(MONDAY_9 + timedelta(minutes=50))
    case.watch_sla(MONDAY_9 + timedelta(minutes=55))
    breached = case.watch_sla(MONDAY_9 + 2 * HOUR)
    again = case.watch_sla(MONDAY_9 + 3 * HOUR)

    assert breached == [Clock.FIRST_RESPONSE]
    assert again == []
    kinds = [type(e).__name__ for e in case.collect_events()]
    assert kinds.count("SlaWarned") == 1
    assert kinds.count("SlaBreached") == 1


def test_a_customer_reply_within_a_week_reopens_a_resolved_case() -> None:
    case = with_policy(a_case(), tier=None)
    case.change_status(CaseStatus.RESOLVED, MONDAY_9 + HOUR)

    case.reply("customer", "It leaks again", MONDAY_9 + 3 * 24 * HOUR, by_customer=True)

    assert case.status is CaseStatus.OPEN


def test_a_closed_case_refuses_every_change() -> None:
    case = with_policy(a_case(), tier=None)
    case.change_status(CaseStatus.RESOLVED, MONDAY_9 + HOUR)
    case.change_status(CaseStatus.CLOSED, MONDAY_9 + 2 * HOUR)

    with pytest.raises(IllegalTransition):
        case.reply("agent-ann", "Hello?", MONDAY_9 + 3 * HOUR)
    with pytest.raises(IllegalTransition):
        case.change_status(CaseStatus.OPEN, MONDAY_9 + 3 * HOUR)


def test_a_low_score_on_a_complaint_calls_for_a_save_offer() -> None:
    complaint = with_policy(a_case(case_type="complaint"), tier=None)
    question = with_policy(a_case(case_type="pre_purchase"), tier=None)
    for case in (complaint, question):
        case.change_status(CaseStatus.RESOLVED, MONDAY_9 + HOUR)

    assert complaint.record_satisfaction(1, "Still broken") is True
    assert question.record_satisfaction(1, None) is False
    with pytest.raises(IllegalTransition):
        complaint.record_satisfaction(5, "changed my mind")


def test_escalation_raises_the_priority_one_step() -> None:
    case = a_case(priority="normal")

    case.escalate("resolution breached")

    assert case.priority.value == "high"


def test_a_reply_after_the_reopening_window_leaves_the_case_resolved() -> None:
    case = with_policy(a_case(), tier=None)
    case.change_status(CaseStatus.RESOLVED, MONDAY_9 + HOUR)

    case.reply(
        "customer",
        "Thanks again",
        MONDAY_9 + 3 * 24 * HOUR,
        by_customer=True,
        reopen_within=timedelta(days=2),
    )

    assert case.status is CaseStatus.RESOLVED
