"""The ERP's order stream onto the broker, planned by erpsim in worker processes.

erpsim plans one simulated day at a time (:class:`erpsim.Planner`, ~0.5 ms of CPU
an order): two worker processes plan the days a few ahead of the producer, this
process merges them by simulated time (:func:`erpsim.stream`) and produces them.
Memory stays bounded whatever the number of orders.

While it produces, it cuts the stream in tenths by its orders (see
:mod:`bench.intake`) and counts each tenth's messages by topic.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass

from bench.intake import TENTHS, Tenth
from bench.report import Progress
from erpsim import Day, Planner, Record, publish, stream

PLANNERS = 2
DAYS_AHEAD = 6

_planner: Planner | None = None


def _adopt(planner: Planner) -> None:
    global _planner
    _planner = planner


def _plan_day(day: Day) -> list[Record]:
    assert _planner is not None, "the worker was not given the planner"
    return _planner.plan_day(day)


@dataclass(frozen=True)
class Fed:
    tenths: list[Tenth]
    messages: int
    by_topic: dict[str, int]
    seconds: float


class _Tenths:
    """Counts the stream's messages by tenth as they go by."""

    def __init__(self, orders: int) -> None:
        self.bounds = [orders * k // TENTHS for k in range(1, TENTHS + 1)]
        self.placed = 0
        self.counts: list[Counter[str]] = [Counter() for _ in range(TENTHS)]
        self.orders = [0] * TENTHS
        self.current = 0

    def through(self, records: Iterable[Record]) -> Iterator[Record]:
        for record in records:
            if record.type == "OrderPlaced":
                while self.current < TENTHS - 1 and self.placed >= self.bounds[self.current]:
                    self.current += 1
                self.placed += 1
                self.orders[self.current] += 1
            self.counts[self.current][record.topic] += 1
            yield record

    def tenths(self) -> list[Tenth]:
        return [
            Tenth(orders, dict(sorted(counts.items())))
            for orders, counts in zip(self.orders, self.counts, strict=True)
        ]


def _planned_ahead(pool: ProcessPoolExecutor, days: Sequence[Day]) -> Iterator[list[Record]]:
    """The days' records in their order, at most ``DAYS_AHEAD`` days planned in advance."""
    pending: list[Future[list[Record]]] = []
    upcoming = iter(days)
    for day in upcoming:
        pending.append(pool.submit(_plan_day, day))
        if len(pending) >= DAYS_AHEAD:
            break
    for day in upcoming:
        yield pending.pop(0).result()
        pending.append(pool.submit(_plan_day, day))
    for future in pending:
        yield future.result()


def feed(planner: Planner, bootstrap: str, progress: Progress) -> Fed:
    """Plan and produce the whole order stream; return its tenths."""
    counting = _Tenths(planner.orders)
    started = time.perf_counter()
    with ProcessPoolExecutor(PLANNERS, initializer=_adopt, initargs=(planner,)) as pool:
        records = stream(planner, lambda days: _planned_ahead(pool, days))
        report = asyncio.run(
            publish(
                _reporting(counting.through(records), planner.orders, progress),
                bootstrap,
                client_id="bench-scale-erp",
            )
        )
    seconds = time.perf_counter() - started
    progress(
        f"scale: {report.messages:,} messages of {planner.orders:,} orders produced in "
        f"{seconds:.0f}s: {report.by_topic}"
    )
    return Fed(counting.tenths(), report.messages, report.by_topic, seconds)


def _reporting(records: Iterator[Record], orders: int, progress: Progress) -> Iterator[Record]:
    started = time.perf_counter()
    next_report = started + 30
    placed = 0
    for record in records:
        if record.type == "OrderPlaced":
            placed += 1
        if time.perf_counter() > next_report:
            next_report += 30
            rate = placed / (time.perf_counter() - started)
            progress(f"scale: {placed:,} of {orders:,} orders produced ({rate:,.0f} orders/s)")
        yield record
