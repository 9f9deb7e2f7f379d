"""Deliveries (topic ``erp.shipments.v1``, key = order id).

Consumers recognise a resent fact by its ``business_key``: the order and what
happened to its delivery.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from pydantic import Field

from contracts.envelope import IntegrationEvent

#: what a delivery's facts make of it, from first to last (see ``ORDER_PROGRESS``); a
#: delay only ever moves the ETA later
SHIPMENT_PROGRESS = ("dispatched", "delayed", "delivered")


def shipment_status(status: str | None, reached: str) -> str:
    """The status of a shipment at ``status`` (None: not dispatched yet) that a fact
    taking it to ``reached`` leaves."""
    return reached if status is None else max(status, reached, key=SHIPMENT_PROGRESS.index)


class ShipmentDispatched(IntegrationEvent):
    event_type: ClassVar[str] = "ShipmentDispatched"

    order_id: str = Field(min_length=1)
    shipment_id: str = Field(min_length=1)
    carrier: str
    tracking_number: str | None = None
    dispatched_at: datetime
    eta: date

    @property
    def business_key(self) -> str:
        return f"{self.order_id}:{self.event_type}:{self.shipment_id}"


class ShipmentDelayed(IntegrationEvent):
    event_type: ClassVar[str] = "ShipmentDelayed"

    order_id: str = Field(min_length=1)
    shipment_id: str | None = None
    new_eta: date
    reason: str

    @property
    def business_key(self) -> str:
        return f"{self.order_id}:{self.event_type}:{self.new_eta.isoformat()}"


class ShipmentDelivered(IntegrationEvent):
    event_type: ClassVar[str] = "ShipmentDelivered"

    order_id: str = Field(min_length=1)
    shipment_id: str | None = None
    delivered_at: datetime

    @property
    def business_key(self) -> str:
        return f"{self.order_id}:{self.event_type}"
