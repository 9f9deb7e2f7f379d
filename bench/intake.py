"""A service's intake rate for each tenth of the order stream, measured from outside.

The stream is cut in tenths by its orders: tenth *k* holds every message published
from the *k*-th tenth's first ``OrderPlaced`` on (the follow-ups of earlier orders
that fall in that time included). The service's ``/metrics`` are polled while it
takes the stream in: its applied-message counters by consumer and topic
(``consumer_applied_total``, or ``consumer_messages_total`` where a service does not
have it yet: it counted applied messages before). A counter of topic *t* that
reached the messages of *t* in the first *k* tenths has taken *k* tenths; between
two tenths it has taken a fraction in proportion to the messages. The service has
taken as much as its slowest counter (every consumer of every stream topic it
reads).

A counter moves in steps, a whole partition batch (up to 5,000 messages) at a
time, when the batch's transaction commits: the work of a step was done since the
step before. So the service's progress is drawn through the polls where it moved
(the first poll that saw each new value), from the poll where its consumers were
first seen fetching the stream's topics (``consumer_lag_messages``), and the moment
it finished tenth *k* is interpolated on that line. Its rate in tenth *k* is that
tenth's messages on the topics it reads (and its orders) over the seconds between
finishing tenth *k-1* and tenth *k*. With tenths of a few batches (the quick
shape) the curve is coarse; at retail size a tenth is dozens of batches.

A tenth's messages are what the service consumed, not what it did with them: a
flat curve means the cost of a message does not grow with the history behind it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

#: preferred first: the counter of applied messages, then the one that counted them before
APPLIED_COUNTERS = ("consumer_applied", "consumer_messages")
TENTHS = 10

Series = tuple[str, str]  # consumer, topic


LAG = "consumer_lag_messages"


@dataclass(frozen=True)
class Counters:
    """What a service's ``/metrics`` say about its consumers."""

    #: applied messages by (consumer, topic)
    applied: dict[Series, float]
    #: the (consumer, topic) pairs with a partition assigned and fetched
    fetching: frozenset[Series]


def read_counters(metrics_text: str) -> Counters:
    """The consumers' counters in a Prometheus exposition."""
    found: dict[str, dict[Series, float]] = {name: {} for name in APPLIED_COUNTERS}
    fetching: set[Series] = set()
    for family in text_string_to_metric_families(metrics_text):
        if family.name in found:
            for sample in family.samples:
                if sample.name == f"{family.name}_total":
                    key = (sample.labels["consumer"], sample.labels["topic"])
                    found[family.name][key] = sample.value
        elif family.name == LAG:
            fetching.update((s.labels["consumer"], s.labels["topic"]) for s in family.samples)
    applied = next((found[name] for name in APPLIED_COUNTERS if found[name]), {})
    return Counters(applied, frozenset(fetching))


def applied_counts(metrics_text: str) -> dict[Series, float]:
    """Applied messages by (consumer, topic) in a Prometheus exposition."""
    return read_counters(metrics_text).applied


@dataclass(frozen=True)
class Tenth:
    """One tenth of the stream as published: its orders and its messages by topic."""

    orders: int
    by_topic: Mapping[str, int]


@dataclass(frozen=True)
class Sample:
    """A service's applied counters at a moment (``time.monotonic()``), and whether its
    consumers were fetching the stream's topics by then."""

    at: float
    applied: Mapping[Series, float]
    fetching: frozenset[Series] = frozenset()


@dataclass(frozen=True)
class TenthRate:
    tenth: int  # 1..10
    seconds: float
    messages: float
    orders: float
    complete: bool

    @property
    def messages_per_second(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    @property
    def orders_per_second(self) -> float:
        return self.orders / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "tenth": self.tenth,
            "seconds": round(self.seconds, 3),
            "messages": round(self.messages),
            "orders": round(self.orders),
            "messages_per_second": round(self.messages_per_second, 1),
            "orders_per_second": round(self.orders_per_second, 1),
            "complete": self.complete,
        }


@dataclass(frozen=True)
class Intake:
    """How a service took the stream in: its rate in each tenth (the last one partial
    when it had not finished), and what it had taken when the measurement stopped."""

    topics: tuple[str, ...]
    series: tuple[Series, ...]
    tenths: tuple[TenthRate, ...]
    #: tenths taken, with the fraction of the one under way (10.0: every message)
    position: float
    seconds: float
    orders: float
    messages: float
    applied_at_end: dict[str, float] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.position >= TENTHS

    @property
    def first(self) -> TenthRate | None:
        return self.tenths[0] if self.tenths else None

    @property
    def last(self) -> TenthRate | None:
        return self.tenths[-1] if self.tenths else None

    @property
    def last_to_first(self) -> float | None:
        """The rate (messages/s) in the last tenth taken over the rate in the first."""
        first, last = self.first, self.last
        if first is None or last is None or first.messages_per_second == 0:
            return None
        return last.messages_per_second / first.messages_per_second

    @property
    def orders_per_second(self) -> float:
        return self.orders / self.seconds if self.seconds > 0 else 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "topics": list(self.topics),
            "consumers": [f"{consumer} {topic}" for consumer, topic in self.series],
            "finished": self.finished,
            "tenths_taken": round(self.position, 3),
            "seconds": round(self.seconds, 3),
            "orders": round(self.orders),
            "messages": round(self.messages),
            "orders_per_second": round(self.orders_per_second, 1),
            "last_to_first": None if self.last_to_first is None else round(self.last_to_first, 3),
            "applied_at_end": self.applied_at_end,
            "by_tenth": [tenth.as_json() for tenth in self.tenths],
        }


