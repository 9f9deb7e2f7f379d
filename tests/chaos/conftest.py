"""Collects the chaos experiments' results; prints them as a table at the end of the
run and writes them to ``var/chaos/results.json``."""

from __future__ import annotations

import json

import pytest

from tests.chaos.experiments import Result

RESULTS: list[Result] = []


@pytest.fixture
def chaos_results() -> list[Result]:
    return RESULTS


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    if not RESULTS:
        return
    header = (
        f"{'experiment':<36} {'size':<7} {'messages':>8} {'caught up s':>11} "
        f"{'matched s':>9} {'(check s)':>9} "
        f"{'lost':>5} {'doubled':>7} {'wrong':>5} {'DLQ':>4}"
    )
    terminalreporter.section("chaos: recovery after each fault")
    terminalreporter.write_line(header)
    for r in RESULTS:
        terminalreporter.write_line(
            f"{r.experiment:<36} {r.size:<7} {r.messages:>8} {r.caught_up_seconds:>11.2f} "
            f"{r.matched_seconds:>9.2f} {r.check_seconds:>9.2f} "
            f"{r.lost:>5} {r.doubled:>7} {r.wrong:>5} {r.dead_lettered:>4}"
        )
    out = config.rootpath / "var" / "chaos" / "results.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps([r.as_json() for r in RESULTS], indent=2) + "\n")
    terminalreporter.write_line(f"written to {out}")
