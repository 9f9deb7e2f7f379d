"""The exact messages of a simulation: same seed, customers and parameters, same bytes."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from itertools import accumulate

from contracts import Envelope, IntegrationEvent
from contracts.erp.orders import OrderLine, PaymentMethod, ReturnedLine
from contracts.erp.products import ProductUpserted
from erpsim.baskets import Traits, basket, traits_of
from erpsim.catalogue import catalogue
from erpsim.customers import CrmCustomer, ErpCustomer, erp_customers, unknown_customers
from erpsim.ids import Ids
from erpsim.lifecycle import Step, story
from erpsim.params import Channel, Params, Reference

SOURCE = "/erp"
PRODUCTS = "erp.products.v1"


@dataclass(frozen=True)
class Message:
    """One Kafka record: topic, key (the entity id), the envelope and its serialized value."""

    topic: str
    key: str
    envelope: Envelope
    event: IntegrationEvent
    value: bytes

    @property
    def key_bytes(self) -> bytes:
        return self.key.encode()


@dataclass(frozen=True)
class PlannedOrder:
    """An order and everything that happens to it (None/empty: it did not happen)."""

    order_id: str
    invoice_id: str
    customer: ErpCustomer
    reference: Reference
    channel: Channel
    payment_method: PaymentMethod
    lines: tuple[OrderLine, ...]
    total: Decimal
    currency: str
    placed_at: datetime
    on_invoice: bool
    paid_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str | None
    shipment_id: str | None
    dispatched_at: datetime | None
    delayed: bool
    delivered_at: datetime | None
    returned: tuple[ReturnedLine, ...]
    returned_at: datetime | None
    days_overdue: tuple[int, ...]
    messages: tuple[Message, ...]

    @property
    def customer_id(self) -> str | None:
        """The CRM id the order names (None when it names the ERP number only)."""
        return self.customer.customer_id if self.reference != "erp_number" else None

    @property
    def erp_customer_number(self) -> str | None:
        return self.customer.erp_customer_number if self.reference != "customer_id" else None


@dataclass(frozen=True)
class Plan:
    seed: int
    params: Params
    #: the customers the ERP knows from the CRM (or the CSV), sorted by ERP number
    customers: tuple[ErpCustomer, ...]
    #: the customers the CRM does not know that placed orders here (ERP number only)
    unknown_customers: tuple[ErpCustomer, ...]
    orders: tuple[PlannedOrder, ...]
    #: every message in publishing order: the catalogue, then the orders' events by time
    messages: tuple[Message, ...]

    @property
    def unknown_customer_numbers(self) -> tuple[str, ...]:
        return tuple(c.erp_customer_number for c in self.unknown_customers)

    @property
    def topics(self) -> tuple[str, ...]:
        return tuple(sorted({m.topic for m in self.messages}))

    def count_by_topic(self) -> dict[str, int]:
        return dict(sorted(Counter(m.topic for m in self.messages).items()))

    def orders_of(self, erp_customer_number: str) -> list[PlannedOrder]:
        return [o for o in self.orders if o.customer.erp_customer_number == erp_customer_number]

    def jsonl(self) -> Iterator[bytes]:
        """The plan as JSON lines ``{"topic", "key", "value"}``: byte-identical for equal inputs."""
        for m in self.messages:
            yield (
                b'{"topic":"%s","key":"%s","value":%s}\n'
                % (m.topic.encode(), m.key.encode(), m.value)
            )


def product_messages(seed: int = 0, params: Params | None = None) -> list[Message]:
    """The whole catalogue as ``ProductUpserted``, at the simulation's start time."""
    params = params or Params()
    ids = Ids(seed)
    messages = []
    for product in catalogue(params.products):
        event = ProductUpserted(
            sku=product.sku,
            name=product.name,
            category=product.category,
            list_price=product.list_price,
            unit_cost=product.unit_cost,
            currency=params.currency,
            premium_of=product.premium_of,
        )
        envelope = Envelope.wrap(
            event,
            id=ids.event_id(f"product/{product.sku}"),
            source=SOURCE,
            subject=product.sku,
            time=params.start,
        )
        messages.append(Message(PRODUCTS, product.sku, envelope, event, envelope.to_bytes()))
    return messages


