"""Each order's events come in causal order, and what they say is consistent."""

from __future__ import annotations

from collections import Counter

from contracts.erp.orders import OrderPlaced
from contracts.erp.payments import PaymentOverdue
from contracts.erp.shipments import ShipmentDelayed, ShipmentDispatched
from erpsim import Plan, PlannedOrder

SHIPMENT_EVENTS = {"ShipmentDispatched", "ShipmentDelayed", "ShipmentDelivered"}


def types_of(order: PlannedOrder) -> list[str]:
    return [m.envelope.type for m in order.messages]


def position(order: PlannedOrder, event_type: str) -> int:
    return types_of(order).index(event_type)


def test_every_order_opens_with_its_placement_and_keeps_plan_order(a_plan: Plan) -> None:
    where = {id(m): i for i, m in enumerate(a_plan.messages)}
    for order in a_plan.orders:
        assert types_of(order)[0] == "OrderPlaced"
        positions = [where[id(m)] for m in order.messages]
        assert positions == sorted(positions)
        times = [m.envelope.time for m in order.messages]
        assert times == sorted(times)


def test_paid_before_dispatched_before_delivered_before_returned(a_plan: Plan) -> None:
    for order in a_plan.orders:
        types = types_of(order)
        for once in ("OrderPlaced", "OrderPaid", "OrderCancelled", "OrderReturned"):
            assert types.count(once) <= 1
        if "ShipmentDispatched" in types:
            assert position(order, "ShipmentDispatched") < position(order, "ShipmentDelivered")
            if not order.on_invoice:  # invoice customers get the goods before they pay
                assert position(order, "OrderPaid") < position(order, "ShipmentDispatched")
        if "ShipmentDelayed" in types:
            assert (
                position(order, "ShipmentDispatched")
                < position(order, "ShipmentDelayed")
                < position(order, "ShipmentDelivered")
            )
        if "OrderReturned" in types:
            received = "ShipmentDelivered" if "ShipmentDispatched" in types else "OrderPaid"
            assert position(order, received) < position(order, "OrderReturned")
        if "OrderPaid" in types:
            assert position(order, "PaymentReceived") < position(order, "OrderPaid")


def test_cancelled_orders_are_never_shipped_nor_returned(a_plan: Plan) -> None:
    cancelled = [o for o in a_plan.orders if o.cancelled_at is not None]
    assert cancelled
    for order in cancelled:
        types = set(types_of(order))
        assert types.isdisjoint(SHIPMENT_EVENTS | {"OrderReturned"})
        assert order.channel != "store"
        if "OrderPaid" in types:  # paid by card, cancelled while waiting in the warehouse
            assert position(order, "OrderPaid") < position(order, "OrderCancelled")


def test_returned_quantities_never_exceed_the_ordered_ones(a_plan: Plan) -> None:
    returned = [o for o in a_plan.orders if o.returned]
    assert returned
    for order in returned:
        ordered = {line.sku: line.quantity for line in order.lines}
        assert len({line.sku for line in order.returned}) == len(order.returned)
        for line in order.returned:
            assert 0 < line.quantity <= ordered[line.sku]


def test_store_orders_are_paid_at_the_till_and_mostly_carried_home(a_plan: Plan) -> None:
    store = [o for o in a_plan.orders if o.channel == "store"]
    assert all(o.paid_at is not None and o.cancelled_at is None for o in store)
    carried = [o for o in store if o.shipment_id is None]
    assert len(carried) > 0.8 * len(store)
    assert all(SHIPMENT_EVENTS.isdisjoint(types_of(o)) for o in carried)


def test_remote_orders_not_cancelled_are_shipped_and_delivered(a_plan: Plan) -> None:
    for order in a_plan.orders:
        if order.channel != "store" and order.cancelled_at is None:
            assert {"ShipmentDispatched", "ShipmentDelivered"} <= set(types_of(order))
            dispatched = next(
                m.event for m in order.messages if m.envelope.type == "ShipmentDispatched"
            )
            assert isinstance(dispatched, ShipmentDispatched)
            assert dispatched.shipment_id == order.shipment_id
            assert dispatched.eta >= dispatched.dispatched_at.date()


def test_a_delay_moves_the_eta_later_and_says_why(a_plan: Plan) -> None:
    delayed = [o for o in a_plan.orders if o.delayed]
    assert delayed
    for order in delayed:
        events = {m.envelope.type: m.event for m in order.messages}
        dispatched, delay = events["ShipmentDispatched"], events["ShipmentDelayed"]
        assert isinstance(dispatched, ShipmentDispatched)
        assert isinstance(delay, ShipmentDelayed)
        assert delay.new_eta > dispatched.eta
        assert delay.reason
        assert order.delivered_at is not None
        assert order.delivered_at.date() >= delay.new_eta


def test_only_invoice_customers_go_overdue_reported_in_growing_days(a_plan: Plan) -> None:
    overdue = [o for o in a_plan.orders if o.days_overdue]
    assert overdue
    for order in overdue:
        assert order.on_invoice
        assert order.payment_method == "transfer"
        reports = [m.event for m in order.messages if isinstance(m.event, PaymentOverdue)]
        assert [r.days_overdue for r in reports] == list(order.days_overdue)
        assert list(order.days_overdue) == sorted(set(order.days_overdue))
        assert all(r.amount == order.total and r.invoice_id == order.invoice_id for r in reports)
        if order.paid_at is not None:
            types = types_of(order)
            last_report = max(i for i, t in enumerate(types) if t == "PaymentOverdue")
            assert last_report < position(order, "PaymentReceived")


def test_most_orders_are_paid_and_payments_carry_the_order_total(a_plan: Plan) -> None:
    paid = [o for o in a_plan.orders if o.paid_at is not None]
    assert len(paid) > 0.85 * len(a_plan.orders)
    for order in paid:
        received = next(m for m in order.messages if m.envelope.type == "PaymentReceived")
        assert received.key == order.invoice_id
        assert received.event.model_dump()["amount"] == order.total


def test_follow_ups_share_the_orders_correlation_and_chain_their_causes(a_plan: Plan) -> None:
    for order in a_plan.orders[:100]:
        envelopes = [m.envelope for m in order.messages]
        assert {e.correlationid for e in envelopes} == {order.order_id}
        assert envelopes[0].causationid is None
        assert [e.causationid for e in envelopes[1:]] == [e.id for e in envelopes[:-1]]
        versions = Counter[tuple[str, str]]()
        for message in order.messages:
            versions[(message.topic, message.key)] += 1
            assert message.envelope.aggregateversion == versions[(message.topic, message.key)]


def test_the_order_placed_event_tells_the_planned_order(a_plan: Plan) -> None:
    for order in a_plan.orders[:50]:
        placed = order.messages[0].event
        assert isinstance(placed, OrderPlaced)
        assert placed.total == order.total
        assert tuple(placed.lines) == order.lines
        assert placed.channel == order.channel
        assert placed.placed_at == order.placed_at
