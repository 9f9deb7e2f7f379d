"""Intake rates read from polled counters: what a service did in each tenth of the stream."""

from __future__ import annotations

import pytest

from bench.intake import Sample, Tenth, intake, read_counters

ORDERS = "erp.orders.v1"
SHIPMENTS = "erp.shipments.v1"
FETCHING = frozenset({("inbox", ORDERS)})


def tenths(messages: int = 100, orders: int = 40, **others: int) -> list[Tenth]:
    return [Tenth(orders, {ORDERS: messages, **others}) for _ in range(10)]


def test_a_counter_that_moves_a_batch_at_a_time_is_read_as_steady_work() -> None:
    # given a service fetching from t=0 that commits 250 messages every 5 s, polled each second
    samples = [
        Sample(float(t), {("inbox", ORDERS): 250.0 * (t // 5)}, FETCHING) for t in range(0, 21)
    ]
    # when its intake is read
    taken = intake(tenths(), samples, started=-3.0)
    # then every tenth ran at 50 msg/s (20 orders/s), however the polls fell
    assert taken.finished
    assert [round(t.messages_per_second, 6) for t in taken.tenths] == [50.0] * 10
    assert [round(t.orders_per_second, 6) for t in taken.tenths] == [20.0] * 10
    assert taken.last_to_first == pytest.approx(1.0)
    assert taken.seconds == pytest.approx(20.0)


def test_a_service_is_as_far_as_its_slowest_consumer_of_the_topics_it_reads() -> None:
    given = tenths(messages=100, **{SHIPMENTS: 50})
    samples = [
        Sample(0.0, {}, FETCHING),
        Sample(10.0, {("views", ORDERS): 1000.0, ("views", SHIPMENTS): 250.0}),
        Sample(20.0, {("views", ORDERS): 1000.0, ("views", SHIPMENTS): 500.0}),
    ]
    taken = intake(given, samples, started=0.0)
    assert taken.topics == (ORDERS, SHIPMENTS)
    assert [round(t.seconds, 6) for t in taken.tenths] == [2.0] * 5 + [2.0] * 5
    assert taken.tenths[0].messages == 150
    assert taken.orders == 400


def test_a_service_that_did_not_finish_tells_how_far_it_got_and_its_tenth_under_way() -> None:
    # given a service that slows down with history and is stopped at 2.5 tenths
    samples = [
        Sample(0.0, {}, FETCHING),
        Sample(10.0, {("inbox", ORDERS): 100.0}),
        Sample(30.0, {("inbox", ORDERS): 200.0}),
        Sample(45.0, {("inbox", ORDERS): 250.0}),
        Sample(60.0, {("inbox", ORDERS): 250.0}),
    ]
    taken = intake(tenths(), samples, started=0.0)
    assert not taken.finished
    assert taken.position == pytest.approx(2.5)
    assert [t.complete for t in taken.tenths] == [True, True, False]
    assert [t.messages_per_second for t in taken.tenths] == [10.0, 5.0, pytest.approx(50 / 15)]
    assert taken.last_to_first == pytest.approx(1 / 3)
    assert taken.seconds == 60.0  # until the measurement stopped
    assert taken.orders == pytest.approx(100.0)


def test_the_work_begins_when_the_consumers_fetch_not_when_the_process_starts() -> None:
    samples = [
        Sample(1.0, {}),  # answering, still joining its group
        Sample(4.0, {}, FETCHING),
        Sample(14.0, {("inbox", ORDERS): 1000.0}),
    ]
    taken = intake(tenths(), samples, started=0.0)
    assert taken.seconds == pytest.approx(10.0)
    assert taken.first is not None
    assert taken.first.seconds == pytest.approx(1.0)


def test_the_applied_counter_is_read_where_a_service_has_it_else_the_messages_counter() -> None:
    older = """# TYPE consumer_messages_total counter
consumer_messages_total{consumer="inbox",topic="erp.orders.v1"} 12.0
# TYPE consumer_lag_messages gauge
consumer_lag_messages{consumer="inbox",topic="erp.orders.v1",partition="0"} 3.0
"""
    newer = (
        older
        + """# TYPE consumer_applied_total counter
consumer_applied_total{consumer="inbox",topic="erp.orders.v1"} 9.0
"""
    )
    assert read_counters(older).applied == {("inbox", ORDERS): 12.0}
    assert read_counters(newer).applied == {("inbox", ORDERS): 9.0}
    assert read_counters(older).fetching == {("inbox", ORDERS)}
