"""The ERP's product catalogue: 103 products in six categories, 19 of them premium variants.

The catalogue is the same in every run (skus are stable master data); unit costs
follow each category's typical margin with a small, fixed spread per sku.

A retailer's assortment is larger: ``catalogue(size)`` adds ranges of each base
product (``GRO-1001-R007``: the same kind of goods from another range, its price
within -30%..+30% of the base's, fixed per sku) until it holds ``size`` products,
so that a benchmark can describe thousands of products with the same shape.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

CENT = Decimal("0.01")

CATEGORIES = ("groceries", "household", "electronics", "apparel", "garden", "toys")

#: The share of the list price a product costs the company, by category.
COST_RATIO = {
    "groceries": Decimal("0.72"),
    "household": Decimal("0.62"),
    "electronics": Decimal("0.80"),
    "apparel": Decimal("0.45"),
    "garden": Decimal("0.58"),
    "toys": Decimal("0.55"),
}

# sku, name, list price; a sku ending in "P" is the premium variant of the sku without it.
_PRODUCTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "groceries": (
        ("GRO-1001", "Whole Milk 1 L", "1.19"),
        ("GRO-1002", "Free-Range Eggs, 10 pack", "3.29"),
        ("GRO-1003", "Sourdough Bread 800 g", "3.49"),
        ("GRO-1004", "Arabica Coffee Beans 1 kg", "12.99"),
        ("GRO-1005", "Extra Virgin Olive Oil 750 ml", "8.99"),
        ("GRO-1006", "Spaghetti 500 g", "1.49"),
        ("GRO-1007", "Basmati Rice 1 kg", "2.99"),
        ("GRO-1008", "Greek Yoghurt 500 g", "2.49"),
        ("GRO-1009", "Dark Chocolate 70% 100 g", "2.19"),
        ("GRO-1010", "Sparkling Water 6 x 1.5 L", "3.99"),
        ("GRO-1011", "Aged Gouda 400 g", "5.79"),
        ("GRO-1012", "Breakfast Muesli 750 g", "4.49"),
        ("GRO-1013", "Green Tea, 40 bags", "3.79"),
        ("GRO-1014", "Tomato Passata 700 g", "1.69"),
        ("GRO-1002P", "Organic Eggs, 10 pack", "4.59"),
        ("GRO-1004P", "Single-Origin Coffee Beans 1 kg", "21.90"),
        ("GRO-1005P", "Organic Olive Oil PDO 750 ml", "14.50"),
        ("GRO-1009P", "Single-Origin Chocolate 85% 100 g", "3.95"),
    ),
    "household": (
        ("HOU-2001", "Laundry Detergent 2.5 L", "11.99"),
        ("HOU-2002", "Dishwasher Tablets, 60 pack", "9.49"),
        ("HOU-2003", "Kitchen Roll, 8 rolls", "5.99"),
        ("HOU-2004", "Toilet Paper, 12 rolls", "6.49"),
        ("HOU-2005", "All-Purpose Cleaner 1 L", "2.79"),
        ("HOU-2006", "Microfibre Cloths, 10 pack", "7.99"),
        ("HOU-2007", "Bin Bags 60 L, 40 pack", "4.99"),
        ("HOU-2008", "LED Bulb E27 806 lm", "3.99"),
        ("HOU-2009", "Scented Candle", "6.99"),
        ("HOU-2010", "Bath Towel 70 x 140 cm", "12.99"),
        ("HOU-2011", "Non-Stick Frying Pan 28 cm", "29.99"),
        ("HOU-2012", "Storage Boxes, set of 3", "19.99"),
        ("HOU-2013", "Cotton Bed Linen Set", "39.99"),
        ("HOU-2014", "Hand Soap Refill 1 L", "3.49"),
        ("HOU-2010P", "Organic Cotton Bath Towel 70 x 140 cm", "24.90"),
        ("HOU-2011P", "Cast-Iron Frying Pan 28 cm", "69.00"),
        ("HOU-2013P", "Sateen Cotton Bed Linen Set", "89.00"),
    ),
    "electronics": (
        ("ELE-3001", "Wireless Earbuds", "49.99"),
        ("ELE-3002", "Bluetooth Speaker", "39.99"),
        ("ELE-3003", "USB-C Charger 65 W", "29.99"),
        ("ELE-3004", "USB-C Cable 2 m", "9.99"),
        ("ELE-3005", "Power Bank 20000 mAh", "34.99"),
        ("ELE-3006", "Smartwatch", "149.00"),
        ("ELE-3007", "27-inch Monitor", "229.00"),
        ("ELE-3008", "Wireless Mouse", "24.99"),
        ("ELE-3009", "Mechanical Keyboard", "79.99"),
        ("ELE-3010", "Robot Vacuum Cleaner", "299.00"),
        ("ELE-3011", "Electric Kettle 1.7 L", "34.99"),
        ("ELE-3012", "Espresso Machine", "189.00"),
        ("ELE-3013", "Smart Plug, 2 pack", "24.99"),
        ("ELE-3014", "AA Batteries, 8 pack", "6.99"),
        ("ELE-3001P", "Noise-Cancelling Earbuds", "179.00"),
        ("ELE-3006P", "Smartwatch Pro", "349.00"),
        ("ELE-3010P", "Robot Vacuum Cleaner with Mop", "549.00"),
        ("ELE-3012P", "Dual-Boiler Espresso Machine", "649.00"),
    ),
    "apparel": (
        ("APP-4001", "Cotton T-Shirt", "12.99"),
        ("APP-4002", "Slim Jeans", "49.99"),
        ("APP-4003", "Hooded Sweatshirt", "39.99"),
        ("APP-4004", "Running Shoes", "79.99"),
        ("APP-4005", "Rain Jacket", "89.99"),
        ("APP-4006", "Wool Socks, 3 pairs", "14.99"),
        ("APP-4007", "Leather Belt", "24.99"),
        ("APP-4008", "Summer Dress", "44.99"),
        ("APP-4009", "Oxford Shirt", "34.99"),
        ("APP-4010", "Knitted Beanie", "16.99"),
        ("APP-4011", "Chino Trousers", "44.99"),
        ("APP-4012", "Canvas Sneakers", "64.99"),
        ("APP-4013", "Pyjama Set", "29.99"),
        ("APP-4014", "Down Vest", "69.99"),
        ("APP-4003P", "Merino Hooded Sweater", "99.00"),
        ("APP-4004P", "Carbon-Plate Running Shoes", "189.00"),
        ("APP-4005P", "Waterproof Shell Jacket", "249.00"),
    ),
    "garden": (
        ("GAR-5001", "Potting Soil 40 L", "7.99"),
        ("GAR-5002", "Garden Hose 25 m", "29.99"),
        ("GAR-5003", "Pruning Shears", "19.99"),
        ("GAR-5004", "Flower Bulb Mix, 50 pack", "12.99"),
        ("GAR-5005", "Terracotta Pot 30 cm", "14.99"),
        ("GAR-5006", "Lawn Seed 2 kg", "24.99"),
        ("GAR-5007", "Solar Garden Lights, 6 pack", "27.99"),
        ("GAR-5008", "Garden Gloves", "8.99"),
        ("GAR-5009", "Watering Can 10 L", "14.99"),
        ("GAR-5010", "Cordless Hedge Trimmer", "119.00"),
        ("GAR-5011", "Charcoal Grill", "89.00"),
        ("GAR-5012", "Folding Garden Chair", "39.99"),
        ("GAR-5013", "Bird Feeder", "18.99"),
        ("GAR-5014", "Raised Bed Kit", "79.00"),
        ("GAR-5010P", "Brushless Hedge Trimmer", "229.00"),
        ("GAR-5011P", "Gas Grill, 3 burners", "399.00"),
        ("GAR-5012P", "Teak Garden Chair", "149.00"),
    ),
    "toys": (
        ("TOY-6001", "Building Bricks Starter Set", "29.99"),
        ("TOY-6002", "Plush Bear", "19.99"),
        ("TOY-6003", "Wooden Train Set", "49.99"),
        ("TOY-6004", "Jigsaw Puzzle, 1000 pieces", "14.99"),
        ("TOY-6005", "Family Board Game", "34.99"),
        ("TOY-6006", "Remote-Control Car", "44.99"),
        ("TOY-6007", "Crayons, 24 colours", "4.99"),
        ("TOY-6008", "Doll House", "89.00"),
        ("TOY-6009", "Kids' Scooter", "59.99"),
        ("TOY-6010", "Card Game", "9.99"),
        ("TOY-6011", "Modelling Clay Set", "12.99"),
        ("TOY-6012", "Science Kit", "24.99"),
        ("TOY-6013", "Bubble Machine", "17.99"),
        ("TOY-6014", "Baby Rattle", "7.99"),
        ("TOY-6001P", "Building Bricks Deluxe Set", "89.99"),
        ("TOY-6003P", "Beechwood Train Set Deluxe", "119.00"),
    ),
}


@dataclass(frozen=True)
class Product:
    sku: str
    name: str
    category: str
    list_price: Decimal
    unit_cost: Decimal
    premium_of: str | None = None

    @property
    def is_premium(self) -> bool:
        return self.premium_of is not None


def _unit_cost(sku: str, category: str, price: Decimal, premium: bool) -> Decimal:
    spread = Decimal(zlib.crc32(sku.encode()) % 81 - 40) / 1000  # -0.040 .. +0.040, fixed per sku
    ratio = COST_RATIO[category] + spread - (Decimal("0.06") if premium else 0)
    return (price * ratio).quantize(CENT, ROUND_HALF_UP)


def _build() -> tuple[Product, ...]:
    products = []
    for category, rows in _PRODUCTS.items():
        for sku, name, price in rows:
            premium_of = sku[:-1] if sku.endswith("P") else None
            list_price = Decimal(price)
            products.append(
                Product(
                    sku=sku,
                    name=name,
                    category=category,
                    list_price=list_price,
                    unit_cost=_unit_cost(sku, category, list_price, premium_of is not None),
                    premium_of=premium_of,
                )
            )
    return tuple(products)


CATALOGUE: tuple[Product, ...] = _build()
BY_SKU: dict[str, Product] = {product.sku: product for product in CATALOGUE}


def check_size(size: int | None) -> None:
    if size is not None and size < len(CATALOGUE):
        raise ValueError(f"a catalogue holds at least the {len(CATALOGUE)} core products")


@cache
def catalogue(size: int | None = None) -> tuple[Product, ...]:
    """Every product, base products before their premium variants within each category;
    with ``size``, followed by generated ranges of the base products up to ``size``."""
    check_size(size)
    if size is None:
        return CATALOGUE
    bases = [product for product in CATALOGUE if not product.is_premium]
    ranged = []
    for index in range(size - len(CATALOGUE)):
        base = bases[index % len(bases)]
        number = index // len(bases) + 1
        sku = f"{base.sku}-R{number:03d}"
        factor = Decimal(70 + zlib.crc32(sku.encode()) % 61) / 100  # 0.70 .. 1.30, fixed
        price = max(CENT * 10, (base.list_price * factor).quantize(CENT, ROUND_HALF_UP))
        ranged.append(
            Product(
                sku=sku,
                name=f"{base.name}, range {number}",
                category=base.category,
                list_price=price,
                unit_cost=_unit_cost(sku, base.category, price, premium=False),
            )
        )
    return CATALOGUE + tuple(ranged)


@cache
def base_products(category: str, size: int | None = None) -> tuple[Product, ...]:
    """The products of a category a basket draws from (premium variants come on top)."""
    return tuple(p for p in catalogue(size) if p.category == category and not p.is_premium)


def premium_variant(product: Product) -> Product | None:
    return BY_SKU.get(product.sku + "P")
