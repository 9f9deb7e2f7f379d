"""Support's commands: get, call, save."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from servicekit.eventstore import ServiceApplication
from support.domain.case import Case, CaseType, Channel, Priority


class Support(ServiceApplication):
    name = "support"

    def open_case(
        self,
        case_id: UUID,
        customer_id: str | None,
        channel: Channel,
        case_type: CaseType,
        priority: Priority,
        subject: str,
        description: str,
        order_id: str | None = None,
    ) -> Case:
        request: dict[str, Any] = {
            "customer_id": customer_id,
            "channel": channel,
            "case_type": case_type,
            "priority": priority,
            "subject": subject,
            "description": description,
            "order_id": order_id,
        }
        return self.create_once(Case, case_id, request)

    def case(self, case_id: UUID) -> Case:
        case: Case = self.repository.get(case_id)
        return case
