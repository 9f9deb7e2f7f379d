"""Support's commands: get, call, save."""

from __future__ import annotations

from uuid import UUID

from servicekit.eventstore import ServiceApplication
from support.domain.case import Case, CaseType, Channel, Priority


class Support(ServiceApplication):
    name = "support"

    def open_case(
        self,
        customer_id: str | None,
        channel: Channel,
        case_type: CaseType,
        priority: Priority,
        subject: str,
        description: str,
        order_id: str | None = None,
    ) -> Case:
        case = Case(customer_id, channel, case_type, priority, subject, description, order_id)
        self.save(case)
        return case

    def case(self, case_id: UUID) -> Case:
        case: Case = self.repository.get(case_id)
        return case
