"""What a simulation varies: time span, shares of channels, references and outcomes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal

from erpsim.catalogue import check_size

Channel = Literal["store", "ecommerce", "phone", "marketplace"]
Reference = Literal["customer_id", "erp_number", "both"]

DEFAULT_START = datetime(2025, 3, 3, tzinfo=UTC)


@dataclass(frozen=True)
class ReferenceShares:
    """How orders of a customer the CRM knows name them (normalised to 1)."""

    customer_id: float = 0.5
    erp_number: float = 0.2
    both: float = 0.3

    def __post_init__(self) -> None:
        weights = (self.customer_id, self.erp_number, self.both)
        if min(weights) < 0 or sum(weights) <= 0:
            raise ValueError("reference shares are non-negative and not all zero")

    def weights(self) -> tuple[tuple[Reference, ...], tuple[float, ...]]:
        total = self.customer_id + self.erp_number + self.both
        return (
            ("customer_id", "erp_number", "both"),
            (self.customer_id / total, self.erp_number / total, self.both / total),
        )

    @classmethod
    def parse(cls, text: str) -> ReferenceShares:
        """``id=0.5,number=0.2,both=0.3`` (names may be left out: they count 0)."""
        names = {"id": "customer_id", "number": "erp_number", "both": "both"}
        values = dict.fromkeys(names.values(), 0.0)
        for part in filter(None, (p.strip() for p in text.split(","))):
            name, _, value = part.partition("=")
            if name.strip() not in names or not value:
                raise ValueError(f"expected id=..,number=..,both=.., got {part!r}")
            values[names[name.strip()]] = float(value)
        return cls(**values)


def _default_channels() -> dict[Channel, float]:
    return {"store": 0.55, "ecommerce": 0.28, "marketplace": 0.10, "phone": 0.07}


@dataclass(frozen=True)
class Params:
    """Everything but the seed, the customers and the number of orders.

    Shares are probabilities per order unless said otherwise; the
    unknown-customer share is exact (rounded to whole orders).
    """

    start: datetime = DEFAULT_START
    days: int = 60
    currency: str = "EUR"
    include_catalogue: bool = True
    #: products in the catalogue (None: the 103 core products; more adds ranges of them)
    products: int | None = None
    #: share of orders from customers the CRM does not know (ERP number only)
    unknown_customer_share: float = 0.05
    #: how many such customers place them; default: about two orders each
    unknown_customers: int | None = None
    references: ReferenceShares = field(default_factory=ReferenceShares)
    channels: dict[Channel, float] = field(default_factory=_default_channels)
    #: customer traits: holds the store card; buys for a company (besides those with one)
    store_card_share: float = 0.35
    business_share: float = 0.06
    #: remote orders cancelled before shipment (customer request, stock, declined card)
    cancel_share: float = 0.05
    #: prepayments by transfer that never arrive (the order is then cancelled)
    prepayment_lapse_share: float = 0.10
    #: invoices paid late (a customer who pays late tends to; this is the average)
    overdue_share: float = 0.25
    #: of those late, never paid at all
    never_paid_share: float = 0.25
    #: store orders delivered to the customer's home instead of carried away
    store_delivery_share: float = 0.05
    delay_share: float = 0.10
    #: delivered or carried-home orders returned in part (orders with clothes: twice as often)
    return_share: float = 0.07

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError("start must be timezone-aware")
        if self.days < 1:
            raise ValueError("days must be at least 1")
        if len(self.currency) != 3 or not self.currency.isupper():
            raise ValueError("currency is an ISO 4217 code such as EUR")
        check_size(self.products)
        if self.unknown_customers is not None and self.unknown_customers < 1:
            raise ValueError("unknown_customers must be at least 1")
        if not self.channels or min(self.channels.values()) < 0 or sum(self.channels.values()) <= 0:
            raise ValueError("channel shares are non-negative and not all zero")
        for name in (
            "unknown_customer_share",
            "store_card_share",
            "business_share",
            "cancel_share",
            "prepayment_lapse_share",
            "overdue_share",
            "never_paid_share",
            "store_delivery_share",
            "delay_share",
            "return_share",
        ):
            value = getattr(self, name)
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1, got {value}")
