"""Who buys what, where and how they pay: customer traits and the shape of one order."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from contracts.erp.orders import OrderLine, PaymentMethod
from erpsim.catalogue import CATEGORIES, CENT, Product, base_products, premium_variant
from erpsim.customers import ErpCustomer
from erpsim.params import Channel, Params

LATE_PAYERS = 0.3  # share of invoice customers who pay late far more often than the rest
LATE_FACTOR = 2.5

_LINE_COUNTS = (1, 2, 3, 4, 5, 6)
_LINE_WEIGHTS: dict[Channel, tuple[float, ...]] = {
    "store": (0.22, 0.22, 0.18, 0.15, 0.13, 0.10),
    "ecommerce": (0.45, 0.25, 0.14, 0.08, 0.05, 0.03),
    "phone": (0.50, 0.25, 0.12, 0.07, 0.04, 0.02),
    "marketplace": (0.70, 0.18, 0.07, 0.03, 0.01, 0.01),
}
_CATEGORY_WEIGHTS: dict[Channel, tuple[float, ...]] = {  # in the order of CATEGORIES
    "store": (0.40, 0.25, 0.06, 0.10, 0.10, 0.09),
    "ecommerce": (0.08, 0.15, 0.30, 0.27, 0.08, 0.12),
    "phone": (0.05, 0.20, 0.30, 0.10, 0.25, 0.10),
    "marketplace": (0.05, 0.15, 0.35, 0.25, 0.08, 0.12),
}
_QUANTITIES: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {
    "groceries": ((1, 2, 3, 4, 6), (0.45, 0.28, 0.12, 0.08, 0.07)),
    "household": ((1, 2, 3), (0.70, 0.22, 0.08)),
    "electronics": ((1, 2), (0.95, 0.05)),
    "apparel": ((1, 2, 3), (0.75, 0.20, 0.05)),
    "garden": ((1, 2, 3), (0.70, 0.20, 0.10)),
    "toys": ((1, 2), (0.85, 0.15)),
}
_PAYMENTS: dict[Channel, tuple[tuple[PaymentMethod, ...], tuple[float, ...]]] = {
    "store": (("debit_card", "credit_card", "cash"), (0.45, 0.25, 0.30)),
    "ecommerce": (("credit_card", "debit_card", "transfer"), (0.55, 0.25, 0.20)),
    "phone": (("credit_card", "transfer"), (0.50, 0.50)),
    "marketplace": (("credit_card", "debit_card"), (0.70, 0.30)),
}
_DISCOUNTS = (Decimal("0.10"), Decimal("0.15"), Decimal("0.20"), Decimal("0.25"))
_DISCOUNTED_LINES = 0.08


@cache
def _popularity(category: str, size: int | None) -> tuple[tuple[Product, ...], tuple[float, ...]]:
    """A category's products and how often each sells: cheaper products sell more often."""
    products = base_products(category, size)
    return products, tuple(round(1 / math.sqrt(float(p.list_price)), 6) for p in products)


@dataclass(frozen=True)
class Traits:
    """How one customer tends to buy: drawn once per customer and seed."""

    activity: float  # relative order frequency; heavy-tailed, as real customer bases are
    store_card: bool
    business: bool  # buys for a company: web and phone orders mostly on invoice terms
    home_channel: Channel
    premium_affinity: float
    overdue_probability: float


def traits_of(seed: int, customer: ErpCustomer, params: Params) -> Traits:
    rng = random.Random(f"{seed}/traits/{customer.erp_customer_number}")
    business = customer.company is not None or rng.random() < params.business_share
    late = rng.random() < LATE_PAYERS
    usual = params.overdue_share * (1 - LATE_PAYERS * LATE_FACTOR) / (1 - LATE_PAYERS)
    return Traits(
        activity=round(rng.lognormvariate(0.0, 1.0), 6),
        store_card=rng.random() < params.store_card_share,
        business=business,
        home_channel=_weighted_channel(rng, params),
        premium_affinity=round(rng.uniform(0.03, 0.40), 6),
        overdue_probability=min(1.0, params.overdue_share * LATE_FACTOR) if late else usual,
    )


@dataclass(frozen=True)
class Basket:
    channel: Channel
    payment_method: PaymentMethod
    lines: tuple[OrderLine, ...]
    total: Decimal


def channel_of(rng: random.Random, traits: Traits, params: Params) -> Channel:
    if rng.random() < 0.6:
        return traits.home_channel
    return _weighted_channel(rng, params)


def _weighted_channel(rng: random.Random, params: Params) -> Channel:
    channels: list[Channel] = sorted(params.channels)
    return rng.choices(channels, [params.channels[c] for c in channels])[0]


def payment_method_of(rng: random.Random, channel: Channel, traits: Traits) -> PaymentMethod:
    if traits.business and channel in ("ecommerce", "phone") and rng.random() < 0.8:
        return "transfer"  # on invoice terms
    if (
        traits.store_card
        and channel != "marketplace"  # the marketplace collects the money itself
        and rng.random() < (0.7 if channel == "store" else 0.4)
    ):
        return "store_card"
    methods, weights = _PAYMENTS[channel]
    return rng.choices(methods, weights)[0]


def basket(rng: random.Random, traits: Traits, params: Params) -> Basket:
    channel = channel_of(rng, traits, params)
    method = payment_method_of(rng, channel, traits)
    wanted = rng.choices(_LINE_COUNTS, _LINE_WEIGHTS[channel])[0]
    lines: list[OrderLine] = []
    skus: set[str] = set()
    for _ in range(wanted * 4):
        if len(lines) == wanted:
            break
        product = _pick_product(rng, channel, traits, params.products)
        if product.sku in skus:
            continue
        skus.add(product.sku)
        lines.append(_line(rng, product))
    total = sum((line.unit_price * line.quantity for line in lines), Decimal(0)).quantize(CENT)
    return Basket(channel, method, tuple(lines), total)


def _pick_product(
    rng: random.Random, channel: Channel, traits: Traits, size: int | None
) -> Product:
    category = rng.choices(CATEGORIES, _CATEGORY_WEIGHTS[channel])[0]
    products, weights = _popularity(category, size)
    product = rng.choices(products, weights)[0]
    premium = premium_variant(product)
    if premium is not None and rng.random() < traits.premium_affinity:
        return premium
    return product


def _line(rng: random.Random, product: Product) -> OrderLine:
    quantities, weights = _QUANTITIES[product.category]
    price = product.list_price
    if rng.random() < _DISCOUNTED_LINES:
        price = (price * (1 - rng.choice(_DISCOUNTS))).quantize(CENT, ROUND_HALF_UP)
    return OrderLine(
        sku=product.sku,
        category=product.category,
        quantity=rng.choices(quantities, weights)[0],
        unit_price=price,
    )
