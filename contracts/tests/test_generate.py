"""``generate`` writes the contract files and refuses to break a committed schema."""

from __future__ import annotations

import io
import json
from datetime import datetime
from pathlib import Path
from typing import ClassVar

import pytest
from pydantic import Field

from contracts import IntegrationEvent, Topic
from contracts.governance.schemas import check, generate, main

TOPIC = "test.widgets.v1"
SCHEMA = Path("schemas") / TOPIC / "WidgetMade.v1.json"


class WidgetMade(IntegrationEvent):
    event_type: ClassVar[str] = "WidgetMade"

    widget_id: str
    weight: float = Field(ge=0)
    made_at: datetime


class WidgetMadeWithANote(IntegrationEvent):
    """The compatible evolution: an optional field."""

    event_type: ClassVar[str] = "WidgetMade"

    widget_id: str
    weight: float = Field(ge=0)
    made_at: datetime
    note: str | None = None


class WidgetMadeInGrams(IntegrationEvent):
    """The breaking evolution: a narrowed type and a new required field."""

    event_type: ClassVar[str] = "WidgetMade"

    widget_id: str
    weight: int = Field(ge=0)
    made_at: datetime
    factory: str


class WidgetMadeV2(WidgetMadeInGrams):
    """The right way to publish the breaking change: a new version beside the old one."""

    schema_version: ClassVar[int] = 2


def topics(*events: type[IntegrationEvent]) -> dict[str, Topic]:
    topic = Topic(TOPIC, key="widget_id", events=events, producer="erp", description="Widgets.")
    return {TOPIC: topic}


def generated(root: Path, *events: type[IntegrationEvent], allow_breaking: bool = False) -> str:
    out = io.StringIO()
    status = generate(root, allow_breaking=allow_breaking, topics=topics(*events), out=out)
    assert status == 0, out.getvalue()
    return out.getvalue()


def test_generate_writes_each_schema_the_envelope_and_the_asyncapi_document(
    tmp_path: Path,
) -> None:
    # given an empty directory / when generating a topic with one event
    output = generated(tmp_path, WidgetMade)

    # then every file is there, with the schema of the model
    assert f"wrote {SCHEMA}" in output
    assert (tmp_path / "schemas" / "envelope.json").is_file()
    assert TOPIC in (tmp_path / "asyncapi.yaml").read_text()
    schema = json.loads((tmp_path / SCHEMA).read_text())
    assert set(schema["required"]) == {"widget_id", "weight", "made_at"}


def test_generating_twice_changes_nothing(tmp_path: Path) -> None:
    generated(tmp_path, WidgetMade)
    before = (tmp_path / SCHEMA).read_text()

    output = generated(tmp_path, WidgetMade)

    assert output.splitlines()[-1] == "0 written, 3 unchanged"
    assert (tmp_path / SCHEMA).read_text() == before


def test_generate_accepts_a_compatible_change_and_check_reports_it_stale_first(
    tmp_path: Path,
) -> None:
    # given a committed schema and a model that gained an optional field
    generated(tmp_path, WidgetMade)
    out = io.StringIO()

    # when checked, then stale but compatible
    assert check(tmp_path, topics=topics(WidgetMadeWithANote), out=out) == 1
    assert f"{SCHEMA}: stale (the change is compatible)" in out.getvalue()

    # when generated, then written
    assert f"wrote {SCHEMA}" in generated(tmp_path, WidgetMadeWithANote)
    assert "note" in json.loads((tmp_path / SCHEMA).read_text())["properties"]


def test_generate_refuses_to_overwrite_a_schema_with_a_breaking_one(tmp_path: Path) -> None:
    # given a committed schema of WidgetMade v1
    generated(tmp_path, WidgetMade)
    committed = (tmp_path / SCHEMA).read_text()
    out = io.StringIO()

    # when the same version is regenerated from an incompatible model
    status = generate(tmp_path, topics=topics(WidgetMadeInGrams), out=out)

    # then it fails, lists the breaks, says to add a version, and writes nothing
    report = out.getvalue()
    assert status == 1
    assert "weight: type narrowed from number to integer" in report
    assert "factory: required field added" in report
    assert "schema_version = 2" in report
    assert "--allow-breaking" in report
    assert (tmp_path / SCHEMA).read_text() == committed
    assert "wrote" not in report


def test_check_fails_when_the_model_is_incompatible_with_the_committed_schema(
    tmp_path: Path,
) -> None:
    generated(tmp_path, WidgetMade)
    out = io.StringIO()

    status = check(tmp_path, topics=topics(WidgetMadeInGrams), out=out)

    assert status == 1
    assert "Incompatible with the committed schemas" in out.getvalue()
    assert "weight: type narrowed from number to integer" in out.getvalue()


def test_check_fails_when_a_committed_schema_is_missing(tmp_path: Path) -> None:
    generated(tmp_path, WidgetMade)
    (tmp_path / SCHEMA).unlink()
    out = io.StringIO()

    status = check(tmp_path, topics=topics(WidgetMade), out=out)

    assert status == 1
    assert f"{SCHEMA}: missing" in out.getvalue()


def test_allow_breaking_overwrites_the_schema(tmp_path: Path) -> None:
    generated(tmp_path, WidgetMade)

    generated(tmp_path, WidgetMadeInGrams, allow_breaking=True)

    schema = json.loads((tmp_path / SCHEMA).read_text())
    assert schema["properties"]["weight"]["type"] == "integer"


def test_a_new_version_beside_the_old_one_is_accepted(tmp_path: Path) -> None:
    # given a committed v1
    generated(tmp_path, WidgetMade)

    # when the breaking change is published as v2 next to v1
    output = generated(tmp_path, WidgetMade, WidgetMadeV2)

    # then v2 gets its own file and v1 is untouched
    assert f"wrote schemas/{TOPIC}/WidgetMade.v2.json" in output
    assert f"wrote {SCHEMA}" not in output


def test_dropping_a_committed_event_version_is_refused(tmp_path: Path) -> None:
    # given committed v1 and v2
    generated(tmp_path, WidgetMade, WidgetMadeV2)
    out = io.StringIO()

    # when v1 is no longer registered
    status = generate(tmp_path, topics=topics(WidgetMadeV2), out=out)

    # then the generator refuses: old v1 events on the topic could no longer be read
    assert status == 1
    assert f"{SCHEMA}: no registered event has this schema any more" in out.getvalue()
    assert (tmp_path / SCHEMA).is_file()


def test_the_command_line_generates_into_a_directory_and_then_checks_it(
    tmp_path: Path, root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # given an empty directory with the committed examples
    for example in (root / "examples").rglob("*.json"):
        target = tmp_path / example.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(example.read_bytes())

    # when generating every registered topic into it, then checking it
    assert main(["generate", "--root", str(tmp_path)]) == 0
    assert main(["check", "--root", str(tmp_path)]) == 0

    # then its files are those committed
    assert (tmp_path / "asyncapi.yaml").read_text() == (root / "asyncapi.yaml").read_text()
    assert "current and compatible" in capsys.readouterr().out
