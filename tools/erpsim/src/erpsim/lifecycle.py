"""One order's life in the ERP, from its placement to its return, in causal order.

- Store sales are paid at the till and carried home (a few are delivered).
- Card orders are paid minutes after they are placed, or cancelled when the
  card is declined.
- Consumers paying by transfer prepay: the goods ship once the money is in;
  a prepayment that never arrives cancels the order after ten to fourteen days.
- Business customers paying by transfer buy on invoice terms (14 or 30 days):
  the goods ship at once, payment follows; a late payer's invoice is reported
  overdue 7, 14, 30 and 60 days after its due date until it is paid, if ever.
- Remote orders may be cancelled between payment and dispatch; shipped ones are
  dispatched, sometimes delayed, and delivered; delivered or carried-home
  orders are sometimes returned in part, after delivery.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from contracts import IntegrationEvent
from contracts.erp.orders import (
    OrderCancelled,
    OrderLine,
    OrderPaid,
    OrderPlaced,
    OrderReturned,
    ReturnedLine,
)
from contracts.erp.payments import PaymentOverdue, PaymentReceived
from contracts.erp.shipments import ShipmentDelayed, ShipmentDelivered, ShipmentDispatched
from erpsim.baskets import Basket, Traits
from erpsim.customers import ErpCustomer
from erpsim.params import Channel, Params, Reference

ORDERS = "erp.orders.v1"
PAYMENTS = "erp.payments.v1"
SHIPMENTS = "erp.shipments.v1"

MINUTE, HOUR, DAY = 60, 3600, 86_400
OVERDUE_REPORTS = (7, 14, 30, 60)

_CARRIERS: dict[Channel, tuple[tuple[str, ...], tuple[float, ...]]] = {
    "store": (("DHL", "DPD"), (0.6, 0.4)),
    "ecommerce": (("DHL", "DPD", "UPS", "GLS"), (0.45, 0.25, 0.15, 0.15)),
    "phone": (("DHL", "DPD", "UPS"), (0.5, 0.3, 0.2)),
    "marketplace": (("DHL", "UPS", "GLS", "PostNL"), (0.35, 0.25, 0.2, 0.2)),
}
_DELAY_REASONS = (
    "carrier capacity",
    "severe weather",
    "address verification",
    "sorting centre backlog",
    "vehicle breakdown",
)
_CANCEL_REASONS = ("customer request", "out of stock")


@dataclass(frozen=True)
class Step:
    time: datetime
    topic: str
    key: str
    event: IntegrationEvent


@dataclass(frozen=True)
class Story:
    """What happens to one order: the facts a test asserts on, and the events that tell them."""

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
    steps: tuple[Step, ...]


def later(rng: random.Random, moment: datetime, low: int, high: int) -> datetime:
    """A moment between ``low`` and ``high`` seconds after ``moment``."""
    return moment + timedelta(seconds=rng.randint(low, high))


def placement(rng: random.Random, channel: Channel, params: Params) -> datetime:
    day = params.start + timedelta(days=rng.randrange(params.days))
    if channel == "store":
        hours = rng.triangular(8.0, 20.0, 17.0)
    elif channel == "phone":
        hours = rng.uniform(8.0, 18.0)
    else:
        hours = rng.triangular(0.0, 24.0, 20.0)
    return day + timedelta(seconds=min(int(hours * HOUR), DAY - 1))


def story(
    rng: random.Random,
    *,
    order_id: str,
    invoice_id: str,
    shipment_id: str,
    customer: ErpCustomer,
    reference: Reference,
    traits: Traits,
    basket: Basket,
    params: Params,
) -> Story:
    channel, method = basket.channel, basket.payment_method
    names = _names(customer, reference)
    placed = placement(rng, channel, params)
    steps = [
        Step(
            placed,
            ORDERS,
            order_id,
            OrderPlaced(
                order_id=order_id,
                placed_at=placed,
                currency=params.currency,
                channel=channel,
                payment_method=method,
                lines=list(basket.lines),
                total=basket.total,
                **names,
            ),
        )
    ]
    store = channel == "store"
    card = method in ("store_card", "credit_card", "debit_card", "cash")
    on_invoice = method == "transfer" and traits.business
    prepay = method == "transfer" and not traits.business
    ship = not store or rng.random() < params.store_delivery_share
    cancel_reason: str | None = None
    cancelled_at: datetime | None = None
    paid_at: datetime | None = None
    days_overdue: tuple[int, ...] = ()

    if not store and rng.random() < params.cancel_share:
        cancel_reason = rng.choice(_CANCEL_REASONS)
        if card and rng.random() < 0.25:
            cancel_reason = "payment declined"
            cancelled_at = later(rng, placed, MINUTE, 10 * MINUTE)
    if store:
        paid_at = later(rng, placed, 5, 2 * MINUTE)
    elif prepay and rng.random() < params.prepayment_lapse_share:
        cancel_reason = "prepayment not received"
        cancelled_at = later(rng, placed, 10 * DAY, 14 * DAY)
    elif prepay:
        paid_at = later(rng, placed, 4 * HOUR, 5 * DAY)
    elif card and cancel_reason != "payment declined":
        paid_at = later(rng, placed, 20, 15 * MINUTE)
    # on invoice terms: payment is settled after the goods left, below

    ready = placed if on_invoice else paid_at  # when the warehouse may pick the order
    dispatched_at = delivered_at = None
    delayed = False
    if ready is not None and ship and cancelled_at is None:
        lag = rng.randint(3 * HOUR, 36 * HOUR)
        if cancel_reason is not None:  # cancelled while waiting in the warehouse
            cancelled_at = ready + timedelta(seconds=rng.randint(10 * MINUTE, lag - MINUTE))
        else:
            dispatched_at = ready + timedelta(seconds=lag)
            delivered_at, delayed = _shipment(
                rng, steps, order_id, shipment_id, channel, dispatched_at, params
            )
    if cancelled_at is not None:
        steps.append(
            Step(
                cancelled_at,
                ORDERS,
                order_id,
                OrderCancelled(
                    order_id=order_id, reason=str(cancel_reason), cancelled_at=cancelled_at
                ),
            )
        )
    elif on_invoice:
        paid_at, days_overdue = _invoice(
            rng, steps, placed, traits, params, invoice_id, order_id, basket.total, names
        )
    if paid_at is not None:
        payment = PaymentReceived(
            invoice_id=invoice_id,
            order_id=order_id,
            amount=basket.total,
            currency=params.currency,
            received_at=paid_at,
            **names,
        )
        steps.append(Step(paid_at, PAYMENTS, invoice_id, payment))
        steps.append(Step(paid_at, ORDERS, order_id, OrderPaid(order_id=order_id, paid_at=paid_at)))

    returned: tuple[ReturnedLine, ...] = ()
    returned_at = None
    kept = delivered_at if ship else paid_at  # when the customer has the goods
    if cancelled_at is None and kept is not None:
        clothes = any(line.category == "apparel" for line in basket.lines)
        if rng.random() < min(1.0, params.return_share * (2 if clothes else 1)):
            returned = _returned_lines(rng, basket.lines)
            returned_at = later(rng, kept, DAY, 14 * DAY)
            steps.append(
                Step(
                    returned_at,
                    ORDERS,
                    order_id,
                    OrderReturned(order_id=order_id, lines=list(returned), returned_at=returned_at),
                )
            )

    ordered = sorted(enumerate(steps), key=lambda pair: (pair[1].time, pair[0]))
    return Story(
        placed_at=placed,
        on_invoice=on_invoice,
        paid_at=paid_at,
        cancelled_at=cancelled_at,
        cancel_reason=cancel_reason if cancelled_at is not None else None,
        shipment_id=shipment_id if dispatched_at is not None else None,
        dispatched_at=dispatched_at,
        delayed=delayed,
        delivered_at=delivered_at,
        returned=returned,
        returned_at=returned_at,
        days_overdue=days_overdue,
        steps=tuple(step for _, step in ordered),
    )


def _names(customer: ErpCustomer, reference: Reference) -> dict[str, str | None]:
    return {
        "customer_id": customer.customer_id if reference != "erp_number" else None,
        "erp_customer_number": customer.erp_customer_number if reference != "customer_id" else None,
    }


def _shipment(
    rng: random.Random,
    steps: list[Step],
    order_id: str,
    shipment_id: str,
    channel: Channel,
    dispatched_at: datetime,
    params: Params,
) -> tuple[datetime, bool]:
    carriers, weights = _CARRIERS[channel]
    carrier = rng.choices(carriers, weights)[0]
    transit = rng.randint(2, 5) if channel == "marketplace" else rng.randint(1, 3)
    eta = dispatched_at.date() + timedelta(days=transit)
    steps.append(
        Step(
            dispatched_at,
            SHIPMENTS,
            order_id,
            ShipmentDispatched(
                order_id=order_id,
                shipment_id=shipment_id,
                carrier=carrier,
                tracking_number=_tracking_number(rng, carrier),
                dispatched_at=dispatched_at,
                eta=eta,
            ),
        )
    )
    last = dispatched_at
    delayed = rng.random() < params.delay_share
    if delayed:
        last = later(rng, dispatched_at, 6 * HOUR, 30 * HOUR)
        eta = eta + timedelta(days=rng.randint(1, 4))
        steps.append(
            Step(
                last,
                SHIPMENTS,
                order_id,
                ShipmentDelayed(
                    order_id=order_id,
                    shipment_id=shipment_id,
                    new_eta=eta,
                    reason=rng.choice(_DELAY_REASONS),
                ),
            )
        )
    delivered_at = max(_during_the_day(rng, eta), last + timedelta(hours=2))
    steps.append(
        Step(
            delivered_at,
            SHIPMENTS,
            order_id,
            ShipmentDelivered(
                order_id=order_id, shipment_id=shipment_id, delivered_at=delivered_at
            ),
        )
    )
    return delivered_at, delayed


def _during_the_day(rng: random.Random, day: date) -> datetime:
    return datetime.combine(day, time(0), UTC) + timedelta(seconds=rng.randint(9 * HOUR, 19 * HOUR))


def _tracking_number(rng: random.Random, carrier: str) -> str:
    digits = "0123456789"
    if carrier == "UPS":
        return "1Z" + "".join(rng.choices("0123456789ABCDEFGHJKLMNPRSTUVWXYZ", k=16))
    if carrier == "DHL":
        return "JJD" + "".join(rng.choices(digits, k=18))
    if carrier == "PostNL":
        return (
            "3S"
            + "".join(rng.choices("ABCDEFGHJKLMNPRSTUVWXYZ", k=4))
            + "".join(rng.choices(digits, k=9))
        )
    return "".join(rng.choices(digits, k=14 if carrier == "DPD" else 11))


def _invoice(
    rng: random.Random,
    steps: list[Step],
    placed: datetime,
    traits: Traits,
    params: Params,
    invoice_id: str,
    order_id: str,
    amount: Decimal,
    names: dict[str, str | None],
) -> tuple[datetime | None, tuple[int, ...]]:
    """When an invoice is paid (None: never) and the overdue reports it got meanwhile."""
    due = placed + timedelta(days=rng.choice((14, 30)))
    if rng.random() >= traits.overdue_probability:
        return later(rng, placed, 2 * DAY, int((due - placed).total_seconds())), ()
    paid_at = None if rng.random() < params.never_paid_share else later(rng, due, 8 * DAY, 75 * DAY)
    reported = []
    for days in OVERDUE_REPORTS:
        reported_at = due + timedelta(days=days, seconds=rng.randint(0, 2 * HOUR))
        if paid_at is not None and reported_at >= paid_at:
            break
        reported.append(days)
        steps.append(
            Step(
                reported_at,
                PAYMENTS,
                invoice_id,
                PaymentOverdue(
                    invoice_id=invoice_id,
                    order_id=order_id,
                    amount=amount,
                    currency=params.currency,
                    days_overdue=days,
                    reported_at=reported_at,
                    **names,
                ),
            )
        )
    return paid_at, tuple(reported)


def _returned_lines(rng: random.Random, lines: tuple[OrderLine, ...]) -> tuple[ReturnedLine, ...]:
    count = rng.choices(range(1, len(lines) + 1), [1 / k for k in range(1, len(lines) + 1)])[0]
    weights = [3.0 if line.category == "apparel" else 1.0 for line in lines]
    chosen: set[int] = set()
    while len(chosen) < count:
        chosen.add(rng.choices(range(len(lines)), weights)[0])
    return tuple(
        ReturnedLine(sku=lines[i].sku, quantity=rng.randint(1, lines[i].quantity))
        for i in sorted(chosen)
    )
