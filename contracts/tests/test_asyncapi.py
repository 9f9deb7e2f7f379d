"""The AsyncAPI document is current, valid AsyncAPI 3.0.0, and describes every topic."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from contracts import TOPICS
from contracts.governance.asyncapi import build_document, render_yaml, validation_errors
from contracts.governance.catalog import CONSUMERS, event_versions


@pytest.fixture(scope="module")
def document(root: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((root / "asyncapi.yaml").read_text())
    return loaded


def test_the_committed_document_is_what_the_registry_generates(root: Path) -> None:
    assert (root / "asyncapi.yaml").read_text() == render_yaml(build_document(root))


def test_the_document_is_valid_against_the_official_asyncapi_3_0_0_schema(
    document: dict[str, Any], asyncapi_spec_schema: Path
) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert validation_errors(document, asyncapi_spec_schema) == []


def test_an_invalid_document_is_rejected_with_the_place_of_the_error(
    document: dict[str, Any], asyncapi_spec_schema: Path
) -> None:
    # given the document with a Kafka binding the spec forbids
    broken = copy.deepcopy(document)
    broken["channels"]["erp.orders.v1"]["bindings"]["kafka"]["partitions"] = 0

    # when it is validated
    errors = validation_errors(broken, asyncapi_spec_schema)

    # then the error names the binding
    assert errors == [
        "$.channels['erp.orders.v1'].bindings.kafka.partitions: 0 is less than the minimum of 1"
    ]


@pytest.mark.parametrize("name", list(TOPICS))
def test_every_topic_is_a_channel_with_its_key_retention_and_messages(
    document: dict[str, Any], name: str
) -> None:
    # given a registered topic
    topic = TOPICS[name]

    # when its channel is read from the document
    channel = document["channels"][name]

    # then it has the topic's address, infinite retention, key and one message per event version
    assert channel["address"] == name
    kafka = channel["bindings"]["kafka"]
    assert kafka["topic"] == name
    assert kafka["partitions"] >= 1
    assert kafka["topicConfiguration"]["retention.ms"] == -1
    expected = {f"{event.event_type}.v{event.schema_version}" for event in topic.events}
    assert set(channel["messages"]) == expected
    for message in channel["messages"].values():
        assert topic.key in message["bindings"]["kafka"]["key"]["description"]
        assert message["bindings"]["kafka"]["key"]["type"] == "string"
        assert message["examples"][0]["payload"]["type"] == message["name"]


@pytest.mark.parametrize("name", list(TOPICS))
def test_every_topic_has_a_send_operation_for_its_producer_and_one_receive_per_consumer(
    document: dict[str, Any], name: str
) -> None:
    operations = [
        operation
        for operation in document["operations"].values()
        if operation["channel"]["$ref"] == f"#/channels/{name}"
    ]

    sends = [op["tags"][0]["name"] for op in operations if op["action"] == "send"]
    receives = [op["tags"][0]["name"] for op in operations if op["action"] == "receive"]
    assert sends == list(TOPICS[name].producers)
    assert receives == list(CONSUMERS[name])


def test_each_message_payload_is_the_envelope_with_the_events_schema_as_data(
    document: dict[str, Any],
) -> None:
    for version in event_versions():
        message = document["channels"][version.topic.name]["messages"][version.name]
        envelope, specific = message["payload"]["allOf"]
        assert envelope == {"$ref": "#/components/schemas/Envelope"}
        assert specific["properties"]["type"] == {"const": version.event_class.event_type}
        data = _resolve(document, specific["properties"]["data"]["$ref"])
        assert data["title"] == version.event_class.__name__
        assert set(data["required"]) == {
            name for name, field in version.event_class.model_fields.items() if field.is_required()
        }


def test_every_reference_in_the_document_points_at_something(document: dict[str, Any]) -> None:
    references = list(_references(document))

    assert references, "the document uses references"
    for reference in references:
        assert _resolve(document, reference) is not None, reference


def _references(node: Any) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            found.append(node["$ref"])
        for value in node.values():
            found += _references(value)
    elif isinstance(node, list):
        for item in node:
            found += _references(item)
    return found


def _resolve(document: dict[str, Any], reference: str) -> Any:
    assert reference.startswith("#/"), f"{reference} is not local"
    node: Any = document
    for token in reference[2:].split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node
