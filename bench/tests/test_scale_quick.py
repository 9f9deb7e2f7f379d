"""The scale bench's quick shape, end to end: the real services on their own broker take
in 2,000 customers' 20,000 orders, and the report says so.

Minutes long, so ``make test`` skips it: ``make bench-test`` runs it (it sets
``CRM_BENCH_SHAPES=1``). It asserts counts, never speed: every service applied every
message of the stream it reads, the assessment saw the customers who ordered, and
every read model was rebuilt from the topics.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bench import scale
from bench.infra import Infrastructure
from bench.params import parse
from bench.report import Progress, Report

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.kafka,
    pytest.mark.timeout(3600),  # the intake may take its 900 s per service, and more
    pytest.mark.skipif(
        os.environ.get("CRM_BENCH_SHAPES") != "1",
        reason="minutes long: `make bench-test` runs it",
    ),
]

MEASURES = {
    "scale: loyalty intake, last tenth vs first",
    "scale: support intake, last tenth vs first",
    "scale: analytics intake, last tenth vs first",
    "scale: acquisition intake, last tenth vs first",
    "scale: loyalty orders/s vs plain saves/s",
    "scale: plain eventsourcing save rate",
    "scale: assessment peak memory",
    "scale: rebuild support read models",
    "scale: rebuild loyalty read models",
    "scale: rebuild analytics read models",
}


def test_the_quick_shape_is_taken_in_whole_by_every_service(tmp_path: Path) -> None:
    # given the quick retail shape on SQLite
    params = parse(["--quick", "--only", "scale", "--stores", "sqlite"])
    shape = params.scale_shape()
    infra = Infrastructure(Progress())
    # when the bench drives the services with it
    try:
        rows = scale.run(infra, params, Progress())
    finally:
        infra.close()
    report = Report(params.as_json(), {}, rows)
    report.notes.extend(scale.curves(rows))
    report.write(tmp_path / "results.json")

    # then the report has every row, and the curve of every service by tenth
    by_measure = {row.measure: row for row in rows}
    assessed = next(name for name in by_measure if name.startswith("scale: assessment of "))
    assert set(by_measure) - {assessed} == MEASURES
    written = json.loads((tmp_path / "results.json").read_text())
    assert {result["measure"] for result in written["results"]} == set(by_measure)
    assert len(written["notes"]) == 1 + len(scale.INTAKE)

    # and every service took every order and every message of the topics it reads
    stream = by_measure["scale: loyalty intake, last tenth vs first"].details["context"]["stream"]
    for name in scale.INTAKE:
        taken = by_measure[f"scale: {name} intake, last tenth vs first"].details
        assert taken["finished"], f"{name} took {taken['tenths_taken']}/10 of the stream"
        assert taken["orders"] == shape.orders
        assert [t["complete"] for t in taken["by_tenth"]] == [True] * 10
        for consumer, applied in taken["applied_at_end"].items():
            topic = consumer.split(" ")[1]
            assert applied == stream["by_topic"][topic], f"{name} {consumer}"
    assert sum(t["orders"] for t in stream["tenths"]) == shape.orders

    # and the assessment saw customers, and every read model was rebuilt from its topics
    assert 0 < by_measure[assessed].details["customers_assessed"] <= shape.customers
    for name in ("support", "loyalty", "analytics"):
        assert by_measure[f"scale: rebuild {name} read models"].details["messages"] > 0
