"""The customer 360 view gathers what every service and the ERP said about a customer."""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from eventsourcing.persistence import Tracking
from sqlalchemy import inspect

from analytics.views import ERP_CUSTOMER, metadata, references
from analytics.views.customer360 import Customer360
from contracts import Envelope, IntegrationEvent, topic_of
from contracts.cases import CaseOpened
from contracts.customers import CustomerErased, CustomerMerged, CustomerRegistered
from contracts.erp.orders import OrderLine, OrderPaid, OrderPlaced, OrderReturned, ReturnedLine
from contracts.erp.payments import PaymentOverdue
from contracts.loyalty import LoyaltyAccountOpened
from servicekit.consumer import Delivery
from servicekit.views import ViewStore, views_url

NOW = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)


class Feed:
    """Delivers events to the projection as the consumer would, one offset after another."""

    def __init__(self, view: Customer360) -> None:
        self.view = view
        self.offsets: dict[str, int] = defaultdict(int)

    def __call__(self, *events: IntegrationEvent) -> None:
        for event in events:
            topic = topic_of(type(event)).name
            offset = self.offsets[topic]
            self.offsets[topic] += 1
            envelope = Envelope.wrap(event, source="/test", subject="s")
            self.view.apply(
                [Delivery(topic, 0, offset, "s", envelope, event)],
                Tracking(f"{topic}:0", offset),
            )


@pytest.fixture
def view(store_settings) -> Customer360:
    return Customer360(ViewStore(views_url(store_settings("analytics")), metadata))


def registered(customer_id: str, erp_number: str | None = None) -> CustomerRegistered:
    return CustomerRegistered(
        customer_id=customer_id,
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        source="web_form",
        erp_customer_number=erp_number,
        registered_at=NOW,
    )


def order(
    order_id: str,
    customer_id: str | None = None,
    erp_number: str | None = None,
    lines: tuple[tuple[str, str, int, str], ...] = (("sku-1", "garden", 2, "10.00"),),
) -> OrderPlaced:
    order_lines = [
        OrderLine(sku=sku, category=category, quantity=quantity, unit_price=Decimal(price))
        for sku, category, quantity, price in lines
    ]
    return OrderPlaced(
        order_id=order_id,
        customer_id=customer_id,
        erp_customer_number=erp_number,
        placed_at=NOW,
        currency="EUR",
        channel="store",
        payment_method="store_card",
        lines=order_lines,
        total=sum((ln.unit_price * ln.quantity for ln in order_lines), Decimal(0)),
    )


def test_the_360_shows_profile_loyalty_account_and_open_cases(view: Customer360) -> None:
    feed = Feed(view)

    feed(
        registered("c-1"),
        LoyaltyAccountOpened(
            account_id="a-1", customer_id="c-1", tier="standard", points_balance=0, opened_at=NOW
        ),
        CaseOpened(
            case_id="k-1",
            customer_id="c-1",
            channel="phone",
            case_type="complaint",
            priority="high",
            subject="Broken kettle",
            opened_at=NOW,
        ),
    )

    seen = view.view("c-1")
    assert seen is not None
    assert seen["profile"]["email"] == "ada@example.com"
    assert seen["loyalty"]["tier"] == "standard"
    assert seen["cases"]["open"] == 1
    assert seen["cases"]["items"][0]["subject"] == "Broken kettle"
    assert view.view("c-unknown") is None


def test_the_purchase_summary_counts_what_was_kept_after_returns(view: Customer360) -> None:
    feed = Feed(view)

    feed(
        registered("c-1"),
        order("o-1", "c-1", lines=(("sku-1", "garden", 2, "10.00"), ("sku-2", "toys", 1, "5.00"))),
        OrderPaid(order_id="o-1", paid_at=NOW),
        order("o-2", "c-1", lines=(("sku-3", "toys", 3, "20.00"),)),
        OrderReturned(
            order_id="o-2", lines=[ReturnedLine(sku="sku-3", quantity=1)], returned_at=NOW
        ),
    )

    purchases = view.view("c-1")["purchases"]  # type: ignore[index]
    assert purchases["orders"] == 2
    assert purchases["total_spent"] == "65.00"  # 25 + 60 - 20 returned
    assert purchases["average_order_value"] == "32.50"
    assert purchases["favourite_categories"] == ["toys", "garden"]


def test_a_poll_of_several_partitions_applies_each_partition_from_its_own_position(
    view: Customer360,
) -> None:
    # Given the customers' partition applied up to offset 5
    feed = Feed(view)
    feed(*(registered(f"c-{n}") for n in range(6)))

    # When one poll brings its next message and the first of the orders' partition
    def delivery(event: IntegrationEvent, offset: int) -> Delivery:
        topic = topic_of(type(event)).name
        envelope = Envelope.wrap(event, source="/test", subject="s")
        return Delivery(topic, 0, offset, "s", envelope, event)

    view.apply_many(
        [
            ([delivery(registered("c-6"), 6)], Tracking("crm.customers.v1:0", 6)),
            ([delivery(order("o-1", "c-1"), 0)], Tracking("erp.orders.v1:0", 0)),
        ]
    )

    # Then both are applied, though the order's offset is below the customers' position
    assert view.view("c-6") is not None
    assert view.view("c-1")["purchases"]["orders"] == 1  # type: ignore[index]