def cumulative(tenths: Sequence[Tenth]) -> dict[str, list[int]]:
    """Messages of each topic in the first k tenths, k = 0..10."""
    topics = sorted({topic for tenth in tenths for topic in tenth.by_topic})
    sums: dict[str, list[int]] = {}
    for topic in topics:
        running = [0]
        for tenth in tenths:
            running.append(running[-1] + tenth.by_topic.get(topic, 0))
        sums[topic] = running
    return sums


def taken(applied: float, sums: Sequence[int]) -> float:
    """Tenths a counter at ``applied`` has taken of a topic with these cumulative sums."""
    for k in range(1, len(sums)):
        if applied < sums[k]:
            return k - 1 + (applied - sums[k - 1]) / (sums[k] - sums[k - 1])
    return float(len(sums) - 1)


def position(sample: Sample, series: Sequence[Series], sums: Mapping[str, Sequence[int]]) -> float:
    """Tenths the service has taken: as far as its slowest consumer of a stream topic."""
    if not series:
        return 0.0
    return min(taken(sample.applied.get(key, 0.0), sums[key[1]]) for key in series)


def stream_series(samples: Sequence[Sample], topics: Sequence[str]) -> tuple[Series, ...]:
    """Every (consumer, topic) of the stream's topics the service's counters showed."""
    wanted = set(topics)
    return tuple(sorted({key for s in samples for key in s.applied if key[1] in wanted}))


def progress_line(
    samples: Sequence[Sample],
    series: Sequence[Series],
    sums: Mapping[str, Sequence[int]],
    started: float,
) -> list[tuple[float, float]]:
    """(moment, tenths taken) from when the work began, through each poll that saw the
    service move. The work began at the first poll that saw its consumers fetch a
    stream topic, or the poll before the first that saw it move (``started``, its
    start, if none)."""
    wanted = {topic for _, topic in series}
    begin = started
    line: list[tuple[float, float]] = []
    for sample in samples:
        reached = position(sample, series, sums)
        if not line:
            if reached > 0:
                line.append((begin, 0.0))
            elif any(topic in wanted for _, topic in sample.fetching):
                line.append((sample.at, 0.0))
                continue
            else:
                begin = sample.at
                continue
        if reached > line[-1][1]:
            line.append((sample.at, reached))
    return line


def intake(tenths: Sequence[Tenth], samples: Sequence[Sample], started: float) -> Intake:
    """The service's rate in each tenth from its polled counters (``started``: when it was
    started)."""
    sums = cumulative(tenths)
    series = stream_series(samples, list(sums))
    topics = tuple(sorted({topic for _, topic in series}))
    points = progress_line(samples, series, sums, started)
    begin = points[0][0] if points else started
    crossed = [begin]
    for k in range(1, TENTHS + 1):
        moment = _crossing(points, k)
        if moment is None:
            break
        crossed.append(moment)
    rates = []
    for k in range(1, len(crossed)):
        rates.append(_rate(tenths[k - 1], topics, k, crossed[k] - crossed[k - 1], 1.0, True))
    final = points[-1][1] if points else 0.0
    done = len(crossed) - 1
    last_poll = samples[-1].at if samples else started
    if done < TENTHS and final > done and points[-1][0] > crossed[-1]:
        share = final - done
        rates.append(
            _rate(tenths[done], topics, done + 1, points[-1][0] - crossed[-1], share, False)
        )
    end = crossed[-1] if done == TENTHS else last_poll
    orders: float = sum(t.orders for t in tenths[:done])
    messages: float = sum(_messages(t, topics) for t in tenths[:done])
    if done < TENTHS:
        orders += (final - done) * tenths[done].orders
        messages += (final - done) * _messages(tenths[done], topics)
    last = samples[-1].applied if samples else {}
    return Intake(
        topics=topics,
        series=series,
        tenths=tuple(rates),
        position=min(final, float(TENTHS)),
        seconds=max(end - begin, 0.0),
        orders=orders,
        messages=messages,
        applied_at_end={f"{c} {t}": v for (c, t), v in sorted(last.items()) if t in sums},
    )


def _messages(tenth: Tenth, topics: Sequence[str]) -> int:
    return sum(tenth.by_topic.get(topic, 0) for topic in topics)


def _rate(
    tenth: Tenth, topics: Sequence[str], number: int, seconds: float, share: float, complete: bool
) -> TenthRate:
    return TenthRate(
        tenth=number,
        seconds=seconds,
        messages=share * _messages(tenth, topics),
        orders=share * tenth.orders,
        complete=complete,
    )


def _crossing(points: Sequence[tuple[float, float]], level: float) -> float | None:
    """When the position first reached ``level``, between the two polls around it."""
    previous: tuple[float, float] | None = None
    for at, reached in points:
        if reached >= level:
            if previous is None or reached == previous[1]:
                return at
            before_at, before = previous
            return before_at + (level - before) / (reached - before) * (at - before_at)
        previous = (at, reached)
    return None
