"""Each example message is valid as committed, and consumers decode it the way they should."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from contracts import ContractViolation, Envelope, decode
from contracts.erp.orders import OrderPlaced
from contracts.governance.catalog import ENVELOPE_SCHEMA_PATH, EventVersion, event_versions
from contracts.governance.examples import example_problems, load_example, schema_errors
from contracts.signals import SegmentChanged
from contracts.topics import _explain as explain

VERSIONS = list(event_versions())


def example(root: Path, version: EventVersion) -> dict[str, Any]:
    message = load_example(root, version)
    assert message is not None, f"no example {version.example_path}"
    return message


def received(root: Path, version: EventVersion) -> bytes:
    """The example as the bytes a consumer receives."""
    return (root / version.example_path).read_bytes()


def committed(root: Path, path: Path) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((root / path).read_text())
    return schema


@pytest.mark.parametrize("version", VERSIONS, ids=lambda version: version.label)
def test_the_example_is_valid_under_the_committed_envelope_and_event_schemas(
    root: Path, version: EventVersion
) -> None:
    # given the example of an event version and the committed schemas
    message = example(root, version)

    # when each part is validated against its schema / then neither has an error
    assert schema_errors(committed(root, ENVELOPE_SCHEMA_PATH), message) == []
    assert schema_errors(committed(root, version.schema_path), message["data"]) == []
    assert example_problems(root, version) == []


@pytest.mark.parametrize("version", VERSIONS, ids=lambda version: version.label)
def test_the_example_decodes_to_its_event_class_on_its_topic(
    root: Path, version: EventVersion
) -> None:
    # given the example as received / when the topic's consumer decodes it
    envelope, event = decode(version.topic.name, received(root, version))

    # then it is that event, keyed as the topic says
    assert type(event) is version.event_class
    assert envelope.schemaversion == version.event_class.schema_version
    key = getattr(event, version.topic.key, None)
    assert key is None or envelope.subject == key, "the subject is the topic's key"


def encoded(message: dict[str, Any]) -> bytes:
    return json.dumps(message).encode()


def order_placed(root: Path) -> dict[str, Any]:
    (version,) = [v for v in VERSIONS if v.name == "OrderPlaced.v1"]
    return example(root, version)


def test_a_consumer_ignores_fields_it_does_not_know(root: Path) -> None:
    # given an OrderPlaced from a newer producer with fields this version does not know
    message = order_placed(root)
    message["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    message["data"]["loyalty_card"] = "LC-77812"
    message["data"]["lines"][0]["gift_wrap"] = True

    # when it is decoded
    _, event = decode("erp.orders.v1", encoded(message))

    # then the known fields are read and the unknown ones dropped
    assert event.model_dump()["order_id"] == message["data"]["order_id"]
    assert "loyalty_card" not in event.model_dump()


def test_a_message_missing_a_required_field_is_a_contract_violation_naming_it(
    root: Path,
) -> None:
    message = order_placed(root)
    del message["data"]["placed_at"]

    with pytest.raises(
        ContractViolation, match=r"invalid OrderPlaced data: placed_at: Field required"
    ):
        decode("erp.orders.v1", encoded(message))


def test_a_field_of_the_wrong_type_is_a_contract_violation_naming_it(root: Path) -> None:
    message = order_placed(root)
    message["data"]["lines"][0]["quantity"] = "two"

    with pytest.raises(
        ContractViolation, match=r"lines\.0\.quantity: Input should be a valid integer"
    ):
        decode("erp.orders.v1", encoded(message))


def test_an_envelope_missing_its_subject_is_a_contract_violation_naming_it(root: Path) -> None:
    message = order_placed(root)
    del message["subject"]

    with pytest.raises(ContractViolation, match=r"invalid envelope: subject: Field required"):
        decode("erp.orders.v1", encoded(message))


def test_an_event_version_the_topic_does_not_carry_is_a_contract_violation(root: Path) -> None:
    message = order_placed(root)
    message["schemaversion"] = 2

    with pytest.raises(ContractViolation, match=r"no event 'OrderPlaced' version 2"):
        decode("erp.orders.v1", encoded(message))


@pytest.mark.parametrize("version", VERSIONS, ids=lambda version: version.label)
def test_reading_a_message_in_one_pass_gives_what_envelope_then_data_gives(
    root: Path, version: EventVersion
) -> None:
    # given the example as received
    raw = received(root, version)

    # when it is read in one pass, and in the two steps that explain violations
    message, event = decode(version.topic.name, raw)
    explained, explained_event = explain(version.topic, raw)

    # then both read the same attributes and the same event
    assert message.model_dump() == explained.model_dump()
    assert event == explained_event
    assert message.data is event


def test_a_message_stating_no_schema_version_is_read_as_version_1(root: Path) -> None:
    # given an OrderPlaced relying on the envelope's default version
    message = order_placed(root)
    del message["schemaversion"]

    # when it is decoded / then it is version 1 of the event
    envelope, event = decode("erp.orders.v1", encoded(message))
    assert envelope.schemaversion == 1
    assert isinstance(event, OrderPlaced)


@pytest.mark.parametrize("version", VERSIONS, ids=lambda version: version.label)
def test_a_message_read_travels_again_as_it_came(root: Path, version: EventVersion) -> None:
    # given an example as a consumer read it (e.g. to park it until its customer is known)
    message, event = decode(version.topic.name, received(root, version))

    # when its bytes are read again / then they say the same
    again, event_again = decode(version.topic.name, message.to_bytes())
    assert again.model_dump() == message.model_dump()
    assert event_again == event


def test_a_required_field_without_a_value_survives_a_message_travelling_again() -> None:
    # given a first segment assessment: its required previous segment is None
    first = SegmentChanged(
        customer_id="c-1",
        segment="Champions",
        previous_segment=None,
        rfm_score="555",
        assessed_at=datetime(2026, 3, 1, tzinfo=UTC),
    )
    wire = Envelope.wrap(first, source="/crm/analytics", subject="c-1").to_bytes()
    message, _ = decode("crm.analytics.signals.v1", wire)

    # when the message read travels again / then it is still a valid SegmentChanged
    assert decode("crm.analytics.signals.v1", message.to_bytes())[1] == first
