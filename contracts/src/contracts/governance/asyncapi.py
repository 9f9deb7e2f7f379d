"""The AsyncAPI 3.0 document of the bus, and its validation against the official schema.

One channel per topic (with its Kafka key, partitions and infinite retention),
one message per event version (payload: the CloudEvents envelope whose ``data``
is the event's schema, with the committed example), one ``send`` operation for
the producer and one ``receive`` operation per consuming service. The document
is self-contained: the event schemas are embedded under ``components/schemas``.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for

from contracts.governance.catalog import (
    CONSUMERS,
    SERVICES,
    EventVersion,
    envelope_schema,
    event_versions,
    render_json,
)
from contracts.governance.examples import load_example
from contracts.topics import Topic

ASYNCAPI_VERSION = "3.0.0"
SPECS_PACKAGE = "@asyncapi/specs@6.11.1"
KAFKA_BINDING_VERSION = "0.5.0"
LOCAL_BOOTSTRAP = "127.0.0.1:9092"
PARTITIONS = 3
"""What services create topics with (``KAFKA_TOPIC_PARTITIONS``, default 3)."""

_SCHEMAS = "#/components/schemas/"


# --- the document ----------------------------------------------------------------------------


def build_document(root: Path, topics: Mapping[str, Topic] | None = None) -> dict[str, Any]:
    """The AsyncAPI document of *topics* (default: every registered topic)."""
    versions = list(event_versions(topics))
    names = _component_names(versions)
    schemas = _component_schemas(versions, names)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in {version.topic.name: version.topic for version in versions}.values():
        on_topic = [version for version in versions if version.topic is topic]
        channels[topic.name] = _channel(topic, on_topic, names, root)
        operations.update(_operations(topic, on_topic))
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": _info(),
        "defaultContentType": "application/cloudevents+json",
        "servers": {
            "local": {
                "host": LOCAL_BOOTSTRAP,
                "protocol": "kafka",
                "title": "Local Kafka",
                "description": "The single KRaft node that `make run` / `make kafka` starts.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": schemas},
    }


def render_yaml(document: Mapping[str, Any]) -> str:
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        width=100,
        default_flow_style=False,
    )


class _Dumper(yaml.SafeDumper):
    """Plain YAML: no anchors and aliases, multi-line text as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_text(dumper: yaml.SafeDumper, text: str) -> yaml.ScalarNode:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_Dumper.add_representer(str, _represent_text)


def _info() -> dict[str, Any]:
    return {
        "title": "CRM integration events",
        "version": metadata.version("crm-contracts"),
        "description": (
            "Every Kafka topic of the CRM platform and of its ERP integration: the events each\n"
            "carries (CloudEvents 1.0 envelopes, JSON), its key, who produces and who consumes\n"
            "it. Topics keep their events forever (`retention.ms=-1`); consumers ignore fields\n"
            "they do not know; a breaking change is published as a new event version.\n"
            "Generated from `contracts.TOPICS` by `python -m contracts.governance.schemas\n"
            "generate`: do not edit."
        ),
        "tags": [{"name": name, "description": text} for name, text in SERVICES.items()],
    }


