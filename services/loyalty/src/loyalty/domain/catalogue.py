"""The ERP's product catalogue as loyalty needs it: categories, premium variants, costs.

Loyalty keeps its own copy (from ``erp.products.v1``) because cross-sell and
up-sell offers and the margins decide on it while handling an order, and a
service never asks another for data it decides on.

Each sku is its own aggregate, so that an order reads the few products it
names, never the whole catalogue: a shop describes thousands of products, and
an aggregate holding them all made every paid order deserialize every one.
Events of the single ``Catalogue`` aggregate this replaced are not migrated: no
production data existed when it was replaced.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Protocol
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


class Products(Protocol):
    """Products looked up by sku, as the margins ask for them (a dict is one)."""

    def get(self, sku: str, /) -> Product | None: ...


class CatalogueItem(Aggregate):
    """One sku: the ERP's description of it, and the products that are its premium
    variants, the one described last first in line.

    An item may name premium variants before the ERP described the sku itself:
    the products arrive in any order.
    """

    TOPIC = "loyalty:CatalogueItem"

    class Created(Aggregate.Created):
        """Never triggered (see the @event on __init__); pinned because the aggregate is."""

        TOPIC = "loyalty:CatalogueItem.Created"

    class Listed(Aggregate.Created):
        TOPIC = "loyalty:CatalogueItem.Listed"
        sku: str

    class Described(Aggregate.Event):
        TOPIC = "loyalty:CatalogueItem.Described"
        product: dict[str, Any]

    class PremiumVariantNamed(Aggregate.Event):
        TOPIC = "loyalty:CatalogueItem.PremiumVariantNamed"
        sku: str

    class PremiumVariantDropped(Aggregate.Event):
        TOPIC = "loyalty:CatalogueItem.PremiumVariantDropped"
        sku: str

    @staticmethod
    def create_id(sku: str, **_: Any) -> UUID:
        return uuid5(NAMESPACE_URL, f"/crm/loyalty/catalogue/{sku}")

    @event(Listed)
    def __init__(self, sku: str) -> None:
        self.sku = sku
        self.product: Product | None = None
        self.premium_variants: list[str] = []  # the one named last at the end

    @property
    def premium_variant(self) -> str | None:
        """The premium variant to suggest: of the products naming this sku, the one
        described last."""
        return self.premium_variants[-1] if self.premium_variants else None

    def describe(self, product: Product) -> bool:
        """Record the ERP's description; the same description again changes nothing."""
        if product.sku != self.sku:
            raise ValueError(f"{product.sku} is not described on the item of {self.sku}")
        if self.product == product:
            return False
        self._described(product.to_dict())
        return True

    def name_premium_variant(self, sku: str) -> bool:
        """A product naming this sku as what it is the premium variant of was described:
        it comes first in line."""
        if self.premium_variant == sku:
            return False
        self._premium_variant_named(sku)
        return True

    def drop_premium_variant(self, sku: str) -> bool:
        """The product is no longer described as a premium variant of this sku."""
        if sku not in self.premium_variants:
            return False
        self._premium_variant_dropped(sku)
        return True

    @event(Described)
    def _described(self, product: dict[str, Any]) -> None:
        self.product = Product.from_dict(product)

    @event(PremiumVariantNamed)
    def _premium_variant_named(self, sku: str) -> None:
        if sku in self.premium_variants:
            self.premium_variants.remove(sku)
        self.premium_variants.append(sku)

    @event(PremiumVariantDropped)
    def _premium_variant_dropped(self, sku: str) -> None:
        self.premium_variants.remove(sku)
