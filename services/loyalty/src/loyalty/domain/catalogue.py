"""The ERP's product catalogue as loyalty needs it: categories, premium variants, costs.

Loyalty keeps its own copy (from ``erp.products.v1``) because cross-sell and
up-sell offers and the margin read model decide on it while handling an order,
and a service never asks another for data it decides on.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event


@dataclass(frozen=True)
class Product:
    """One sku as the ERP last described it."""

    sku: str
    name: str
    category: str
    list_price: Decimal
    unit_cost: Decimal
    currency: str
    premium_of: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["list_price"] = str(self.list_price)
        data["unit_cost"] = str(self.unit_cost)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Product:
        return cls(
            sku=data["sku"],
            name=data["name"],
            category=data["category"],
            list_price=Decimal(data["list_price"]),
            unit_cost=Decimal(data["unit_cost"]),
            currency=data["currency"],
            premium_of=data.get("premium_of"),
        )


class Catalogue(Aggregate):
    """One per service: every product the ERP has described, by sku."""

    TOPIC = "loyalty:Catalogue"
    ID: UUID = uuid5(NAMESPACE_URL, "/crm/loyalty/catalogue")

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:Catalogue.Created"

    class Started(Aggregate.Created):
        TOPIC = "loyalty:Catalogue.Started"

    class ProductDescribed(Aggregate.Event):
        TOPIC = "loyalty:Catalogue.ProductDescribed"
        product: dict[str, Any]

    @staticmethod
    def create_id(**_: Any) -> UUID:
        return Catalogue.ID

    @event(Started)
    def __init__(self) -> None:
        self.products: dict[str, Product] = {}

    def describe(self, product: Product) -> bool:
        """Record the ERP's description; the same description again changes nothing."""
        if self.products.get(product.sku) == product:
            return False
        self._described(product.to_dict())
        return True

    @event(ProductDescribed)
    def _described(self, product: dict[str, Any]) -> None:
        described = Product.from_dict(product)
        self.products[described.sku] = described

    def premium_variants(self) -> dict[str, str]:
        """The premium variant of each sku that has one (the latest described wins)."""
        return {p.premium_of: p.sku for p in self.products.values() if p.premium_of}

    def unit_cost(self, sku: str) -> Decimal | None:
        product = self.products.get(sku)
        return None if product is None else product.unit_cost
