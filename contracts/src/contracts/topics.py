"""Every topic, its key and the events it carries: the one registry of the bus."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from contracts.cases import CaseOpened
from contracts.customers import CustomerProfileChanged, CustomerRegistered
from contracts.envelope import ContractViolation, Envelope, IntegrationEvent
from contracts.leads import LeadCaptured, LeadConverted
from contracts.loyalty import LoyaltyAccountOpened


@dataclass(frozen=True)
class Topic:
    name: str
    key: str
    events: tuple[type[IntegrationEvent], ...]
    partitions: int = 3

    @property
    def dead_letter(self) -> str:
        return f"{self.name}.dlq"

    def event_class(self, event_type: str, schema_version: int) -> type[IntegrationEvent]:
        for event_class in self.events:
            if (event_class.event_type, event_class.schema_version) == (event_type, schema_version):
                return event_class
        raise ContractViolation(
            f"topic {self.name} carries no event {event_type!r} version {schema_version}"
        )


TOPICS: dict[str, Topic] = {
    topic.name: topic
    for topic in (
        Topic("crm.leads.v1", key="lead_id", events=(LeadCaptured, LeadConverted)),
        Topic(
            "crm.customers.v1",
            key="customer_id",
            events=(CustomerRegistered, CustomerProfileChanged),
        ),
        Topic("crm.loyalty.accounts.v1", key="customer_id", events=(LoyaltyAccountOpened,)),
        Topic("crm.cases.v1", key="case_id", events=(CaseOpened,)),
    )
}


def topic_of(event_class: type[IntegrationEvent]) -> Topic:
    for topic in TOPICS.values():
        if event_class in topic.events:
            return topic
    raise LookupError(f"{event_class.__name__} is published on no topic")


def decode(topic_name: str, value: bytes | None) -> tuple[Envelope, IntegrationEvent]:
    """Parse a message of a topic, or say exactly why it breaks the contract."""
    try:
        topic = TOPICS[topic_name]
    except KeyError:
        raise ContractViolation(f"unknown topic {topic_name}") from None
    if not value:
        raise ContractViolation("empty message")
    try:
        envelope = Envelope.model_validate_json(value)
    except ValidationError as error:
        raise ContractViolation(f"invalid envelope: {_describe(error)}") from None
    event_class = topic.event_class(envelope.type, envelope.schemaversion)
    try:
        event = event_class.model_validate(envelope.data)
    except ValidationError as error:
        raise ContractViolation(f"invalid {envelope.type} data: {_describe(error)}") from None
    return envelope, event


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in issue['loc']) or '<root>'}: {issue['msg']}"
        for issue in error.errors()
    )
