"""What a bench run measures, and how much of it: the command line."""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass
from typing import Any, Literal, cast

from bench.retail import FULL as FULL_SHAPE
from bench.retail import QUICK as QUICK_SHAPE
from bench.retail import Shape

StoreKind = Literal["sqlite", "postgres"]

#: in this order: the latency part first, on a broker no other part has fed (its services
#: would otherwise spend the measurement consuming the relay and consumer parts' leads)
PARTS = ("latency", "relay", "consumer", "append", "rebuild", "scale")
STORES: tuple[StoreKind, ...] = ("sqlite", "postgres")


@dataclass(frozen=True)
class Params:
    quick: bool
    parts: tuple[str, ...]
    stores: tuple[StoreKind, ...]
    #: relay: events stored before the relay starts, and events per aggregate
    events: int
    events_per_aggregate: int
    relay_batch_size: int
    #: consumer: contract messages produced before the consumer starts
    messages: int
    partitions: int
    #: append: aggregates of one event, each saved in its own transaction
    appends: int
    #: latency: commands per second, measured seconds, warm-up seconds
    rate: float
    duration: float
    warmup: float
    #: rebuild: events on analytics' topics to rebuild from; 360 queries per second
    rebuild_events: int
    query_rate: float
    #: scale: the retail shape, and how long the services may take the stream in
    scale_customers: int
    scale_orders: int
    scale_products: int
    scale_days: int
    scale_intake_seconds: float
    keep: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    def scale_shape(self) -> Shape:
        return Shape(
            customers=self.scale_customers,
            orders=self.scale_orders,
            products=self.scale_products,
            days=self.scale_days,
        )


FULL = {
    "events": 100_000,
    "messages": 100_000,
    "appends": 2_000,
    "duration": 20.0,
    "warmup": 5.0,
    "rebuild_events": 1_000_000,
    "scale_customers": FULL_SHAPE.customers,
    "scale_orders": FULL_SHAPE.orders,
    "scale_products": FULL_SHAPE.products,
    "scale_days": FULL_SHAPE.days,
    "scale_intake_seconds": 7200.0,
}
QUICK = {
    "events": 2_000,
    "messages": 2_000,
    "appends": 200,
    "duration": 5.0,
    "warmup": 2.0,
    "rebuild_events": 20_000,
    "scale_customers": QUICK_SHAPE.customers,
    "scale_orders": QUICK_SHAPE.orders,
    "scale_products": QUICK_SHAPE.products,
    "scale_days": QUICK_SHAPE.days,
    "scale_intake_seconds": 900.0,
}


def _names(text: str, known: tuple[str, ...], what: str) -> tuple[str, ...]:
    names = tuple(dict.fromkeys(name.strip() for name in text.split(",") if name.strip()))
    unknown = sorted(set(names) - set(known))
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown {what} {', '.join(unknown) or '(none given)'}; choose from {','.join(known)}"
        )
    return tuple(name for name in known if name in names)


def parse(argv: list[str] | None = None) -> Params:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Relay, consumer, append, end-to-end latency, rebuild and retail-scale "
        "benchmarks.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small sizes and a few seconds of latency test: a smoke run, not a measurement",
    )
    parser.add_argument(
        "--only",
        type=lambda text: _names(text, PARTS, "part"),
        default=PARTS,
        metavar="PARTS",
        help=f"comma-separated parts to run (default: {','.join(PARTS)})",
    )
    parser.add_argument(
        "--stores",
        type=lambda text: _names(text, STORES, "store"),
        default=STORES,
        metavar="STORES",
        help=f"stores for relay, consumer, append, rebuild and scale (default: {','.join(STORES)})",
    )
    parser.add_argument("--events", type=int, help="relay: events to publish (100000; quick 2000)")
    parser.add_argument("--events-per-aggregate", type=int, default=10)
    parser.add_argument(
        "--relay-batch-size", type=int, default=1000, help="as the services run it (1000)"
    )
    parser.add_argument("--messages", type=int, help="consumer: messages (100000; quick 2000)")
    parser.add_argument("--partitions", type=int, default=3, help="partitions of the bench topic")
    parser.add_argument("--appends", type=int, help="append: saves per application (2000; 200)")
    parser.add_argument("--rate", type=float, default=50.0, help="latency: commands/s (50)")
    parser.add_argument("--duration", type=float, help="latency: measured seconds (20; quick 5)")
    parser.add_argument("--warmup", type=float, help="latency: warm-up seconds (5; quick 2)")
    parser.add_argument(
        "--rebuild-events",
        type=int,
        help="rebuild: events generated with erpsim (1000000; quick 20000)",
    )
    parser.add_argument(
        "--query-rate", type=float, default=100.0, help="rebuild: 360 queries/s (100)"
    )
    parser.add_argument("--scale-customers", type=int, help="scale: customers (100000; quick 2000)")
    parser.add_argument("--scale-orders", type=int, help="scale: orders (1000000; quick 20000)")
    parser.add_argument("--scale-products", type=int, help="scale: products (5000; quick 1000)")
    parser.add_argument("--scale-days", type=int, help="scale: days the orders span (365)")
    parser.add_argument(
        "--scale-intake-seconds",
        type=float,
        help="scale: how long the services may take the stream in, per store (7200; quick 900)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the scratch dir (logs, stores) at the end"
    )
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL

    def pick(name: str) -> Any:
        value = getattr(args, name)
        return sizes[name] if value is None else value

    params = Params(
        quick=args.quick,
        parts=args.only,
        stores=cast(tuple[StoreKind, ...], args.stores),
        events=pick("events"),
        events_per_aggregate=args.events_per_aggregate,
        relay_batch_size=args.relay_batch_size,
        messages=pick("messages"),
        partitions=args.partitions,
        appends=pick("appends"),
        rate=args.rate,
        duration=pick("duration"),
        warmup=pick("warmup"),
        rebuild_events=pick("rebuild_events"),
        query_rate=args.query_rate,
        scale_customers=pick("scale_customers"),
        scale_orders=pick("scale_orders"),
        scale_products=pick("scale_products"),
        scale_days=pick("scale_days"),
        scale_intake_seconds=pick("scale_intake_seconds"),
        keep=args.keep,
    )
    positive = {
        "events": params.events,
        "events-per-aggregate": params.events_per_aggregate,
        "relay-batch-size": params.relay_batch_size,
        "messages": params.messages,
        "partitions": params.partitions,
        "appends": params.appends,
        "rate": params.rate,
        "duration": params.duration,
        "rebuild-events": params.rebuild_events,
        "query-rate": params.query_rate,
        "scale-customers": params.scale_customers,
        "scale-orders": params.scale_orders,
        "scale-days": params.scale_days,
        "scale-intake-seconds": params.scale_intake_seconds,
    }
    for name, value in positive.items():
        if value <= 0:
            parser.error(f"--{name} must be positive")
    if params.scale_products < 103:
        parser.error("--scale-products must be at least 103 (erpsim's core catalogue)")
    if params.scale_orders < 10:
        parser.error("--scale-orders must be at least 10: the stream is cut in tenths")
    if params.warmup < 0:
        parser.error("--warmup must not be negative")
    return params
