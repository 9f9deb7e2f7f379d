"""A stream plans a long simulation one day at a time: deterministic, in time order, and
each order's story complete and in causal order."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import timedelta

import pytest

from contracts import decode
from erpsim import CrmCustomer, Params, Planner, Record, stream

DAYS = 12
ORDERS = 360


@pytest.fixture(scope="module")
def planner(crm_customers: list[CrmCustomer]) -> Planner:
    return Planner(5, crm_customers, ORDERS, Params(days=DAYS, unknown_customer_share=0.1))


@pytest.fixture(scope="module")
def records(planner: Planner) -> list[Record]:
    return list(stream(planner))


def test_the_same_seed_gives_the_same_stream(planner: Planner, records: list[Record]) -> None:
    again = Planner(5, reversed(planner.customers), ORDERS, planner.params)
    assert list(stream(again)) == records


def test_a_day_planned_anywhere_gives_the_same_records(planner: Planner) -> None:
    days = planner.days()
    out_of_order = {day.number: planner.plan_day(day) for day in reversed(days)}
    assert list(stream(planner, lambda wanted: [out_of_order[d.number] for d in wanted])) == list(
        stream(planner)
    )


def test_the_orders_are_spread_over_the_days_and_the_stream_follows_simulated_time(
    planner: Planner, records: list[Record]
) -> None:
    days = planner.days()
    assert [day.orders for day in days] == [ORDERS // DAYS] * DAYS
    assert [day.first_order for day in days] == [n * ORDERS // DAYS for n in range(DAYS)]
    times = [record.time for record in records]
    assert times == sorted(times)
    placed = [r for r in records if r.type == "OrderPlaced"]
    assert len(placed) == len({r.key for r in placed}) == ORDERS
    first_day = planner.params.start + timedelta(days=1)
    assert sum(r.time < first_day for r in placed) == ORDERS // DAYS


def test_every_order_tells_its_story_from_its_placement_on(records: list[Record]) -> None:
    stories: defaultdict[str, list[str]] = defaultdict(list)
    for record in records:
        envelope, _ = decode(record.topic, record.value)
        assert (envelope.type, envelope.subject, envelope.time) == (
            record.type,
            record.key,
            record.time,
        )
        stories[envelope.correlationid or ""].append(record.type)
    assert all(story[0] == "OrderPlaced" for story in stories.values())
    kinds = Counter(kind for story in stories.values() for kind in story)
    assert kinds["OrderPaid"] > ORDERS / 2
    assert kinds["OrderCancelled"] > 0
    assert kinds["OrderReturned"] > 0


def test_customers_the_crm_does_not_know_take_their_share_of_each_day(
    planner: Planner, records: list[Record]
) -> None:
    walk_ins = {c.erp_customer_number for c in planner.walk_ins}
    placed = [decode(r.topic, r.value)[1] for r in records if r.type == "OrderPlaced"]
    unknown = [o for o in placed if getattr(o, "erp_customer_number", None) in walk_ins]
    assert len(unknown) == round(ORDERS // DAYS * 0.1) * DAYS
    assert all(getattr(o, "customer_id", None) is None for o in unknown)


def test_the_catalogue_comes_apart_from_the_orders(planner: Planner) -> None:
    products = planner.catalogue()
    assert {r.topic for r in products} == {"erp.products.v1"}
    assert len(products) == 103
