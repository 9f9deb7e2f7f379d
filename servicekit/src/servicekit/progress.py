"""How far a consumer's handler is behind its partitions, and whether it stopped moving.

Lag is what the handler has not applied yet: the partition's end minus the first
offset not applied. The consumer's fetch position is not used: records fetched and
waiting to be written (or stuck behind an unavailable database) are lag too.

A partition is *stalled* when messages wait on it and the handler's position has
not moved for a while; a partition that was caught up a moment ago is not, however
long ago it last had something to do.

How late the handler is, in time rather than messages, is the age of the oldest
message not applied yet: known from the Kafka timestamps of the records handed to
the handler, estimated for messages not fetched yet (see :meth:`Progress.unapplied_ages`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from aiokafka import TopicPartition


@dataclass(frozen=True)
class _Fetched:
    """Records handed to the handler, up to ``last_offset``, and when they were written."""

    last_offset: int
    oldest: float  # the earliest Kafka timestamp among them, seconds since the epoch
    newest: float


@dataclass
class _Partition:
    next_offset: int  # the first offset not applied
    end: int | None  # the partition's end at the last fetch; None before any fetch
    moved_at: float  # when next_offset last moved, or the partition was last caught up
    assigned_at: float  # wall clock, as the times below
    quiet_at: float | None = None  # when last seen caught up; None: not since assigned
    applied_newest: float | None = None  # the Kafka timestamp of the newest record applied


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

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self.wall_clock = wall_clock  # Kafka timestamps are wall-clock times
        self._partitions: dict[TopicPartition, _Partition] = {}
        self._assigned: set[TopicPartition] = set()
        #: records handed to the handler and not applied, by partition; kept apart from the
        #: assignment: a poll may be handed over while the partition is being assigned
        self._fetched: dict[TopicPartition, list[_Fetched]] = {}

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
            self._partitions[tp] = _Partition(next_offset, None, self.clock(), self.wall_clock())
        self._fetched[tp] = [f for f in self._fetched.get(tp, []) if f.last_offset >= next_offset]
        self._assigned.add(tp)

    def revoke(self, tps: Iterable[TopicPartition]) -> None:
        for tp in tps:
            self._assigned.discard(tp)
            self._fetched.pop(tp, None)  # given back, it is fetched again

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
            fetched = self._fetched.get(tp, [])
            applied = [f.newest for f in fetched if f.last_offset < next_offset]
            if applied:
                partition.applied_newest = max([*applied, partition.applied_newest or 0.0])
                self._fetched[tp] = [f for f in fetched if f.last_offset >= next_offset]
        if partition.end is not None and partition.end <= partition.next_offset:
            partition.moved_at = now  # caught up: whatever comes next starts the clock anew
            partition.quiet_at = self.wall_clock()

    def fetched(self, tp: TopicPartition, last_offset: int, oldest: float, newest: float) -> None:
        """Records up to ``last_offset``, written to Kafka between ``oldest`` and ``newest``
        (seconds since the epoch), were handed to the handler and wait to be applied."""
        partition = self._partitions.get(tp)
        if partition is not None and tp in self._assigned and last_offset < partition.next_offset:
            return  # applied already
        self._fetched.setdefault(tp, []).append(_Fetched(last_offset, oldest, newest))

    def behind(self) -> dict[TopicPartition, int]:
        """Messages not applied yet, per assigned partition whose end is known."""
        return {
            tp: max(partition.end - partition.next_offset, 0)
            for tp, partition in self._partitions.items()
            if tp in self._assigned and partition.end is not None
        }

    def lag(self) -> int:
        return sum(self.behind().values())

    def unapplied_ages(self) -> dict[TopicPartition, float]:
        """Seconds since the oldest message not applied was written to Kafka, per assigned
        partition whose end is known; 0 where nothing waits.

        The oldest fetched record not applied gives it. When what waits was not handed
        to the handler yet, it is estimated: the messages waiting were written after the
        newest one applied and after the partition was last seen caught up, so the age
        is at most the time since the later of the two. A partition that has been neither
        caught up nor applied since it was assigned shows the time since then, less than
        the true age, until its records are handed over.
        """
        now = self.wall_clock()
        ages = {}
        for tp, waiting in self.behind().items():
            partition = self._partitions[tp]
            if not waiting:
                ages[tp] = 0.0
                continue
            known = [t for t in (partition.quiet_at, partition.applied_newest) if t is not None]
            fetched = self._fetched.get(tp)
            if fetched:  # what was applied is no longer there (see observe)
                since = min(f.oldest for f in fetched)
            elif known:
                since = max(known)
            else:
                since = partition.assigned_at
            ages[tp] = max(now - since, 0.0)
        return ages

    def oldest_unapplied_age(self) -> float:
        """The age of the oldest message not applied on any assigned partition (0: none)."""
        return max(self.unapplied_ages().values(), default=0.0)

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
