"""Generate and check the committed contract artifacts.

    python -m contracts.governance.schemas generate [--allow-breaking] [--root DIR]
    python -m contracts.governance.schemas check [--root DIR]

``generate`` writes, under the contracts project directory (``--root``):

- ``schemas/<topic>/<EventType>.v<N>.json``: each event version's data schema;
- ``schemas/envelope.json``: the CloudEvents envelope;
- ``asyncapi.yaml``: the AsyncAPI 3.0 document of every topic.

It refuses to overwrite a committed schema with a backward-incompatible one (or
to drop the schema of an event version that is no longer registered): events
stay on the topics forever, so a breaking change is a *new version*, never an
edit. ``--allow-breaking`` overrides that, for a version never published yet.

``check`` changes nothing and exits 1 when a committed file is missing, stale or
incompatible with the current model, or when an example message is missing or
invalid.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from contracts.governance.asyncapi import build_document, render_yaml
from contracts.governance.catalog import (
    ASYNCAPI_PATH,
    ENVELOPE_SCHEMA_PATH,
    GENERATOR,
    envelope_schema,
    event_versions,
    project_dir,
    render_json,
)
from contracts.governance.compatibility import Break, breaking_changes
from contracts.governance.examples import example_problems
from contracts.topics import Topic

_NEW_VERSION_ADVICE = """\
Events stay on their topics forever and consumers replay them, so a committed
schema is never changed incompatibly. Keep the old model and publish a new version:
  - a new model class with `schema_version = 2` for the same event type, added to
    the topic's events next to version 1 (consumers upcast version 1 to 2); or
  - a new topic (`<name>.v2`) when the key or the meaning of the events changes.
If this version was never published anywhere, re-run with --allow-breaking."""


@dataclass(frozen=True)
class Artifact:
    """A generated file: where it goes, its text, and its schema when it is one."""

    path: Path
    text: str
    origin: str
    schema: dict[str, Any] | None = None


@dataclass
class Review:
    """How the generated artifacts compare with what is committed under a root."""

    missing: list[Artifact] = field(default_factory=list)
    stale: list[Artifact] = field(default_factory=list)
    breaking: dict[Path, list[Break]] = field(default_factory=dict)
    orphans: list[Path] = field(default_factory=list)

    @property
    def to_write(self) -> list[Artifact]:
        return self.missing + self.stale

    @property
    def incompatible(self) -> bool:
        return bool(self.breaking or self.orphans)


def artifacts(root: Path, topics: Mapping[str, Topic] | None = None) -> list[Artifact]:
    """Every file ``generate`` writes, rendered from the current models."""
    envelope = envelope_schema()
    generated = [
        Artifact(ENVELOPE_SCHEMA_PATH, render_json(envelope), "contracts.Envelope", envelope)
    ]
    for version in event_versions(topics):
        schema = version.schema()
        generated.append(
            Artifact(version.schema_path, render_json(schema), version.model_path, schema)
        )
    document = build_document(root, topics)
    generated.append(Artifact(ASYNCAPI_PATH, render_yaml(document), "contracts.TOPICS"))
    return generated


def review(root: Path, generated: Sequence[Artifact]) -> Review:
    result = Review()
    for artifact in generated:
        path = root / artifact.path
        if not path.is_file():
            result.missing.append(artifact)
            continue
        committed = path.read_text()
        if committed == artifact.text:
            continue
        result.stale.append(artifact)
        if artifact.schema is not None:
            breaks = breaking_changes(json.loads(committed), artifact.schema)
            if breaks:
                result.breaking[artifact.path] = breaks
    expected = {artifact.path for artifact in generated}
    result.orphans = sorted(
        path.relative_to(root)
        for path in (root / "schemas").rglob("*.json")
        if path.relative_to(root) not in expected
    )
    return result


def generate(
    root: Path,
    *,
    allow_breaking: bool = False,
    topics: Mapping[str, Topic] | None = None,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    generated = artifacts(root, topics)
    result = review(root, generated)
    if result.incompatible and not allow_breaking:
        print("Refusing to overwrite committed schemas with incompatible ones:", file=out)
        _print_breaks(result, generated, out)
        print(_NEW_VERSION_ADVICE, file=out)
        return 1
    for artifact in result.to_write:
        path = root / artifact.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(artifact.text)
        print(f"wrote {artifact.path}", file=out)
    for orphan in result.orphans:
        (root / orphan).unlink()
        print(f"removed {orphan} (breaking: allowed by --allow-breaking)", file=out)
    unchanged = len(generated) - len(result.to_write)
    print(f"{len(result.to_write)} written, {unchanged} unchanged", file=out)
    return 0


def check(
    root: Path, *, topics: Mapping[str, Topic] | None = None, out: TextIO | None = None
) -> int:
    out = out or sys.stdout
    generated = artifacts(root, topics)
    result = review(root, generated)
    problems = [f"{artifact.path}: missing" for artifact in result.missing]
    problems += [
        f"{artifact.path}: stale"
        + ("" if artifact.schema is None else " (the change is compatible)")
        for artifact in result.stale
        if artifact.path not in result.breaking
    ]
    for version in event_versions(topics):
        problems += example_problems(root, version)
    if result.incompatible:
        print("Incompatible with the committed schemas:", file=out)
        _print_breaks(result, generated, out)
    for problem in problems:
        print(problem, file=out)
    if result.incompatible:
        print(_NEW_VERSION_ADVICE, file=out)
    elif problems:
        print(f"Run `{GENERATOR}` and commit the result; write any missing example.", file=out)
    if problems or result.incompatible:
        return 1
    print(f"{len(generated)} contract files current and compatible; examples valid", file=out)
    return 0


def _print_breaks(result: Review, generated: Sequence[Artifact], out: TextIO) -> None:
    origins = {artifact.path: artifact.origin for artifact in generated}
    for path, breaks in result.breaking.items():
        print(f"  {path} ({origins[path]}):", file=out)
        for found in breaks:
            print(f"    - {found}", file=out)
    for orphan in result.orphans:
        print(f"  {orphan}: no registered event has this schema any more", file=out)
        print("    - an event version was removed or renamed; old events can't be read", file=out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contracts.governance.schemas",
        description="Generate or check the JSON Schemas and the AsyncAPI document.",
    )
    parser.add_argument("command", choices=["generate", "check"])
    parser.add_argument(
        "--root",
        type=Path,
        help="the contracts project directory (default: the checkout this module is in)",
    )
    parser.add_argument(
        "--allow-breaking",
        action="store_true",
        help="generate: overwrite committed schemas even with incompatible ones",
    )
    arguments = parser.parse_args(argv)
    root = arguments.root or project_dir()
    if arguments.root is None and not (root / "pyproject.toml").is_file():
        parser.error(f"{root} is not the contracts project directory: pass --root")
    if arguments.command == "generate":
        return generate(root, allow_breaking=arguments.allow_breaking)
    return check(root)


if __name__ == "__main__":
    sys.exit(main())
