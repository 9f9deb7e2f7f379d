"""Requests to tell a customer something (topic ``crm.notifications.v1``, key = notification id).

The CRM decides what to say and why; a messaging system (e-mail, SMS, push)
delivers it, honouring the customer's consents for the purpose.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from contracts.envelope import IntegrationEvent

NotificationChannel = Literal["email", "sms", "push", "letter", "preferred"]
Purpose = Literal["service", "marketing", "loyalty"]


class NotificationRequested(IntegrationEvent):
    event_type: ClassVar[str] = "NotificationRequested"

    notification_id: str
    customer_id: str
    channel: NotificationChannel = "preferred"
    purpose: Purpose
    template: str = Field(min_length=1, description="e.g. shipment_delayed, satisfaction_survey")
    parameters: dict[str, str] = Field(default_factory=dict)
    requested_by: str = Field(description="The service asking, e.g. support")
    requested_at: datetime
