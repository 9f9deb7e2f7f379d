"""What a bench run measures, and how much of it: the command line."""

from __future__ import annotations

import argparse
from dataclasses import asdict, dataclass
from typing import Any, Literal, cast

StoreKind = Literal["sqlite", "postgres"]

#: in this order: the latency part first, on a broker no other part has fed (its services
#: would otherwise spend the measurement consuming the relay and consumer parts' leads)
PARTS = ("latency", "relay", "consumer", "append", "rebuild")
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
    keep: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


FULL = {
    "events": 100_000,
    "messages": 100_000,
    "appends": 2_000,
    "duration": 20.0,
    "warmup": 5.0,
    "rebuild_events": 1_000_000,
}
QUICK = {
    "events": 2_000,
    "messages": 2_000,
    "appends": 200,
    "duration": 5.0,
    "warmup": 2.0,
    "rebuild_events": 20_000,
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
        description="Relay, consumer, append, end-to-end latency and rebuild benchmarks.",
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
        help=f"stores for relay, consumer, append and rebuild (default: {','.join(STORES)})",
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
    }
    for name, value in positive.items():
        if value <= 0:
            parser.error(f"--{name} must be positive")
    if params.warmup < 0:
        parser.error("--warmup must not be negative")
    return params
