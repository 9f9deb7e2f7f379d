"""The example messages: one realistic envelope per event version, checked against the schemas.

Examples are written by hand (``examples/<topic>/<EventType>.v<N>.json``), so they
show what a real message looks like; they are validated against the *committed*
schema files and parsed by the event's model, and shown in the AsyncAPI document.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from pydantic import ValidationError

from contracts.envelope import Envelope
from contracts.governance.catalog import ENVELOPE_SCHEMA_PATH, EventVersion


def load_example(root: Path, version: EventVersion) -> dict[str, Any] | None:
    path = root / version.example_path
    if not path.is_file():
        return None
    message = json.loads(path.read_text())
    if not isinstance(message, dict):
        raise ValueError(f"{path}: an example is a JSON object (an envelope)")
    return message


def schema_errors(schema: dict[str, Any], instance: Any) -> list[str]:
    """Why *instance* is invalid under a 2020-12 *schema* (formats such as email are checked)."""
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [
        f"{error.json_path}: {error.message}"
        for error in sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
    ]


def example_problems(root: Path, version: EventVersion) -> list[str]:
    """What is wrong with the example of *version*: missing, or not valid as committed."""
    try:
        message = load_example(root, version)
    except (OSError, ValueError) as error:
        return [f"{version.example_path}: unreadable: {error}"]
    if message is None:
        return [f"{version.example_path}: missing: write one realistic message of {version.label}"]
    problems = _against_committed_schemas(root, version, message)
    problems += _against_model(version, message)
    return [f"{version.example_path}: {problem}" for problem in problems]


def _against_committed_schemas(
    root: Path, version: EventVersion, message: dict[str, Any]
) -> list[str]:
    problems = []
    for schema_path, instance in (
        (ENVELOPE_SCHEMA_PATH, message),
        (version.schema_path, message.get("data")),
    ):
        try:
            schema = json.loads((root / schema_path).read_text())
        except OSError:
            problems.append(f"cannot validate: {schema_path} is missing")
            continue
        problems += [f"not valid under {schema_path}: {e}" for e in schema_errors(schema, instance)]
    return problems


def _against_model(version: EventVersion, message: dict[str, Any]) -> list[str]:
    event_class = version.event_class
    try:
        envelope = Envelope.model_validate(message)
        event_class.model_validate(envelope.data)
    except ValidationError as error:
        return [f"rejected by the models: {error}"]
    if (envelope.type, envelope.schemaversion) != (
        event_class.event_type,
        event_class.schema_version,
    ):
        return [
            f"is {envelope.type} version {envelope.schemaversion}, "
            f"not {event_class.event_type} version {event_class.schema_version}"
        ]
    return []
