"""The company's SLA policies, changed by an administrator (PUT /sla-policies)."""

from __future__ import annotations

from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from support.domain.sla import SlaPolicy, default_policies


class SlaPolicyBook(Aggregate):
    TOPIC = "support:SlaPolicyBook"
    ID = uuid5(NAMESPACE_URL, "/crm/support/sla-policies")

    class Created(Aggregate.Created):
        TOPIC = "support:SlaPolicyBook.Created"

    class Started(Aggregate.Created):
        TOPIC = "support:SlaPolicyBook.Started"

    class PoliciesSet(Aggregate.Event):
        TOPIC = "support:SlaPolicyBook.PoliciesSet"
        policies: list[dict[str, Any]]

    @event(Started)
    def __init__(self, id: UUID) -> None:
        self.policies: tuple[SlaPolicy, ...] = default_policies()

    def set_policies(self, policies: list[SlaPolicy]) -> None:
        priorities = {policy.priority for policy in policies if policy.tier is None}
        missing = {"low", "normal", "high", "urgent"} - priorities
        if missing:
            raise ValueError(
                f"every priority needs a policy for any tier; missing: {sorted(missing)}"
            )
        self._policies_set([policy.to_dict() for policy in policies])

    @event(PoliciesSet)
    def _policies_set(self, policies: list[dict[str, Any]]) -> None:
        self.policies = tuple(SlaPolicy.from_dict(policy) for policy in policies)
