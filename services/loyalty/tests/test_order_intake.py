"""ERP orders reach the right account through the inbox, once, on both event stores."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from eventsourcing.persistence import IntegrityError, Tracking

from loyalty.app import Loyalty
from loyalty.inbox import LoyaltyInbox
from servicekit.consumer import Delivery


def apply(inbox: LoyaltyInbox, *deliveries: Delivery) -> None:
    """Each delivery as its own batch, tracked by its topic's offset."""
    for delivery in deliveries:
        inbox.apply([delivery], Tracking(f"{delivery.topic}:0", delivery.offset))


def apply_batches(inbox: LoyaltyInbox, deliveries: Sequence[Delivery]) -> None:
    """Whole batches per topic, as the consumer applies a partition's records."""
    for topic in dict.fromkeys(d.topic for d in deliveries):
        batch = [d for d in deliveries if d.topic == topic]
        inbox.apply(batch, Tracking(f"{topic}:0", batch[-1].offset))


def test_an_order_by_customer_id_earns_pending_points_then_available_when_paid(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages
) -> None:
    app, inbox = loyalty
    apply(inbox, messages.registered("c-1"), messages.placed("o-1", customer_id="c-1"))
    assert (app.account_of("c-1").pending_points, app.account_of("c-1").points_balance) == (100, 0)

    apply(inbox, messages.paid("o-1"))

    account = app.account_of("c-1")
    assert (account.pending_points, account.points_balance) == (0, 100)


def test_an_order_sent_again_under_a_new_message_id_earns_once(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages
) -> None:
    app, inbox = loyalty
    apply(inbox, messages.registered("c-1"))
    apply(inbox, messages.placed("o-1", customer_id="c-1"), messages.paid("o-1"))

    apply(inbox, messages.placed("o-1", customer_id="c-1"), messages.paid("o-1", day=5))

    account = app.account_of("c-1")
    assert account.points_balance == 100
    assert len(account.movements) == 1


def test_an_order_of_an_unknown_erp_number_waits_and_earns_when_the_customer_appears(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages
) -> None:
    app, inbox = loyalty
    apply(
        inbox,
        messages.placed("o-1", number="E-77", lines=[("A", 2, "10"), ("B", 1, "5")]),
        messages.paid("o-1"),
        messages.returned("o-1", [("A", 1)]),
    )
    assert not app.has_account("c-9")

    apply(inbox, messages.registered("c-9", erp_customer_number="E-77"))

    account = app.account_of("c-9")
    assert account.points_balance == 15
    assert [m.points for m in account.movements] == [25, -10]


def test_a_number_linked_later_releases_its_orders_and_names_the_customer_from_then_on(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages
) -> None:
    app, inbox = loyalty
    apply(inbox, messages.registered("c-1"), messages.placed("o-1", number="E-1"))

    apply(inbox, messages.number_linked("c-1", "E-1"), messages.placed("o-2", number="E-1"))

    assert app.account_of("c-1").pending_points == 200


def test_an_order_naming_both_ids_teaches_the_number(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages
) -> None:
    app, inbox = loyalty
    apply(inbox, messages.placed("o-1", number="E-5"))

    apply(inbox, messages.placed("o-2", customer_id="c-5", number="E-5"))

    assert set(app.account_of("c-5").orders) == {"o-1", "o-2"}


def test_cancellation_and_return_sent_again_take_back_once(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages
) -> None:
    app, inbox = loyalty
    apply(
        inbox,
        messages.placed("o-1", customer_id="c-1", lines=[("A", 3, "10")]),
        messages.paid("o-1"),
    )
    apply(inbox, messages.returned("o-1", [("A", 1)]), messages.returned("o-1", [("A", 1)]))
    assert app.account_of("c-1").points_balance == 20

    apply(inbox, messages.cancelled("o-1"), messages.cancelled("o-1", day=4))

    account = app.account_of("c-1")
    assert account.points_balance == 0
    assert [m.points for m in account.movements] == [30, -10, -20]


def test_redelivering_every_batch_is_refused_and_has_no_second_effect(
    loyalty: tuple[Loyalty, LoyaltyInbox], messages
) -> None:
    app, inbox = loyalty
    deliveries = [
        messages.registered("c-1"),
        messages.registered("c-2", erp_customer_number="E-2"),
        messages.placed("o-1", customer_id="c-1", lines=[("A", 2, "10")]),
        messages.placed("o-2", number="E-2"),
        messages.placed("o-3", number="E-3"),
        messages.paid("o-1"),
        messages.paid("o-2"),
        messages.returned("o-1", [("A", 1)]),
        messages.cancelled("o-2"),
    ]
    apply_batches(inbox, deliveries)
    recorded = app.recorder.max_notification_id()
    balances = (app.account_of("c-1").points_balance, app.account_of("c-2").points_balance)

    for topic in ("crm.customers.v1", "erp.orders.v1"):
        batch = [d for d in deliveries if d.topic == topic]
        with pytest.raises(IntegrityError):
            inbox.apply(batch, Tracking(f"{topic}:0", batch[-1].offset))

    assert app.recorder.max_notification_id() == recorded
    assert balances == (10, 0)
    assert (app.account_of("c-1").points_balance, app.account_of("c-2").points_balance) == balances
