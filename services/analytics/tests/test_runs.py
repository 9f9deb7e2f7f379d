"""Only a run as of now is current; an earlier one is a scenario, a later one impossible."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from analytics.domain.runs import AssessmentInTheFuture, is_scenario

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


def test_a_run_as_of_an_earlier_day_is_a_scenario() -> None:
    assert is_scenario(NOW - timedelta(days=1), NOW)


def test_a_run_as_of_a_moment_within_the_clocks_tolerance_is_current() -> None:
    assert not is_scenario(NOW - timedelta(minutes=2), NOW)
    assert not is_scenario(NOW + timedelta(minutes=2), NOW)


def test_a_run_as_of_the_future_is_refused() -> None:
    with pytest.raises(AssessmentInTheFuture, match="future"):
        is_scenario(NOW + timedelta(hours=1), NOW)
