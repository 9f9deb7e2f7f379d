"""A plan depends only on its inputs; its messages keep the contract."""

from __future__ import annotations

import random
from collections import Counter
from decimal import Decimal
from uuid import UUID, uuid5

import pytest

from contracts import TOPICS, decode
from contracts.erp.orders import OrderPlaced
from erpsim import CATALOGUE, CrmCustomer, Params, Plan, ReferenceShares, plan


def test_the_same_seed_gives_a_byte_identical_plan(crm_customers: list[CrmCustomer]) -> None:
    first = plan(seed=7, customers=crm_customers, orders=150)
    again = plan(seed=7, customers=crm_customers, orders=150)
    assert b"".join(first.jsonl()) == b"".join(again.jsonl())
    assert first.orders == again.orders


def test_the_order_the_customers_come_in_does_not_matter(crm_customers: list[CrmCustomer]) -> None:
    shuffled = list(crm_customers)
    random.Random(1).shuffle(shuffled)
    assert list(plan(7, shuffled, 100).jsonl()) == list(plan(7, crm_customers, 100).jsonl())


def test_another_seed_gives_another_plan_with_other_ids(crm_customers: list[CrmCustomer]) -> None:
    seven = plan(seed=7, customers=crm_customers, orders=150)
    eight = plan(seed=8, customers=crm_customers, orders=150)
    assert list(seven.jsonl()) != list(eight.jsonl())
    assert {o.order_id for o in seven.orders}.isdisjoint(o.order_id for o in eight.orders)
    assert {m.envelope.id for m in seven.messages}.isdisjoint(m.envelope.id for m in eight.messages)


def test_event_ids_are_name_based_uuids_unique_within_a_plan(a_plan: Plan) -> None:
    ids = [UUID(m.envelope.id) for m in a_plan.messages]
    assert all(i.version == 5 for i in ids)
    assert len(set(ids)) == len(ids)


def test_every_message_decodes_under_its_topic_and_is_keyed_by_its_entity(a_plan: Plan) -> None:
    for message in a_plan.messages:
        envelope, event = decode(message.topic, message.value)
        assert event == message.event
        assert envelope.source == "/erp"
        assert envelope.subject == message.key
        assert getattr(event, TOPICS[message.topic].key) == message.key


def test_the_plan_starts_with_the_catalogue_then_follows_simulated_time(a_plan: Plan) -> None:
    products = len(CATALOGUE)
    assert [m.topic for m in a_plan.messages[:products]] == ["erp.products.v1"] * products
    times = [m.envelope.time for m in a_plan.messages[products:]]
    assert times == sorted(times)
    assert times[0] >= a_plan.params.start


def test_a_plan_without_the_catalogue_holds_only_orders_and_their_follow_ups(
    crm_customers: list[CrmCustomer],
) -> None:
    orders_only = plan(7, crm_customers, 50, Params(include_catalogue=False))
    assert "erp.products.v1" not in orders_only.topics
    assert sum(isinstance(m.event, OrderPlaced) for m in orders_only.messages) == 50


def test_totals_are_exactly_the_sum_of_the_lines_in_cents(a_plan: Plan) -> None:
    for order in a_plan.orders:
        assert order.total == sum(line.unit_price * line.quantity for line in order.lines)
        assert order.total.as_tuple().exponent == -2
        assert all(line.unit_price.as_tuple().exponent == -2 for line in order.lines)


def test_orders_have_one_to_six_distinct_catalogue_lines_in_euros(a_plan: Plan) -> None:
    for order in a_plan.orders:
        assert 1 <= len(order.lines) <= 6
        assert len({line.sku for line in order.lines}) == len(order.lines)
        for line in order.lines:
            product = next(p for p in CATALOGUE if p.sku == line.sku)
            assert line.category == product.category
            assert Decimal("0.7") * product.list_price <= line.unit_price <= product.list_price
        assert order.currency == "EUR"
    assert Counter(len(o.lines) for o in a_plan.orders).keys() == {1, 2, 3, 4, 5, 6}