def _channel(
    topic: Topic, versions: list[EventVersion], names: Mapping[EventVersion, str], root: Path
) -> dict[str, Any]:
    consumers = ", ".join(CONSUMERS.get(topic.name, ())) or "nobody yet"
    return {
        "address": topic.name,
        "title": topic.name,
        "summary": topic.description,
        "description": (
            f"{topic.description}\n\nKey: `{topic.key}` (also the envelope's `subject`). "
            f"Produced by {', '.join(topic.producers)}; consumed by {consumers}. "
            f"Messages a consumer cannot decode go to `{topic.dead_letter}` with the reason."
        ),
        "servers": [{"$ref": "#/servers/local"}],
        "messages": {version.name: _message(version, names[version], root) for version in versions},
        "bindings": {
            "kafka": {
                "topic": topic.name,
                "partitions": PARTITIONS,
                "topicConfiguration": {"cleanup.policy": ["delete"], "retention.ms": -1},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _message(version: EventVersion, schema_name: str, root: Path) -> dict[str, Any]:
    event = version.event_class
    summary = (event.__doc__ or "").strip().split("\n")[0] or (
        f"{event.event_type} on {version.topic.name}"
    )
    message: dict[str, Any] = {
        "name": event.event_type,
        "title": f"{event.event_type} v{event.schema_version}",
        "summary": summary,
        "contentType": "application/cloudevents+json",
        "payload": {
            "allOf": [
                {"$ref": f"{_SCHEMAS}Envelope"},
                {
                    "type": "object",
                    "required": ["type", "data"],
                    "properties": {
                        "type": {"const": event.event_type},
                        "schemaversion": {"const": event.schema_version},
                        "subject": {"description": f"The {version.topic.key}: the Kafka key"},
                        "data": {"$ref": f"{_SCHEMAS}{schema_name}"},
                    },
                },
            ]
        },
        "correlationId": {
            "description": "The request that started the chain of events",
            "location": "$message.payload#/correlationid",
        },
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "minLength": 1,
                    "description": f"The {version.topic.key}",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }
    example = load_example(root, version)
    if example is not None:
        message["examples"] = [
            {"name": version.name, "summary": f"A typical {event.event_type}", "payload": example}
        ]
    return message


def _operations(topic: Topic, versions: list[EventVersion]) -> dict[str, Any]:
    messages = [
        {"$ref": f"#/channels/{topic.name}/messages/{version.name}"} for version in versions
    ]

    def operation(service: str, action: str, title: str) -> dict[str, Any]:
        return {
            "action": action,
            "channel": {"$ref": f"#/channels/{topic.name}"},
            "title": title,
            "tags": [{"name": service}],
            "messages": [dict(reference) for reference in messages],
        }

    operations = {
        f"{producer}.sends.{topic.name}": operation(
            producer, "send", f"{producer} publishes {topic.name}"
        )
        for producer in topic.producers
    }
    for consumer in CONSUMERS.get(topic.name, ()):
        operations[f"{consumer}.receives.{topic.name}"] = operation(
            consumer, "receive", f"{consumer} consumes {topic.name}"
        )
    return operations


# --- embedding the JSON Schemas --------------------------------------------------------------


def _component_names(versions: list[EventVersion]) -> dict[EventVersion, str]:
    """``OrderPlaced.v1``; qualified by the topic only when two topics use the same name."""
    counts: dict[str, int] = {}
    for version in versions:
        counts[version.name] = counts.get(version.name, 0) + 1
    return {
        version: version.name if counts[version.name] == 1 else version.label.replace("/", ".")
        for version in versions
    }


def _component_schemas(
    versions: list[EventVersion], names: Mapping[EventVersion, str]
) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    schemas.update(_embedded("Envelope", envelope_schema()))
    for version in versions:
        schemas.update(_embedded(names[version], version.schema()))
    return schemas


def _embedded(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The schema and its ``$defs`` as components ``name`` and ``name.Def``, refs rewritten.

    The AsyncAPI Schema Object is a draft-07 superset: ``$defs`` move out, the
    2020-12 ``$schema`` goes, and pydantic's OpenAPI-style discriminator object
    becomes the property name AsyncAPI expects.
    """
    sorted_schema = json.loads(render_json(schema))
    definitions = sorted_schema.pop("$defs", {})
    for keyword in ("$schema", "$comment"):
        sorted_schema.pop(keyword, None)
    components = {name: _rewrite(sorted_schema, name)}
    for definition, subschema in definitions.items():
        components[f"{name}.{definition}"] = _rewrite(subschema, name)
    return components


def _rewrite(node: Any, name: str) -> Any:
    if isinstance(node, list):
        return [_rewrite(item, name) for item in node]
    if not isinstance(node, dict):
        return node
    rewritten = {key: _rewrite(value, name) for key, value in node.items()}
    ref = rewritten.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        rewritten["$ref"] = f"{_SCHEMAS}{name}.{ref.removeprefix('#/$defs/')}"
    discriminator = rewritten.get("discriminator")
    if isinstance(discriminator, dict):
        rewritten["discriminator"] = discriminator["propertyName"]
    return rewritten


# --- validation against the official AsyncAPI JSON Schema -------------------------------------


def npm_cache_dir() -> Path:
    """``${XDG_CACHE_HOME:-~/.cache}/crm-devstack/npm``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "crm-devstack" / "npm"


def ensure_spec_schema(npm: str | None = None) -> Path:
    """The official AsyncAPI 3.0.0 JSON Schema, installed from npm into the cache once.

    Runs ``npm install --prefix <cache> --no-audit --no-fund @asyncapi/specs@<pinned>``
    (npm checks the package's integrity). A marker naming the package is written
    last, so an interrupted install is redone; a file lock makes concurrent calls
    (parallel test workers, several checkouts) safe.
    """
    prefix = npm_cache_dir()
    schema = (
        prefix / "node_modules/@asyncapi/specs/schemas" / f"{ASYNCAPI_VERSION}-without-$id.json"
    )
    marker = prefix / ".installed"

    def complete() -> bool:
        try:
            return marker.read_text().strip() == SPECS_PACKAGE and schema.is_file()
        except OSError:
            return False

    if complete():
        return schema
    with _file_lock(prefix.parent / "npm.lock"):
        if complete():
            return schema
        _npm_install(npm or shutil.which("npm"), prefix)
        if not schema.is_file():
            raise RuntimeError(f"npm installed {SPECS_PACKAGE} but {schema} is not there")
        temporary = marker.with_suffix(".tmp")
        temporary.write_text(SPECS_PACKAGE + "\n")
        temporary.replace(marker)
    return schema


def _npm_install(npm: str | None, prefix: Path) -> None:
    if not npm:
        raise FileNotFoundError("npm not found on PATH; install Node.js (apt-get install npm)")
    shutil.rmtree(prefix, ignore_errors=True)
    prefix.mkdir(parents=True)
    command = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund", SPECS_PACKAGE]
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        command,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def validation_errors(document: Mapping[str, Any], spec_schema: Path | None = None) -> list[str]:
    """Why *document* is not a valid AsyncAPI 3.0.0 document (empty when it is).

    The validator is the one for the draft the official schema declares (draft-07).
    """
    schema = json.loads((spec_schema or ensure_spec_schema()).read_text())
    validator_class = validator_for(schema)
    declared = str(schema.get("$schema", "")).rstrip("#")
    supported = str(validator_class.META_SCHEMA.get("$schema", "")).rstrip("#")
    if not declared or declared != supported:
        raise ValueError(f"the AsyncAPI schema declares {declared!r}, no validator supports it")
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    errors = []
    for error in sorted(validator.iter_errors(document), key=lambda e: list(e.path)):
        cause = best_match([error])
        errors.append(f"{cause.json_path}: {cause.message[:500]}")
    return errors
