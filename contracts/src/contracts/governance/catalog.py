"""What the governance tools document: every event version on every topic, and who reads it.

The topic registry (:data:`contracts.TOPICS`) says who produces each topic; who
consumes it is recorded here, next to the tools that publish it in the AsyncAPI
document, so that adding a topic without saying who reads it fails the tests.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contracts.envelope import Envelope, IntegrationEvent
from contracts.topics import TOPICS, Topic

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
GENERATOR = "python -m contracts.governance.schemas generate"

SERVICES: Mapping[str, str] = {
    "acquisition": "Leads, customers (the master record), opportunities, activities, campaigns.",
    "loyalty": "Growth and retention: points ledger, tiers, promotions, rewards, offers.",
    "support": "Cases (tickets) and their service levels.",
    "analytics": "Read models over every topic: segments, churn risk, customer lifetime value.",
    "erp": "The company's ERP: books orders, invoices, payments, shipments and products.",
}

CONSUMERS: Mapping[str, tuple[str, ...]] = {
    "erp.orders.v1": ("acquisition", "loyalty", "support", "analytics"),
    "erp.payments.v1": ("loyalty", "analytics"),
    "erp.shipments.v1": ("support", "analytics"),
    "erp.products.v1": ("loyalty", "analytics"),
    "crm.customers.v1": ("erp", "acquisition", "loyalty", "support", "analytics"),
    "crm.leads.v1": ("acquisition", "analytics"),
    "crm.opportunities.v1": ("erp", "acquisition", "analytics"),
    "crm.activities.v1": ("acquisition",),
    "crm.campaigns.v1": ("acquisition", "analytics"),
    "crm.loyalty.accounts.v1": ("loyalty", "support", "analytics"),
    "crm.loyalty.ledger.v1": ("loyalty", "erp", "analytics"),
    "crm.cases.v1": ("support", "loyalty", "analytics"),
    "crm.notifications.v1": ("messaging", "analytics"),
    "crm.analytics.signals.v1": ("loyalty", "acquisition"),
}
"""Which services consume each topic (from the architecture's table of services)."""


@dataclass(frozen=True)
class EventVersion:
    """One event type in one schema version, on its topic."""

    topic: Topic
    event_class: type[IntegrationEvent]

    @property
    def name(self) -> str:
        """``OrderPlaced.v1``: unique on its topic, the stem of its files."""
        return f"{self.event_class.event_type}.v{self.event_class.schema_version}"

    @property
    def label(self) -> str:
        return f"{self.topic.name}/{self.name}"

    @property
    def schema_path(self) -> Path:
        """The committed data schema, relative to the contracts project directory."""
        return Path("schemas") / self.topic.name / f"{self.name}.json"

    @property
    def example_path(self) -> Path:
        """The hand-written example message, relative to the contracts project directory."""
        return Path("examples") / self.topic.name / f"{self.name}.json"

    @property
    def model_path(self) -> str:
        return f"{self.event_class.__module__}.{self.event_class.__qualname__}"

    def schema(self) -> dict[str, Any]:
        return json_schema(self.event_class)


ENVELOPE_SCHEMA_PATH = Path("schemas") / "envelope.json"
ASYNCAPI_PATH = Path("asyncapi.yaml")


def project_dir() -> Path:
    """The ``contracts/`` directory holding ``schemas/``, ``examples/`` and ``asyncapi.yaml``."""
    return Path(__file__).resolve().parents[3]


def event_versions(topics: Mapping[str, Topic] | None = None) -> Iterator[EventVersion]:
    """Every registered event version, topic by topic, in registry order."""
    for topic in (topics if topics is not None else TOPICS).values():
        for event_class in topic.events:
            yield EventVersion(topic, event_class)


def json_schema(model: type[IntegrationEvent] | type[Envelope]) -> dict[str, Any]:
    """The model's validation schema as pydantic generates it, marked as 2020-12 and generated.

    Validation mode: what a consumer accepts (a ``Decimal`` is a number or a string).
    """
    schema = model.model_json_schema(mode="validation")
    source = f"{model.__module__}.{model.__qualname__}"
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$comment": f"Generated from {source} by `{GENERATOR}`: do not edit.",
        **schema,
    }


def envelope_schema() -> dict[str, Any]:
    return json_schema(Envelope)


def render_json(document: Any) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
