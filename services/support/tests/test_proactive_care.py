"""A delayed shipment: the customer hears from us first; a high tier gets a case opened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from servicekit.eventstore import store_environment
from support.app import Support
from support.domain.calendar import Calendar
from support.domain.care import opens_proactive_case
from support.domain.case import CaseStatus, Priority


def test_only_high_tiers_get_a_proactive_case() -> None:
    assert opens_proactive_case("premium")
    assert opens_proactive_case("gold")
    assert not opens_proactive_case("standard")
    assert not opens_proactive_case(None)


def test_the_same_delay_handled_twice_notifies_and_opens_once(store_settings) -> None:
    app = Support(store_environment(store_settings("support")))

    notice, case = app.care_for_delay("o-1", "c-1", "2026-11-28", "storm", "premium")
    again_notice, again_case = app.care_for_delay("o-1", "c-1", "2026-11-28", "storm", "premium")

    assert case is not None
    assert again_case is not None
    assert again_notice.id == notice.id
    assert again_case.id == case.id
    assert case.priority is Priority.HIGH
    assert case.status is CaseStatus.NEW
    assert notice.template == "shipment_delayed"
    assert app.care_for_delay("o-2", "c-2", "2026-11-28", "storm", "standard")[1] is None
    app.close()


def test_business_hours_follow_the_calendars_time_zone_across_a_clock_change() -> None:
    paris = ZoneInfo("Europe/Paris")
    hours = Calendar(timezone="Europe/Paris")  # 9 to 17 local time, Monday to Friday
    friday_3pm = datetime(2026, 10, 23, 15, 0, tzinfo=paris)  # summer time, UTC+2
    monday_10am = datetime(2026, 10, 26, 10, 0, tzinfo=paris)  # winter time since Sunday

    assert hours.add(friday_3pm.astimezone(UTC), timedelta(hours=3)) == monday_10am
    assert hours.working_time(friday_3pm, monday_10am) == timedelta(hours=3)
    assert monday_10am.astimezone(UTC).hour == 9
