"""The catalogue is realistic master data, published as ProductUpserted."""

from __future__ import annotations

import pytest

from contracts import decode
from contracts.erp.products import ProductUpserted
from erpsim import CATALOGUE, CATEGORIES, CrmCustomer, Params, catalogue, plan, product_messages


def test_the_catalogue_spans_six_categories_with_unique_skus() -> None:
    assert 60 <= len(CATALOGUE) <= 120
    assert {p.category for p in CATALOGUE} == set(CATEGORIES)
    assert len({p.sku for p in CATALOGUE}) == len(CATALOGUE)
    assert all(sum(p.category == c for p in CATALOGUE) >= 10 for c in CATEGORIES)


def test_products_cost_less_than_their_price_in_cents() -> None:
    for product in CATALOGUE:
        assert 0 < product.unit_cost < product.list_price
        assert product.list_price.as_tuple().exponent == -2
        assert product.unit_cost.as_tuple().exponent == -2


def test_premium_variants_are_dearer_versions_of_a_product_of_their_category() -> None:
    by_sku = {p.sku: p for p in CATALOGUE}
    premium = [p for p in CATALOGUE if p.premium_of]
    assert len(premium) >= 10
    for product in premium:
        base = by_sku[product.premium_of or ""]
        assert base.category == product.category
        assert base.premium_of is None
        assert product.list_price > base.list_price


def test_the_catalogue_is_published_as_product_upserted_keyed_by_sku() -> None:
    messages = product_messages(seed=3)
    assert [m.key for m in messages] == [p.sku for p in CATALOGUE]
    for message, product in zip(messages, CATALOGUE, strict=True):
        _, event = decode("erp.products.v1", message.value)
        assert isinstance(event, ProductUpserted)
        assert (event.sku, event.list_price, event.unit_cost, event.premium_of) == (
            product.sku,
            product.list_price,
            product.unit_cost,
            product.premium_of,
        )
    assert [m.value for m in messages] == [m.value for m in product_messages(seed=3)]


def test_a_retailers_assortment_adds_ranges_of_the_core_products() -> None:
    assortment = catalogue(5_000)
    assert len(assortment) == len({p.sku for p in assortment}) == 5_000
    assert assortment[: len(CATALOGUE)] == CATALOGUE
    by_sku = {p.sku: p for p in CATALOGUE}
    for product in assortment[len(CATALOGUE) :]:
        base = by_sku[product.sku.rsplit("-R", 1)[0]]
        assert (product.category, product.premium_of) == (base.category, None)
        assert 0 < product.unit_cost < product.list_price
        assert abs(product.list_price / base.list_price - 1) < 0.31


def test_orders_buy_from_the_whole_assortment(crm_customers: list[CrmCustomer]) -> None:
    ranged = plan(3, crm_customers, 200, Params(products=2_000))
    skus = {line.sku for order in ranged.orders for line in order.lines}
    assert sum("-R" in sku for sku in skus) > len(skus) / 2
    assert len(product_messages(3, Params(products=2_000))) == 2_000


def test_a_catalogue_smaller_than_the_core_is_refused() -> None:
    with pytest.raises(ValueError, match="at least the 103 core products"):
        Params(products=50)
