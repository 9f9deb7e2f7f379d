"""How far a consumer's handler is behind its partitions, and whether it stopped moving.

Lag is what the handler has not applied yet: the partition's end minus the first
offset not applied. The consumer's fetch position is not used: records fetched and
waiting to be written (or stuck behind an unavailable database) are lag too.

A partition is *stalled* when messages wait on it and the handler's position has
not moved for a while; a partition that was caught up a moment ago is not, however
long ago it last had something to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from aiokafka import TopicPartition


@dataclass
class _Partition:
    next_offset: int  # the first offset not applied
    end: int | None  # the partition's end at the last fetch; None before any fetch
    moved_at: float  # when next_offset last moved, or the partition was last caught up


@dataclass(frozen=True)
class Stall:
    """Messages wait on a partition and none was applied for ``idle_seconds``."""

    tp: TopicPartition
    waiting: int
    idle_seconds: float


def describe(stalls: Sequence[Stall], named: int = 3) -> str:
    """One line for an operator: how much waits, where, and for how long."""
    waiting = sum(stall.waiting for stall in stalls)
    idle = min(stall.idle_seconds for stall in stalls)
    messages = "1 message" if waiting == 1 else f"{waiting} messages"
    where = ", ".join(f"{s.tp.topic}[{s.tp.partition}]" for s in stalls[:named])
    if len(stalls) > named:
        where += f" and {len(stalls) - named} more partitions"
    return f"{messages} waiting on {where}, none applied for {idle:.0f} s"


class Progress:
    """The applied position and the end of every partition a consumer was given.

    A partition taken away and given back keeps its history: a consumer that
    restarts over and over without applying anything still shows as stalled.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._partitions: dict[TopicPartition, _Partition] = {}
        self._assigned: set[TopicPartition] = set()

    def assign(self, tp: TopicPartition, next_offset: int) -> None:
        """The consumer owns ``tp`` and will apply from ``next_offset`` on."""
        known = self._partitions.get(tp)
        stuck = (
            known is not None
            and known.next_offset == next_offset
            and known.end is not None
            and known.end > next_offset
        )
        if not stuck:  # only a partition that was behind and still is keeps its clock
            self._partitions[tp] = _Partition(next_offset, None, self.clock())
        self._assigned.add(tp)

    def revoke(self, tps: Iterable[TopicPartition]) -> None:
        self._assigned.difference_update(tps)

    @property
    def assigned(self) -> set[TopicPartition]:
        return set(self._assigned)

    def observe(
        self, tp: TopicPartition, *, end: int | None = None, next_offset: int | None = None
    ) -> None:
        """Record the partition's end and how far the handler has applied."""
        partition = self._partitions.get(tp)
        if partition is None or tp not in self._assigned:
            return
        now = self.clock()
        if end is not None:
            partition.end = end
        if next_offset is not None and next_offset > partition.next_offset:
            partition.next_offset = next_offset
            partition.moved_at = now
        if partition.end is not None and partition.end <= partition.next_offset:
            partition.moved_at = now  # caught up: whatever comes next starts the clock anew

    def behind(self) -> dict[TopicPartition, int]:
        """Messages not applied yet, per assigned partition whose end is known."""
        return {
            tp: max(partition.end - partition.next_offset, 0)
            for tp, partition in self._partitions.items()
            if tp in self._assigned and partition.end is not None
        }

    def lag(self) -> int:
        return sum(self.behind().values())

    def caught_up(self) -> bool:
        """Some partitions are owned, every one of them was fetched and is fully applied."""
        behind = self.behind()
        return bool(self._assigned) and behind.keys() == self._assigned and not any(behind.values())

    def stalls(self, after_seconds: float) -> list[Stall]:
        """The partitions with messages waiting whose position has not moved for longer
        than ``after_seconds``."""
        now = self.clock()
        stalls = []
        for tp, waiting in sorted(self.behind().items()):
            idle = now - self._partitions[tp].moved_at
            if waiting and idle > after_seconds:
                stalls.append(Stall(tp, waiting, idle))
        return stalls
