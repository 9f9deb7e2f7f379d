"""The committed schemas are what the models generate, and every event has its files."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from contracts import TOPICS
from contracts.governance.catalog import CONSUMERS, EventVersion, event_versions
from contracts.governance.schemas import artifacts, check, review

VERSIONS = list(event_versions())


def test_every_committed_contract_file_is_what_the_models_generate(root: Path) -> None:
    # given the schemas and the AsyncAPI document rendered from the current models
    generated = artifacts(root)

    # when they are compared with the committed files
    result = review(root, generated)

    # then nothing is missing, stale or left over
    assert [a.path for a in result.missing] == [], "missing: run the generator and commit"
    assert [a.path for a in result.stale] == [], "stale: run the generator and commit"
    assert result.orphans == []


def test_the_check_command_passes_on_the_committed_tree(root: Path) -> None:
    # given the committed tree / when the CLI checks it
    completed = subprocess.run(
        [sys.executable, "-m", "contracts.governance.schemas", "check", "--root", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )

    # then it exits 0 and says why
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "current and compatible" in completed.stdout


@pytest.mark.parametrize("version", VERSIONS, ids=lambda version: version.label)
def test_every_registered_event_has_a_committed_schema_and_an_example(
    root: Path, version: EventVersion
) -> None:
    schema = root / version.schema_path
    example = root / version.example_path

    assert schema.is_file(), f"no committed schema {version.schema_path}"
    assert json.loads(schema.read_text())["title"] == version.event_class.__name__
    assert example.is_file(), f"no example {version.example_path}: write one realistic message"


def test_the_envelope_schema_is_committed_as_json_schema_2020_12(root: Path) -> None:
    schema = json.loads((root / "schemas" / "envelope.json").read_text())

    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert {"source", "type", "subject", "data"} <= set(schema["required"])


def test_committed_files_are_deterministic_json_with_a_trailing_newline(root: Path) -> None:
    for path in sorted((root / "schemas").rglob("*.json")):
        text = path.read_text()
        assert text.endswith("}\n"), path
        assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n", path


def test_every_topic_says_who_consumes_it() -> None:
    # given the topic registry and the consumers recorded by the governance tools
    # then each names the same topics, and every consumer is a known party
    assert set(CONSUMERS) == set(TOPICS)
    assert all(CONSUMERS[name] for name in TOPICS)
    assert {producer for topic in TOPICS.values() for producer in topic.producers} <= {
        "acquisition",
        "loyalty",
        "support",
        "analytics",
        "erp",
    }


def test_check_reports_a_missing_example(tmp_path: Path, root: Path) -> None:
    # given a copy of the committed tree without one example
    _copy_tree(root, tmp_path)
    removed = VERSIONS[0].example_path
    (tmp_path / removed).unlink()
    out = io.StringIO()

    # when it is checked
    status = check(tmp_path, out=out)

    # then the check fails naming the example
    assert status == 1
    assert f"{removed}: missing" in out.getvalue()


def test_check_reports_an_example_that_breaks_its_schema(tmp_path: Path, root: Path) -> None:
    # given a copy of the committed tree whose OrderPlaced example has a bad currency
    _copy_tree(root, tmp_path)
    path = tmp_path / "examples" / "erp.orders.v1" / "OrderPlaced.v1.json"
    message = json.loads(path.read_text())
    message["data"]["currency"] = "euro"
    path.write_text(json.dumps(message))
    out = io.StringIO()

    # when it is checked
    status = check(tmp_path, out=out)

    # then the check fails naming the file, the schema and the field
    assert status == 1
    assert "not valid under schemas/erp.orders.v1/OrderPlaced.v1.json: $.currency" in (
        out.getvalue()
    )


def _copy_tree(root: Path, target: Path) -> None:
    for folder in ("schemas", "examples"):
        for source in (root / folder).rglob("*.json"):
            destination = target / source.relative_to(root)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read_bytes())
    (target / "asyncapi.yaml").write_bytes((root / "asyncapi.yaml").read_bytes())
