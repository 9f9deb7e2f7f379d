"""The published language between the CRM's services and with the ERP.

Only this package is shared between services: integration events (one pydantic
model per event and version), the CloudEvents envelope that carries them, and
the registry binding each Kafka topic to its key and its events.
"""

from contracts.envelope import Attributes, ContractViolation, Envelope, IntegrationEvent, Message
from contracts.topics import TOPICS, Topic, decode, topic_of

__all__ = [
    "TOPICS",
    "Attributes",
    "ContractViolation",
    "Envelope",
    "IntegrationEvent",
    "Message",
    "Topic",
    "decode",
    "topic_of",
]