def test_the_unknown_customer_share_is_honoured_exactly(crm_customers: list[CrmCustomer]) -> None:
    for share in (0.0, 0.05, 0.2):
        shared = plan(5, crm_customers, 300, Params(unknown_customer_share=share))
        unknown = [o for o in shared.orders if not o.customer.known_to_crm]
        assert len(unknown) == round(300 * share)
        assert {o.customer.erp_customer_number for o in unknown} == set(
            shared.unknown_customer_numbers
        )


def test_orders_of_unknown_customers_name_only_an_erp_number_the_crm_never_had(
    a_plan: Plan, crm_customers: list[CrmCustomer]
) -> None:
    known_numbers = {c.erp_customer_number for c in a_plan.customers}
    assert a_plan.unknown_customer_numbers
    assert known_numbers.isdisjoint(a_plan.unknown_customer_numbers)
    for number in a_plan.unknown_customer_numbers:
        orders = a_plan.orders_of(number)
        assert orders, "every listed unknown customer placed an order"
        for order in orders:
            placed = order.messages[0].event
            assert isinstance(placed, OrderPlaced)
            assert placed.customer_id is None
            assert placed.erp_customer_number == number


def test_the_number_of_unknown_customers_can_be_chosen(crm_customers: list[CrmCustomer]) -> None:
    few = plan(5, crm_customers, 200, Params(unknown_customer_share=0.1, unknown_customers=3))
    assert len(few.unknown_customer_numbers) == 3
    assert sum(not o.customer.known_to_crm for o in few.orders) == 20


def test_orders_name_known_customers_by_id_number_or_both_in_the_chosen_shares(
    crm_customers: list[CrmCustomer],
) -> None:
    shares = ReferenceShares(customer_id=0.2, erp_number=0.2, both=0.6)
    planned = plan(9, crm_customers, 600, Params(unknown_customer_share=0, references=shares))
    counted = Counter(o.reference for o in planned.orders)
    assert 300 <= counted["both"] <= 420  # 360 expected
    assert 80 <= counted["customer_id"] <= 160  # 120 expected
    for order in planned.orders:
        placed = order.messages[0].event
        assert isinstance(placed, OrderPlaced)
        assert placed.customer_id == order.customer_id
        assert placed.erp_customer_number == order.erp_customer_number
        assert (placed.customer_id is not None) == (order.reference != "erp_number")
        assert (placed.erp_customer_number is not None) == (order.reference != "customer_id")


def test_only_erp_numbers_can_be_chosen_for_known_customers(
    crm_customers: list[CrmCustomer],
) -> None:
    numbers_only = Params(references=ReferenceShares.parse("number=1"))
    planned = plan(9, crm_customers, 100, numbers_only)
    assert {o.reference for o in planned.orders} == {"erp_number"}


def test_store_orders_lead_and_store_cards_are_used_mostly_in_store(a_plan: Plan) -> None:
    channels = Counter(o.channel for o in a_plan.orders)
    assert channels.most_common(1)[0][0] == "store"
    assert set(channels) == {"store", "ecommerce", "phone", "marketplace"}
    store_card = Counter(o.channel for o in a_plan.orders if o.payment_method == "store_card")
    assert store_card["store"] > sum(store_card.values()) / 2
    assert all(o.channel == "store" for o in a_plan.orders if o.payment_method == "cash")


def test_a_plan_needs_customers_unless_every_order_is_from_an_unknown_one() -> None:
    with pytest.raises(ValueError, match="needs customers"):
        plan(1, [], 10)
    walk_ins_only = plan(1, [], 10, Params(unknown_customer_share=1.0))
    assert all(not o.customer.known_to_crm for o in walk_ins_only.orders)


def test_event_ids_are_the_uuid5_of_the_seed_namespace(a_plan: Plan) -> None:
    from erpsim.ids import Ids

    ids = Ids(a_plan.seed)
    for name in ("SO-1/0", "product/GRO-1001", "ü/7"):
        assert ids.event_id(name) == str(uuid5(ids.namespace, f"event/{name}"))
