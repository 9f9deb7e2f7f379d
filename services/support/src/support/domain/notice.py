"""A notice to a customer: what support wants them told, for the messaging system to send."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


class Notice(Aggregate):
    TOPIC = "support:Notice"

    class Created(Aggregate.Created):
        TOPIC = "support:Notice.Created"

    class Requested(Aggregate.Created):
        TOPIC = "support:Notice.Requested"
        customer_id: str
        purpose: str
        template: str
        parameters: dict[str, str]

    @staticmethod
    def id_for(*reason: str) -> UUID:
        """One notice per reason (e.g. an order's delay to a given date), however often
        the reason is seen: the ERP may report the same delay twice."""
        return uuid5(NAMESPACE_URL, "/crm/support/notices/" + "/".join(reason))

    @event(Requested)
    def __init__(
        self,
        id: UUID,
        customer_id: str,
        purpose: str,
        template: str,
        parameters: dict[str, str],
    ) -> None:
        self.customer_id = customer_id
        self.purpose = purpose
        self.template = template
        self.parameters: dict[str, Any] = dict(parameters)
