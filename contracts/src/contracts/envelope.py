"""The CloudEvents 1.0 envelope every integration event travels in."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, Generic, Literal, TypeVar
from uuid import uuid4

from pydantic import BaseModel, ConfigDict, Field, SerializeAsAny
from pydantic_core import to_json


class ContractViolation(ValueError):
    """A message that cannot be decoded or does not satisfy its contract."""


class IntegrationEvent(BaseModel):
    """Base of every published event.

    Consumers ignore fields they do not know, so producers may add optional
    fields without a new version; anything else needs a new ``schema_version``.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    schema_version: ClassVar[int] = 1


class Attributes(BaseModel):
    """What an envelope says about its event: everything but the data."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    specversion: Literal["1.0"] = "1.0"
    id: str = Field(default_factory=lambda: str(uuid4()), min_length=1)
    source: str = Field(min_length=1, description="The producing system, e.g. /crm/acquisition")
    type: str = Field(min_length=1, description="The event type, e.g. CustomerRegistered")
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    subject: str = Field(min_length=1, description="The aggregate or entity id; also the Kafka key")
    datacontenttype: Literal["application/json"] = "application/json"
    schemaversion: int = Field(default=1, ge=1)
    aggregateversion: int | None = None
    correlationid: str | None = None
    causationid: str | None = None
    actor: str | None = None


class Envelope(Attributes):
    """CloudEvents 1.0 attributes plus the CRM's extension attributes.

    Extension names are lower-case alphanumerics, as CloudEvents requires.
    """

    data: dict[str, Any]

    @classmethod
    def wrap(cls, event: IntegrationEvent, **attributes: Any) -> Envelope:
        return cls(
            type=event.event_type,
            schemaversion=event.schema_version,
            data=event.model_dump(mode="json"),
            **attributes,
        )

    def to_bytes(self) -> bytes:
        return self.model_dump_json(exclude_none=True).encode()

    @staticmethod
    def serialise(
        event: IntegrationEvent,
        *,
        id: str,
        source: str,
        subject: str,
        time: datetime,
        aggregateversion: int | None = None,
        correlationid: str | None = None,
        causationid: str | None = None,
        actor: str | None = None,
    ) -> bytes:
        """The message ``wrap(event, ...).to_bytes()`` gives, without building the envelope.

        A relay serialises every stored event, and building the envelope model (then
        dumping the event twice, into it and out of it) cost it more than producing the
        record. The attributes come from the store, and the event was validated when
        made, so nothing here needs validating again.
        """
        message: dict[str, Any] = {
            "specversion": "1.0",
            "id": id,
            "source": source,
            "type": event.event_type,
            "time": time,
            "subject": subject,
            "datacontenttype": "application/json",
            "schemaversion": event.schema_version,
        }
        if aggregateversion is not None:
            message["aggregateversion"] = aggregateversion
        if correlationid is not None:
            message["correlationid"] = correlationid
        if causationid is not None:
            message["causationid"] = causationid
        if actor is not None:
            message["actor"] = actor
        message["data"] = event
        return to_json(message)


Event = TypeVar("Event", bound=IntegrationEvent)


class Message(Attributes, Generic[Event]):
    """An envelope as a consumer reads it: its data already validated as the event its
    type names (see :func:`contracts.decode`). Serialised as the event it holds, whatever
    class the message was declared for."""

    data: SerializeAsAny[Event]

    def to_bytes(self) -> bytes:
        """The message as its producer sent it: attributes without a value are left
        out, the event's fields never (a required field may be None)."""
        return Envelope.serialise(
            self.data,
            id=self.id,
            source=self.source,
            subject=self.subject,
            time=self.time,
            aggregateversion=self.aggregateversion,
            correlationid=self.correlationid,
            causationid=self.causationid,
            actor=self.actor,
        )
