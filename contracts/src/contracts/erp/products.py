"""The product catalogue (topic ``erp.products.v1``, key = sku)."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from contracts.envelope import IntegrationEvent


class ProductUpserted(IntegrationEvent):
    event_type: ClassVar[str] = "ProductUpserted"

    sku: str = Field(min_length=1)
    name: str = Field(min_length=1)
    category: str = Field(min_length=1)
    list_price: Decimal = Field(ge=0)
    unit_cost: Decimal = Field(ge=0)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    premium_of: str | None = Field(
        default=None, description="The sku this product is the premium variant of (up-sell)"
    )
