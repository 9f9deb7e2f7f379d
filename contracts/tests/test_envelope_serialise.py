"""The relay's shortcut writes the very message the envelope model writes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts import Envelope
from contracts.governance.catalog import EventVersion, event_versions
from contracts.governance.examples import load_example

VERSIONS = list(event_versions())


@pytest.mark.parametrize("version", VERSIONS, ids=lambda version: version.label)
def test_serialising_an_event_writes_what_wrapping_it_writes(
    root: Path, version: EventVersion
) -> None:
    # given an event made from its example, and the attributes a relay knows
    message = load_example(root, version)
    assert message is not None
    event = version.event_class.model_validate(message["data"])
    attributes = {
        "id": "4f6c0d7e-1111-5222-8333-944455556666",
        "source": "/crm/test",
        "subject": "aggregate-1",
        "time": datetime(2026, 12, 5, 9, 30, 1, 123456, tzinfo=UTC),
        "aggregateversion": 7,
        "correlationid": "correlation-1",
        "actor": "rep@example.com",
    }

    # when it is serialised directly and through the envelope model
    direct = Envelope.serialise(event, **attributes)  # type: ignore[arg-type]
    wrapped = Envelope.wrap(event, **attributes).to_bytes()

    # then both say the same: absent attributes (the causation id) left out, the data whole
    assert json.loads(direct) == json.loads(wrapped)
    assert "causationid" not in json.loads(direct)
