"""The catalogue is realistic master data, published as ProductUpserted."""

from __future__ import annotations

from contracts import decode
from contracts.erp.products import ProductUpserted
from erpsim import CATALOGUE, CATEGORIES, product_messages


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
