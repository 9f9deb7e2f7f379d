"""A long simulation in bounded memory: planned one simulated day at a time.

:func:`~erpsim.plan.plan` holds every order and message of a simulation at once,
some 15 KB an order: fine for thousands of orders, not for a retailer's million.
A :class:`Planner` plans the orders placed on one day of the simulation
(:meth:`Planner.plan_day`), each day on its own and deterministically, so days
can be planned in any order or in other processes; :func:`stream` merges the
days' messages by simulated time, keeping only the follow-ups still to come
(payments, deliveries, returns and overdue reports of earlier days' orders).

The stream is not :func:`plan` cut in pieces: the same seed, customers and
parameters give the same stream, but not the messages ``plan`` would give.
Customers keep their traits over the whole stream; the orders are spread evenly
over ``params.days``; orders of customers the CRM does not know take about
``unknown_customer_share`` of each day, from one pool of walk-ins.

Messages travel as :class:`Record`: what goes on the wire and when it happened,
a few hundred bytes that pickle in a microsecond, where a :class:`Message` with
its pydantic envelope and event takes tens.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import accumulate
from typing import NamedTuple

from erpsim.baskets import Traits, traits_of
from erpsim.customers import CrmCustomer, ErpCustomer, unknown_customers
from erpsim.ids import Ids
from erpsim.params import Params
from erpsim.plan import as_erp_customers, planned_order, product_messages, told_in_time


class Record(NamedTuple):
    """One Kafka record of the stream and the simulated time it tells of."""

    time: datetime
    topic: str
    key: str
    value: bytes
    #: the event's type (``OrderPlaced``, ``PaymentReceived``, ...)
    type: str

    @property
    def key_bytes(self) -> bytes:
        return self.key.encode()


@dataclass(frozen=True)
class Day:
    """The orders placed on one day of the simulation: ``orders`` of them, numbered from
    ``first_order`` among all the stream's orders."""

    number: int
    first_order: int
    orders: int


class Planner:
    """Everything that holds for the whole stream: the customers, their traits, the walk-ins."""

    def __init__(
        self,
        seed: int,
        customers: Iterable[ErpCustomer | CrmCustomer],
        orders: int,
        params: Params | None = None,
    ) -> None:
        self.params = params or Params()
        if orders < 0:
            raise ValueError("orders must not be negative")
        self.seed = seed
        self.orders = orders
        self.customers = tuple(as_erp_customers(customers))
        self.ids = Ids(seed)
        unknown = round(orders * self.params.unknown_customer_share)
        if not self.customers and unknown < orders:
            raise ValueError("a stream needs customers, unless every order is from an unknown one")
        pool = min(unknown, self.params.unknown_customers or math.ceil(unknown / 2))
        self.walk_ins = tuple(
            unknown_customers(
                seed, pool, taken=(c.erp_customer_number for c in self.customers), tag="walk-in"
            )
        )
        self.traits: dict[str, Traits] = {
            c.erp_customer_number: traits_of(seed, c, self.params)
            for c in (*self.customers, *self.walk_ins)
        }
        self.cumulative = list(
            accumulate(self.traits[c.erp_customer_number].activity for c in self.customers)
        )

    def days(self) -> list[Day]:
        """The stream's days, each with its share of the orders (as even as whole orders go)."""
        count = self.params.days
        first = [self.orders * number // count for number in range(count + 1)]
        return [
            Day(number, first[number], first[number + 1] - first[number]) for number in range(count)
        ]

    def plan_day(self, day: Day) -> list[Record]:
        """Every message of the orders placed on ``day``, follow-ups included, by time."""
        rng = random.Random(f"{self.seed}/day/{day.number}")
        on_the_day = replace(
            self.params, start=self.params.start + timedelta(days=day.number), days=1
        )
        unknown = round(day.orders * self.params.unknown_customer_share) if self.walk_ins else 0
        unknown_orders = set(rng.sample(range(day.orders), unknown))
        planned = []
        for offset in range(day.orders):
            order_rng = random.Random(rng.getrandbits(64))
            if offset in unknown_orders:
                customer = order_rng.choice(self.walk_ins)
            else:
                customer = order_rng.choices(self.customers, cum_weights=self.cumulative)[0]
            planned.append(
                planned_order(
                    order_rng,
                    self.ids,
                    day.first_order + offset,
                    customer,
                    self.traits[customer.erp_customer_number],
                    on_the_day,
                )
            )
        timeline, by_step = told_in_time(self.ids, planned)
        records = []
        for _, index, seq, _ in timeline:
            message = by_step[(index, seq)]
            records.append(
                Record(
                    message.envelope.time,
                    message.topic,
                    message.key,
                    message.value,
                    message.envelope.type,
                )
            )
        return records

    def catalogue(self) -> list[Record]:
        """The catalogue, to publish before the orders (whatever ``include_catalogue``)."""
        return [
            Record(m.envelope.time, m.topic, m.key, m.value, m.envelope.type)
            for m in product_messages(self.seed, self.params)
        ]


DayPlanner = Callable[[Sequence[Day]], Iterable[list[Record]]]


def stream(planner: Planner, plan_days: DayPlanner | None = None) -> Iterator[Record]:
    """The stream's order messages by simulated time (then order, then step).

    ``plan_days`` maps the days to their records, in the days' order: by default
    ``planner.plan_day`` one after the other; a process pool's bounded map plans
    them in parallel. Only the messages of days yet to come stay in memory.
    """
    days = planner.days()
    planned = plan_days(days) if plan_days is not None else map(planner.plan_day, days)
    waiting: list[tuple[datetime, int, int, Record]] = []
    for day, records in zip(days, planned, strict=True):
        for position, record in enumerate(records):
            heapq.heappush(waiting, (record.time, day.number, position, record))
        next_day = planner.params.start + timedelta(days=day.number + 1)
        while waiting and waiting[0][0] < next_day:
            yield heapq.heappop(waiting)[3]
    while waiting:
        yield heapq.heappop(waiting)[3]
