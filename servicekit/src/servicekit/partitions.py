"""The partition of a message key, as Kafka's default partitioner picks it, remembered.

aiokafka's partitioner runs murmur2 in pure Python for every message sent: ~5 µs,
a third of what producing a message costs otherwise. An aggregate's events all
carry its key, so the relay asks for the same few keys again and again; here each
key is hashed once per partition count and the relay sends with an explicit
partition. The answer is the default partitioner's own, so a key lands where
aiokafka (and any other producer using murmur2) puts it.
"""

from __future__ import annotations

from collections.abc import Sequence

from aiokafka.partitioner import DefaultPartitioner

#: keys remembered before the memory starts over (a few MB)
CAPACITY = 100_000


class PartitionsByKey:
    def __init__(self, capacity: int = CAPACITY) -> None:
        self.capacity = capacity
        self._partitioner = DefaultPartitioner()
        self._known: dict[tuple[str, bytes], tuple[int, int]] = {}

    def __len__(self) -> int:
        return len(self._known)

    def of(self, topic: str, key: bytes, partitions: Sequence[int]) -> int:
        """The partition of ``key`` among ``partitions`` (as the producer's metadata
        lists them): the default partitioner's choice, computed again when the topic
        has a different number of partitions than when it was remembered."""
        known = self._known.get((topic, key))
        if known is not None and known[0] == len(partitions):
            return known[1]
        if len(self._known) >= self.capacity:
            self._known.clear()
        partition: int = self._partitioner(key, list(partitions), list(partitions))
        self._known[(topic, key)] = (len(partitions), partition)
        return partition
