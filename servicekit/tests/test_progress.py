"""A consumer's lag is what its handler has not applied; it is stalled when that stops moving."""

from __future__ import annotations

from aiokafka import TopicPartition

from servicekit.progress import Progress, Stall, describe

ORDERS = TopicPartition("erp.orders.v1", 0)
PAYMENTS = TopicPartition("erp.payments.v1", 1)


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_messages_fetched_but_not_applied_are_lag() -> None:
    # Given a partition applied up to offset 99 whose end is at 5100
    progress = Progress()
    progress.assign(ORDERS, next_offset=100)

    # When the consumer has fetched everything but the handler applied nothing more
    progress.observe(ORDERS, end=5100, next_offset=100)

    # Then the 5000 fetched messages are lag
    assert progress.lag() == 5000
    assert progress.behind() == {ORDERS: 5000}
    assert not progress.caught_up()


def test_a_partition_never_fetched_has_no_lag_yet_and_is_not_caught_up() -> None:
    progress = Progress()
    progress.assign(ORDERS, next_offset=0)
    progress.assign(PAYMENTS, next_offset=0)

    progress.observe(ORDERS, end=0)

    assert progress.lag() == 0
    assert not progress.caught_up()  # PAYMENTS was never fetched: its end is unknown
    progress.observe(PAYMENTS, end=0)
    assert progress.caught_up()


def test_messages_waiting_without_the_position_moving_make_a_stall() -> None:
    clock = Clock()
    progress = Progress(clock)
    progress.assign(ORDERS, next_offset=10)
    progress.observe(ORDERS, end=40)

    clock.now += 30
    assert progress.stalls(after_seconds=60) == []
    clock.now += 31
    (stall,) = progress.stalls(after_seconds=60)

    assert (stall.tp, stall.waiting) == (ORDERS, 30)
    assert describe([stall]) == "30 messages waiting on erp.orders.v1[0], none applied for 61 s"


def test_a_stall_over_many_partitions_is_one_line_naming_a_few() -> None:
    stalls = [
        Stall(TopicPartition("erp.orders.v1", partition), waiting=10, idle_seconds=70 + partition)
        for partition in range(5)
    ]

    assert describe(stalls) == (
        "50 messages waiting on erp.orders.v1[0], erp.orders.v1[1], erp.orders.v1[2] "
        "and 2 more partitions, none applied for 70 s"
    )


def test_a_handler_that_applies_slowly_is_not_stalled() -> None:
    clock = Clock()
    progress = Progress(clock)
    progress.assign(ORDERS, next_offset=0)
    progress.observe(ORDERS, end=1000)

    for applied in range(100, 1000, 100):
        clock.now += 50
        progress.observe(ORDERS, next_offset=applied)

    assert progress.lag() == 100
    assert progress.stalls(after_seconds=60) == []


def test_new_messages_after_a_long_quiet_time_start_the_clock_anew() -> None:
    # Given a partition caught up long ago
    clock = Clock()
    progress = Progress(clock)
    progress.assign(ORDERS, next_offset=50)
    progress.observe(ORDERS, end=50)
    clock.now += 3600
    progress.observe(ORDERS, end=50)

    # When a message arrives
    clock.now += 1
    progress.observe(ORDERS, end=51)

    # Then it is lag, not a stall
    assert progress.lag() == 1
    assert progress.stalls(after_seconds=60) == []


def test_a_consumer_restarting_without_applying_anything_stays_stalled() -> None:
    # Given a partition with messages waiting that nothing was applied from for 50 s
    clock = Clock()
    progress = Progress(clock)
    progress.assign(ORDERS, next_offset=7)
    progress.observe(ORDERS, end=20)
    clock.now += 50

    # When the consumer restarts and is given the partition back at the same position
    progress.revoke([ORDERS])
    progress.assign(ORDERS, next_offset=7)
    clock.now += 20

    # Then the time before the restart counts
    assert [stall.waiting for stall in progress.stalls(after_seconds=60)] == [13]


def test_a_partition_given_back_after_it_moved_on_elsewhere_starts_afresh() -> None:
    clock = Clock()
    progress = Progress(clock)
    progress.assign(ORDERS, next_offset=7)
    progress.observe(ORDERS, end=20)
    clock.now += 100
    progress.revoke([ORDERS])

    progress.assign(ORDERS, next_offset=20)  # another member applied it meanwhile

    assert progress.behind() == {}  # not fetched since given back
    assert progress.stalls(after_seconds=60) == []
    assert progress.assigned == {ORDERS}


