"""Orders as the ERP books them (topic ``erp.orders.v1``, key = order id).

An ERP resends facts under new message ids, so consumers recognise a fact by its
``business_key``: the order and what happened to it, a return by its own id or,
from an ERP that gives none, by when it happened and what came back.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from contracts.envelope import IntegrationEvent

SalesChannel = Literal["store", "ecommerce", "phone", "marketplace"]
PaymentMethod = Literal["store_card", "credit_card", "debit_card", "cash", "transfer"]
Currency = str  # ISO 4217, three letters


#: what an order's facts make of it, from first to last: an order is as far as its
#: furthest fact took it, whatever order the facts arrive in (a payment after a return
#: leaves it returned; nothing takes a cancelled order back)
ORDER_PROGRESS = ("placed", "paid", "returned", "cancelled")


def order_status(status: str, reached: str) -> str:
    """The status of an order at ``status`` that a fact taking it to ``reached`` leaves."""
    return max(status, reached, key=ORDER_PROGRESS.index)


class OrderLine(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    sku: str = Field(min_length=1)
    category: str = Field(min_length=1)
    quantity: int = Field(gt=0)
    unit_price: Decimal = Field(ge=0)


class ReturnedLine(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    sku: str = Field(min_length=1)
    quantity: int = Field(gt=0)


class OrderPlaced(IntegrationEvent):
    """A customer ordered: known by CRM customer id, by ERP customer number, or both."""

    event_type: ClassVar[str] = "OrderPlaced"

    order_id: str = Field(min_length=1)
    customer_id: str | None = None
    erp_customer_number: str | None = None
    placed_at: datetime
    currency: Currency = Field(pattern=r"^[A-Z]{3}$")
    channel: SalesChannel
    payment_method: PaymentMethod
    lines: list[OrderLine] = Field(min_length=1)
    total: Decimal = Field(ge=0)

    @model_validator(mode="after")
    def _names_its_customer(self) -> OrderPlaced:
        if not self.customer_id and not self.erp_customer_number:
            raise ValueError("an order names its customer_id or its erp_customer_number")
        return self

    @property
    def business_key(self) -> str:
        return f"{self.order_id}:{self.event_type}"


class OrderPaid(IntegrationEvent):
    event_type: ClassVar[str] = "OrderPaid"

    order_id: str = Field(min_length=1)
    paid_at: datetime

    @property
    def business_key(self) -> str:
        return f"{self.order_id}:{self.event_type}"


class OrderCancelled(IntegrationEvent):
    event_type: ClassVar[str] = "OrderCancelled"

    order_id: str = Field(min_length=1)
    reason: str
    cancelled_at: datetime | None = None

    @property
    def business_key(self) -> str:
        return f"{self.order_id}:{self.event_type}"


class OrderReturned(IntegrationEvent):
    event_type: ClassVar[str] = "OrderReturned"

    order_id: str = Field(min_length=1)
    lines: list[ReturnedLine] = Field(min_length=1)
    returned_at: datetime
    return_id: str | None = Field(
        default=None, min_length=1, description="The ERP's own id of the return, if it has one"
    )

    @property
    def return_key(self) -> str:
        """The return among the order's returns: its id, or when and what came back."""
        if self.return_id:
            return self.return_id
        lines = ",".join(f"{line.sku}x{line.quantity}" for line in self.lines)
        return f"{self.returned_at.isoformat()}|{lines}"

    @property
    def business_key(self) -> str:
        return f"{self.order_id}:{self.event_type}:{self.return_key}"
