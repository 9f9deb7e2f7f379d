"""Every topic, its key and the events it carries: the one registry of the bus."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, Union

from pydantic import Field, TypeAdapter, ValidationError, create_model

from contracts.activities import ActivityCompleted, ActivityScheduled
from contracts.campaigns import CampaignCostRecorded, CampaignLaunched
from contracts.cases import (
    CaseAssigned,
    CaseCustomerLinked,
    CaseOpened,
    CasePriorityRaised,
    CaseReplied,
    CaseSlaBreached,
    CaseSlaWarning,
    CaseStatusChanged,
    SatisfactionRecorded,
)
from contracts.customers import (
    ConsentsChanged,
    CustomerErased,
    CustomerMerged,
    CustomerProfileChanged,
    CustomerRegistered,
)
from contracts.envelope import Attributes, ContractViolation, Envelope, IntegrationEvent, Message
from contracts.erp.orders import OrderCancelled, OrderPaid, OrderPlaced, OrderReturned
from contracts.erp.payments import PaymentOverdue, PaymentReceived
from contracts.erp.products import ProductUpserted
from contracts.erp.shipments import ShipmentDelayed, ShipmentDelivered, ShipmentDispatched
from contracts.leads import (
    LeadAssigned,
    LeadCaptured,
    LeadContacted,
    LeadConverted,
    LeadDisqualified,
    LeadDuplicatesFlagged,
    LeadMerged,
    LeadQualified,
    LeadScored,
)
from contracts.ledger import (
    PointsExpired,
    PointsIssued,
    PointsRedeemed,
    PointsReturned,
    PointsReversed,
)
from contracts.loyalty import LoyaltyAccountOpened, TierChanged
from contracts.notifications import NotificationRequested
from contracts.opportunities import (
    OpportunityLost,
    OpportunityOpened,
    OpportunityStageChanged,
    OpportunityWon,
)
from contracts.signals import ChurnRiskCleared, ChurnRiskRaised, ClvUpdated, SegmentChanged


@dataclass(frozen=True)
class Topic:
    name: str
    key: str
    events: tuple[type[IntegrationEvent], ...]
    producer: str
    description: str
    also_produced_by: tuple[str, ...] = ()

    @property
    def producers(self) -> tuple[str, ...]:
        """The owner first, then any other service publishing the same events."""
        return (self.producer, *self.also_produced_by)

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
        Topic(
            "erp.orders.v1",
            key="order_id",
            events=(OrderPlaced, OrderPaid, OrderCancelled, OrderReturned),
            producer="erp",
            description="Orders as the ERP books them, from every sales channel.",
        ),
        Topic(
            "erp.payments.v1",
            key="invoice_id",
            events=(PaymentReceived, PaymentOverdue),
            producer="erp",
            description="Payments received and invoices overdue: the customer's payment behaviour.",
        ),
        Topic(
            "erp.shipments.v1",
            key="order_id",
            events=(ShipmentDispatched, ShipmentDelayed, ShipmentDelivered),
            producer="erp",
            description="Where each order's shipment is.",
        ),
        Topic(
            "erp.products.v1",
            key="sku",
            events=(ProductUpserted,),
            producer="erp",
            description="The product catalogue with prices and costs.",
        ),
        Topic(
            "crm.customers.v1",
            key="customer_id",
            events=(
                CustomerRegistered,
                CustomerProfileChanged,
                CustomerMerged,
                CustomerErased,
                ConsentsChanged,
            ),
            producer="acquisition",
            description="The customer master record, for the ERP and every service.",
        ),
        Topic(
            "crm.leads.v1",
            key="lead_id",
            events=(
                LeadCaptured,
                LeadConverted,
                LeadContacted,
                LeadQualified,
                LeadDisqualified,
                LeadAssigned,
                LeadScored,
                LeadDuplicatesFlagged,
                LeadMerged,
            ),
            producer="acquisition",
            description="Leads captured and converted, for analytics.",
        ),
        Topic(
            "crm.opportunities.v1",
            key="opportunity_id",
            events=(OpportunityWon, OpportunityLost, OpportunityOpened, OpportunityStageChanged),
            producer="acquisition",
            description="Won deals, for the ERP to raise the sales order; lost ones for analytics.",
        ),
        Topic(
            "crm.activities.v1",
            key="activity_id",
            events=(ActivityScheduled, ActivityCompleted),
            producer="acquisition",
            description="Tasks, calls, meetings and notes: agendas, stale deals, engagement.",
        ),
        Topic(
            "crm.campaigns.v1",
            key="campaign_id",
            events=(CampaignLaunched, CampaignCostRecorded),
            producer="acquisition",
            description="Campaigns, budgets and actual costs: cost per lead and per customer.",
        ),
        Topic(
            "crm.loyalty.accounts.v1",
            key="account_id",
            events=(LoyaltyAccountOpened, TierChanged),
            producer="loyalty",
            description="Loyalty accounts and their tiers.",
        ),
        Topic(
            "crm.loyalty.ledger.v1",
            key="account_id",
            events=(PointsIssued, PointsReversed, PointsRedeemed, PointsExpired, PointsReturned),
            producer="loyalty",
            description="Every points movement with its monetary value, for the ERP's books.",
        ),
        Topic(
            "crm.cases.v1",
            key="case_id",
            events=(
                CaseOpened,
                CaseAssigned,
                CaseCustomerLinked,
                CaseReplied,
                CaseStatusChanged,
                CasePriorityRaised,
                CaseSlaWarning,
                CaseSlaBreached,
                SatisfactionRecorded,
            ),
            producer="support",
            description="Support cases.",
        ),
        Topic(
            "crm.notifications.v1",
            key="notification_id",
            events=(NotificationRequested,),
            producer="support",
            also_produced_by=("loyalty",),
            description="What to tell a customer and why; a messaging system delivers it.",
        ),
        Topic(
            "crm.analytics.signals.v1",
            key="customer_id",
            events=(SegmentChanged, ChurnRiskRaised, ChurnRiskCleared, ClvUpdated),
            producer="analytics",
            description="Changes in a customer's segment, churn risk and CLV, to act on.",
        ),
    )
}


def topic_of(event_class: type[IntegrationEvent]) -> Topic:
    for topic in TOPICS.values():
        if event_class in topic.events:
            return topic
    raise LookupError(f"{event_class.__name__} is published on no topic")


def decode(
    topic_name: str, value: bytes | None
) -> tuple[Message[IntegrationEvent], IntegrationEvent]:
    """Parse a message of a topic, or say exactly why it breaks the contract."""
    try:
        topic = TOPICS[topic_name]
    except KeyError:
        raise ContractViolation(f"unknown topic {topic_name}") from None
    if not value:
        raise ContractViolation("empty message")
    try:
        message = _messages(topic).validate_json(value)
    except ValidationError:
        return _explain(topic, value)
    return message, message.data


@cache
def _messages(topic: Topic) -> TypeAdapter[Message[IntegrationEvent]]:
    """One validator for the topic's messages, their data validated as the event their
    type names in the same pass: parsing the envelope, then validating its data as a
    second step, cost consumers nearly half as much again.

    Several versions of one event are told apart by ``schemaversion``, which their
    messages must then state; one relying on its default is read by :func:`_explain`.
    """
    by_type: dict[str, list[Any]] = {}
    for event_class in topic.events:
        by_type.setdefault(event_class.event_type, []).append(_message_model(event_class))
    kinds: list[Any] = [
        models[0]
        if len(models) == 1
        else Annotated[Union[tuple(models)], Field(discriminator="schemaversion")]  # noqa: UP007
        for models in by_type.values()
    ]
    one_of: Any = (
        kinds[0] if len(kinds) == 1 else Annotated[Union[tuple(kinds)], Field(discriminator="type")]  # noqa: UP007
    )
    return TypeAdapter(one_of)


def _message_model(event_class: type[IntegrationEvent]) -> Any:
    """``Message[event_class]`` whose type and version can only be the event's."""
    event_type: Any = Literal[event_class.event_type]
    version: Any = Literal[event_class.schema_version]
    return create_model(
        f"{event_class.__name__}V{event_class.schema_version}Message",
        __base__=Message[event_class],  # type: ignore[valid-type]
        type=(event_type, ...),
        schemaversion=(version, 1 if event_class.schema_version == 1 else ...),
    )


def _explain(topic: Topic, value: bytes) -> tuple[Message[IntegrationEvent], IntegrationEvent]:
    """Decode in two steps, envelope then data, to say which part breaks the contract
    (or read a message :func:`_messages` does not)."""
    try:
        envelope = Envelope.model_validate_json(value)
    except ValidationError as error:
        raise ContractViolation(f"invalid envelope: {_describe(error)}") from None
    event_class = topic.event_class(envelope.type, envelope.schemaversion)
    try:
        event = event_class.model_validate(envelope.data)
    except ValidationError as error:
        raise ContractViolation(f"invalid {envelope.type} data: {_describe(error)}") from None
    attributes = {name: getattr(envelope, name) for name in Attributes.model_fields}
    return Message[IntegrationEvent].model_construct(**attributes, data=event), event


def _describe(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(part) for part in issue['loc']) or '<root>'}: {issue['msg']}"
        for issue in error.errors()
    )