def test_revoked_partitions_are_no_longer_lag() -> None:
    progress = Progress()
    progress.assign(ORDERS, next_offset=0)
    progress.assign(PAYMENTS, next_offset=0)
    progress.observe(ORDERS, end=10)
    progress.observe(PAYMENTS, end=5)

    progress.revoke([ORDERS])

    assert progress.behind() == {PAYMENTS: 5}
    progress.observe(ORDERS, end=99)  # a late observation of a revoked partition is ignored
    assert progress.lag() == 5


def test_the_oldest_fetched_message_not_applied_gives_the_age_until_it_is_applied() -> None:
    # Given 500 messages written to Kafka 40 s to 10 s ago, fetched and waiting on the handler
    clock = Clock()
    progress = Progress(clock, wall_clock=clock)
    progress.assign(ORDERS, next_offset=100)
    progress.observe(ORDERS, end=600)
    progress.fetched(ORDERS, last_offset=599, oldest=clock.now - 40, newest=clock.now - 10)

    # When the handler takes 20 s to write them
    clock.now += 20

    # Then the age is that of the oldest, still waiting
    assert progress.unapplied_ages() == {ORDERS: 60.0}
    assert progress.oldest_unapplied_age() == 60.0

    # And once they are applied, nothing waits and the age is 0
    progress.observe(ORDERS, next_offset=600)
    assert progress.unapplied_ages() == {ORDERS: 0.0}


def test_the_age_follows_the_oldest_batch_still_waiting() -> None:
    clock = Clock()
    progress = Progress(clock, wall_clock=clock)
    progress.assign(ORDERS, next_offset=0)
    progress.observe(ORDERS, end=200)
    progress.fetched(ORDERS, last_offset=99, oldest=clock.now - 30, newest=clock.now - 20)
    progress.fetched(ORDERS, last_offset=199, oldest=clock.now - 20, newest=clock.now - 5)

    progress.observe(ORDERS, next_offset=100)  # the first batch is applied

    assert progress.unapplied_ages() == {ORDERS: 20.0}


def test_messages_not_fetched_behind_a_backlog_are_as_old_as_the_last_one_applied() -> None:
    # Given a partition never caught up, whose handler applied messages written 300 s ago
    clock = Clock()
    progress = Progress(clock, wall_clock=clock)
    progress.assign(ORDERS, next_offset=0)
    progress.observe(ORDERS, end=10_000)
    progress.fetched(ORDERS, last_offset=4999, oldest=clock.now - 320, newest=clock.now - 300)
    progress.observe(ORDERS, next_offset=5000)

    # When the next messages are not fetched yet
    clock.now += 2

    # Then they are at most as old as the last one applied, not as fresh as the last write
    assert progress.unapplied_ages() == {ORDERS: 302.0}


def test_a_message_not_fetched_after_a_quiet_time_is_at_most_as_old_as_the_quiet() -> None:
    # Given a partition caught up whose last message was written an hour ago
    clock = Clock()
    progress = Progress(clock, wall_clock=clock)
    progress.assign(ORDERS, next_offset=0)
    progress.observe(ORDERS, end=10)
    progress.fetched(ORDERS, last_offset=9, oldest=clock.now - 3600, newest=clock.now - 3600)
    progress.observe(ORDERS, next_offset=10)
    clock.now += 30
    progress.observe(ORDERS, end=10)

    # When a message arrives and is not fetched yet
    clock.now += 1
    progress.observe(ORDERS, end=11)

    # Then its age is the second since the partition was last seen caught up
    assert progress.unapplied_ages() == {ORDERS: 1.0}


def test_a_partition_given_back_forgets_what_it_had_fetched_before() -> None:
    clock = Clock()
    progress = Progress(clock, wall_clock=clock)
    progress.assign(ORDERS, next_offset=0)
    progress.observe(ORDERS, end=100)
    progress.fetched(ORDERS, last_offset=99, oldest=clock.now - 50, newest=clock.now - 40)

    progress.revoke([ORDERS])
    progress.assign(ORDERS, next_offset=0)  # the consumer fetches again from offset 0
    progress.observe(ORDERS, end=100)
    clock.now += 5

    assert progress.unapplied_ages() == {ORDERS: 5.0}  # since assigned, until fetched again


def test_records_handed_over_while_the_partition_is_being_assigned_count() -> None:
    # Given a poll handed to the handler before the consumer recorded the assignment
    clock = Clock()
    progress = Progress(clock, wall_clock=clock)
    progress.fetched(ORDERS, last_offset=99, oldest=clock.now - 30, newest=clock.now - 20)

    # When the assignment is recorded
    progress.assign(ORDERS, next_offset=0)
    progress.observe(ORDERS, end=100)

    # Then the age is that of the records handed over
    assert progress.unapplied_ages() == {ORDERS: 30.0}
