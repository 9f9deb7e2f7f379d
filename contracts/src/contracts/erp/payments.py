"""Payment behaviour (topic ``erp.payments.v1``, key = invoice id).

How a customer pays is a qualitative datum for their classification. Consumers
recognise a resent fact by its ``business_key``: the invoice and what happened to it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar

from pydantic import Field, model_validator

from contracts.envelope import IntegrationEvent


class _CustomerReference(IntegrationEvent):
    customer_id: str | None = None
    erp_customer_number: str | None = None

    @model_validator(mode="after")
    def _names_its_customer(self) -> _CustomerReference:
        if not self.customer_id and not self.erp_customer_number:
            raise ValueError("a payment names its customer_id or its erp_customer_number")
        return self


class PaymentReceived(_CustomerReference):
    event_type: ClassVar[str] = "PaymentReceived"

    invoice_id: str = Field(min_length=1)
    order_id: str | None = None
    amount: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    received_at: datetime

    @property
    def business_key(self) -> str:
        return f"{self.invoice_id}:{self.event_type}"


class PaymentOverdue(_CustomerReference):
    event_type: ClassVar[str] = "PaymentOverdue"

    invoice_id: str = Field(min_length=1)
    order_id: str | None = None
    amount: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    days_overdue: int = Field(gt=0)
    reported_at: datetime | None = None

    @property
    def business_key(self) -> str:
        """Each report of an invoice's days overdue is a fact of its own."""
        return f"{self.invoice_id}:{self.event_type}:{self.days_overdue}"