def test_an_order_of_an_unknown_erp_customer_waits_until_the_customer_appears(
    view: Customer360,
) -> None:
    feed = Feed(view)

    feed(order("o-9", erp_number="ERP-77"), OrderPaid(order_id="o-9", paid_at=NOW))
    assert view.unresolved_orders()[0]["erp_customer_number"] == "ERP-77"
    assert view.view("c-7") is None

    feed(registered("c-7", erp_number="ERP-77"))

    seen = view.view("c-7")
    assert seen is not None
    assert seen["purchases"]["orders"] == 1
    assert view.unresolved_orders() == []


def test_an_order_parked_while_a_concurrent_transaction_linked_its_customer_is_settled(
    view: Customer360,
) -> None:
    feed = Feed(view)
    feed(order("o-9", erp_number="ERP-77"), OrderPaid(order_id="o-9", paid_at=NOW))
    feed(registered("c-7"))
    with view.store.changing() as racing:  # linked by a transaction that saw nothing parked
        references.link(racing, ERP_CUSTOMER + "ERP-77", "c-7", release=False)
    assert view.view("c-7")["purchases"]["orders"] == 0  # type: ignore[index]

    settled = view.settle_parked()

    assert settled == 1  # the order, which applies its payment that waited for it
    assert view.view("c-7")["purchases"]["orders"] == 1  # type: ignore[index]
    assert view.unresolved_orders() == []
    assert view.settle_parked() == 0


def test_the_periodic_sweep_settles_a_race_that_happens_after_its_first_round(
    view: Customer360,
) -> None:
    sweep = view.settling_parked()
    assert sweep() == 0  # the first round looks at everything parked: nothing to settle
    feed = Feed(view)
    feed(order("o-9", erp_number="ERP-77"), registered("c-7"))
    with view.store.changing() as racing:
        references.link(racing, ERP_CUSTOMER + "ERP-77", "c-7", release=False)

    assert sweep() == 1  # later rounds look at what was parked since the previous one
    assert view.view("c-7")["purchases"]["orders"] == 1  # type: ignore[index]


def test_an_order_naming_both_ids_teaches_the_erp_number(view: Customer360) -> None:
    feed = Feed(view)
    feed(registered("c-3"), order("o-1", customer_id="c-3", erp_number="ERP-3"))

    feed(
        order("o-2", erp_number="ERP-3"),
        PaymentOverdue(
            erp_customer_number="ERP-3",
            invoice_id="i-1",
            amount=Decimal("99.90"),
            currency="EUR",
            days_overdue=45,
        ),
    )

    seen = view.view("c-3")
    assert seen is not None
    assert seen["purchases"]["orders"] == 2
    assert seen["payment_behaviour"] == {
        "invoices_paid": 0,
        "invoices_overdue": 1,
        "max_days_overdue": 45,
    }


def test_a_client_waiting_for_a_customer_gets_the_view_as_soon_as_it_is_applied(
    view: Customer360,
) -> None:
    feed = Feed(view)
    answers: list[object] = []
    waiter = threading.Thread(
        target=lambda: answers.append(view.wait_for("c-5", lambda: view.view("c-5"), 30.0))
    )
    waiter.start()

    feed(registered("c-4"), registered("c-5"))

    waiter.join(timeout=10)
    assert not waiter.is_alive()
    assert answers[0]["profile"]["customer_id"] == "c-5"  # type: ignore[index]


def index_names(view: Customer360) -> set[str]:
    with view.store.reading() as connection:
        found = inspect(connection)
        tables = {index.table.name for index in view.deferred_indexes}  # type: ignore[union-attr]
        return {str(index["name"]) for table in tables for index in found.get_indexes(table)}


DEFERRED = {str(index.name) for index in Customer360.deferred_indexes}


def test_a_replay_leaves_the_indexes_only_queries_need_until_the_end(view: Customer360) -> None:
    feed = Feed(view)
    view.reset_for_replay()

    feed(registered("c-1"), order("o-1", "c-1"))

    assert "timeline_newest_first" in DEFERRED
    assert index_names(view) & DEFERRED == set()
    view.store.build_deferred_indexes()
    assert index_names(view) >= DEFERRED


def test_a_merge_met_during_a_replay_builds_the_deferred_indexes_before_moving_history(
    view: Customer360,
) -> None:
    feed = Feed(view)
    view.reset_for_replay()
    feed(registered("c-old"), order("o-1", "c-old"), registered("c-new"), order("o-2", "c-new"))

    feed(CustomerMerged(customer_id="c-new", merged_customer_id="c-old", merged_at=NOW))

    assert index_names(view) >= DEFERRED
    survivor = view.view("c-new")
    assert survivor is not None
    assert survivor["purchases"]["orders"] == 2
    assert {"o-1", "o-2"} <= {item["data"].get("order_id") for item in view.history("c-new").items}


def test_an_erasure_met_during_a_replay_builds_the_deferred_indexes_before_forgetting(
    view: Customer360,
) -> None:
    feed = Feed(view)
    view.reset_for_replay()
    feed(registered("c-1"), order("o-1", "c-1"))

    feed(CustomerErased(customer_id="c-1", erased_at=NOW))

    assert index_names(view) >= DEFERRED
    assert {item["type"] for item in view.history("c-1").items} == {
        "OrderPlaced",
        "CustomerErased",
    }


def test_a_store_opened_after_an_interrupted_replay_has_every_index(store_settings) -> None:
    url = views_url(store_settings("analytics"))
    interrupted = Customer360(ViewStore(url, metadata))
    interrupted.reset_for_replay()
    interrupted.store.close()

    reopened = Customer360(ViewStore(url, metadata))

    assert index_names(reopened) >= DEFERRED