def plan(
    seed: int,
    customers: Iterable[ErpCustomer | CrmCustomer],
    orders: int,
    params: Params | None = None,
) -> Plan:
    """Every message of ``orders`` orders by ``customers``: a pure function of its arguments.

    CRM customers without an ERP number are numbered as :func:`erp_customers`
    does; the order of ``customers`` does not matter.
    """
    params = params or Params()
    if orders < 0:
        raise ValueError("orders must not be negative")
    known = as_erp_customers(customers)
    ids = Ids(seed)
    rng = random.Random(seed)
    unknown_count = round(orders * params.unknown_customer_share)
    if not known and unknown_count < orders:
        raise ValueError("a plan needs customers, unless every order is from an unknown customer")
    unknown_orders = sorted(rng.sample(range(orders), unknown_count))
    pool = min(unknown_count, params.unknown_customers or math.ceil(unknown_count / 2))
    walk_ins = unknown_customers(
        seed, pool, taken=(c.erp_customer_number for c in known), tag="walk-in"
    )
    # every walk-in of the pool places at least one order, the rest at random
    buyer_of_unknown = dict(zip(unknown_orders, walk_ins, strict=False))
    traits = {c.erp_customer_number: traits_of(seed, c, params) for c in (*known, *walk_ins)}
    cumulative = list(accumulate(traits[c.erp_customer_number].activity for c in known))

    planned: list[tuple[PlannedOrder, tuple[Step, ...]]] = []
    unknown_set = set(unknown_orders)
    for index in range(orders):
        order_rng = random.Random(rng.getrandbits(64))
        if index in unknown_set:
            customer = buyer_of_unknown.get(index) or order_rng.choice(walk_ins)
        else:
            customer = order_rng.choices(known, cum_weights=cumulative)[0]
        planned.append(
            planned_order(
                order_rng, ids, index, customer, traits[customer.erp_customer_number], params
            )
        )

    timeline, by_step = told_in_time(ids, planned)
    messages = product_messages(seed, params) if params.include_catalogue else []
    messages.extend(by_step[(index, seq)] for _, index, seq, _ in timeline)
    orders_with_messages = tuple(
        replace(order, messages=tuple(by_step[(index, seq)] for seq in range(len(steps))))
        for index, (order, steps) in enumerate(planned)
    )
    return Plan(
        seed=seed,
        params=params,
        customers=tuple(known),
        unknown_customers=tuple(walk_ins),
        orders=orders_with_messages,
        messages=tuple(messages),
    )


def planned_order(
    rng: random.Random,
    ids: Ids,
    index: int,
    customer: ErpCustomer,
    traits: Traits,
    params: Params,
) -> tuple[PlannedOrder, tuple[Step, ...]]:
    """Order number ``index`` of ``customer``, named the way the ERP names them, and its steps."""
    references, reference_weights = params.references.weights()
    reference: Reference = (
        rng.choices(references, reference_weights)[0] if customer.known_to_crm else "erp_number"
    )
    return _order(rng, ids, index, customer, reference, traits, params)


Timeline = list[tuple[datetime, int, int, Step]]


def told_in_time(
    ids: Ids, planned: Sequence[tuple[PlannedOrder, tuple[Step, ...]]]
) -> tuple[Timeline, dict[tuple[int, int], Message]]:
    """Every step of the orders by simulated time (then order, then step), and the message
    of each step by (order's position in ``planned``, step's position in its order)."""
    timeline = sorted(
        (
            (step.time, index, seq, step)
            for index, (_, steps) in enumerate(planned)
            for seq, step in enumerate(steps)
        ),
        key=lambda item: item[:3],
    )
    return timeline, _envelopes(ids, timeline, [order for order, _ in planned])


def as_erp_customers(customers: Iterable[ErpCustomer | CrmCustomer]) -> list[ErpCustomer]:
    erp: list[ErpCustomer] = []
    crm: list[CrmCustomer] = []
    for customer in customers:
        if isinstance(customer, ErpCustomer):
            erp.append(customer)
        else:
            crm.append(customer)
    numbers = [c.erp_customer_number for c in erp]
    if len(set(numbers)) != len(numbers):
        raise ValueError("two customers share an ERP customer number")
    return erp_customers(crm, existing=erp)


def _order(
    rng: random.Random,
    ids: Ids,
    index: int,
    customer: ErpCustomer,
    reference: Reference,
    traits: Traits,
    params: Params,
) -> tuple[PlannedOrder, tuple[Step, ...]]:
    code = ids.order_code(index)
    order_id, invoice_id = f"SO-{code}", f"INV-{code}"
    chosen = basket(rng, traits, params)
    told = story(
        rng,
        order_id=order_id,
        invoice_id=invoice_id,
        shipment_id=f"SHP-{code}",
        customer=customer,
        reference=reference,
        traits=traits,
        basket=chosen,
        params=params,
    )
    order = PlannedOrder(
        order_id=order_id,
        invoice_id=invoice_id,
        customer=customer,
        reference=reference,
        channel=chosen.channel,
        payment_method=chosen.payment_method,
        lines=chosen.lines,
        total=chosen.total,
        currency=params.currency,
        placed_at=told.placed_at,
        on_invoice=told.on_invoice,
        paid_at=told.paid_at,
        cancelled_at=told.cancelled_at,
        cancel_reason=told.cancel_reason,
        shipment_id=told.shipment_id,
        dispatched_at=told.dispatched_at,
        delayed=told.delayed,
        delivered_at=told.delivered_at,
        returned=told.returned,
        returned_at=told.returned_at,
        days_overdue=told.days_overdue,
        messages=(),
    )
    return order, told.steps


def _envelopes(
    ids: Ids,
    timeline: Sequence[tuple[datetime, int, int, Step]],
    orders: Sequence[PlannedOrder],
) -> dict[tuple[int, int], Message]:
    """Each step's envelope: versioned per topic and key, caused by the order's previous event."""
    versions: Counter[tuple[str, str]] = Counter()
    previous: dict[int, str] = {}
    messages = {}
    for when, index, seq, step in sorted(timeline, key=lambda item: (item[1], item[2])):
        order_id = orders[index].order_id
        versions[(step.topic, step.key)] += 1
        envelope = Envelope.wrap(
            step.event,
            id=ids.event_id(f"{order_id}/{seq}"),
            source=SOURCE,
            subject=step.key,
            time=when,
            aggregateversion=versions[(step.topic, step.key)],
            correlationid=order_id,
            causationid=previous.get(index),
        )
        previous[index] = envelope.id
        messages[(index, seq)] = Message(
            step.topic, step.key, envelope, step.event, envelope.to_bytes()
        )
    return messages
