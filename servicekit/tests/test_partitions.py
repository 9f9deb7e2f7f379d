"""The relay's remembered partitions are the ones Kafka's default partitioner picks."""

from __future__ import annotations

from uuid import uuid4

from aiokafka.partitioner import DefaultPartitioner

from servicekit.partitions import PartitionsByKey


def test_a_key_goes_to_the_partition_the_default_partitioner_picks() -> None:
    remembered = PartitionsByKey()
    keys = [str(uuid4()).encode() for _ in range(500)]

    for count in (1, 3, 7, 12):
        partitions = list(range(count))
        for key in keys:
            expected = DefaultPartitioner()(key, partitions, partitions)
            assert remembered.of("crm.leads.v1", key, partitions) == expected
            assert remembered.of("crm.leads.v1", key, partitions) == expected  # remembered


def test_a_key_is_placed_again_when_its_topic_gained_partitions() -> None:
    remembered = PartitionsByKey()
    key = b"customer-42"
    remembered.of("crm.customers.v1", key, [0, 1, 2])

    placed = remembered.of("crm.customers.v1", key, list(range(10)))

    assert placed == DefaultPartitioner()(key, list(range(10)), list(range(10)))


def test_the_memory_starts_over_when_full() -> None:
    remembered = PartitionsByKey(capacity=10)
    for number in range(25):
        remembered.of("crm.leads.v1", str(number).encode(), [0, 1, 2])

    assert len(remembered) <= 10
