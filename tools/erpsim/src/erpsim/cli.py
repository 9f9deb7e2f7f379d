"""``erpsim``: publish a seeded ERP's orders, its catalogue, or write its customer snapshot.

Every command prints a JSON summary on stdout; progress and logs go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
from collections.abc import Iterable
from datetime import datetime
from itertools import chain, islice
from pathlib import Path

from erpsim.crm_feed import read_crm_customers
from erpsim.customers import (
    ErpCustomer,
    erp_customers,
    read_customers_csv,
    synthetic_crm_customers,
    write_customers_csv,
)
from erpsim.params import DEFAULT_START, Params, ReferenceShares
from erpsim.plan import Plan, plan, product_messages
from erpsim.publish import PARTITIONS, publish
from erpsim.snapshot import snapshot
from erpsim.stream import Planner, Record, stream

log = logging.getLogger("erpsim")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(message)s"
    )
    try:
        summary: dict[str, object] = asyncio.run(args.command(args))
    except (ValueError, OSError, TimeoutError) as error:
        print(f"erpsim: {error}", file=sys.stderr)
        return 2
    print(json.dumps(summary, indent=2, default=str))
    return 0


async def _run(args: argparse.Namespace) -> dict[str, object]:
    if args.stream:
        return await _run_stream(args)
    the_plan = await _plan(args)
    messages = the_plan.messages[: args.limit] if args.limit is not None else the_plan.messages
    if args.plan_out:
        _write_plan(args.plan_out, the_plan)
    summary = _summary(the_plan)
    if args.dry_run:
        return summary
    report = await publish(
        messages,
        args.bootstrap,
        rate=args.rate or None,
        progress=not args.no_progress,
        partitions=args.partitions,
    )
    return {**summary, "published": report.as_json()}


async def _run_stream(args: argparse.Namespace) -> dict[str, object]:
    """Plan day by day while publishing: bounded memory for any number of orders."""
    if args.plan_out or args.dry_run:
        raise ValueError("--stream publishes as it plans: no --plan-out nor --dry-run")
    planner = Planner(args.seed, await _customers(args), args.orders, _params(args))
    records: Iterable[Record] = stream(planner)
    if not args.no_catalogue:
        records = chain(planner.catalogue(), records)
    if args.limit is not None:
        records = islice(records, args.limit)
    report = await publish(
        records,
        args.bootstrap,
        rate=args.rate or None,
        progress=not args.no_progress,
        partitions=args.partitions,
    )
    return {
        "seed": args.seed,
        "customers": len(planner.customers),
        "orders": planner.orders,
        "unknown_customer_numbers": [c.erp_customer_number for c in planner.walk_ins],
        "published": report.as_json(),
    }


async def _plan_only(args: argparse.Namespace) -> dict[str, object]:
    the_plan = await _plan(args)
    _write_plan(args.out, the_plan)
    return _summary(the_plan)


async def _catalogue(args: argparse.Namespace) -> dict[str, object]:
    params = Params(start=args.start, currency=args.currency, products=args.products)
    messages = product_messages(args.seed, params)
    report = await publish(
        messages,
        args.bootstrap,
        rate=None,
        progress=not args.no_progress,
        partitions=args.partitions,
    )
    return {"products": len(messages), "published": report.as_json()}


async def _snapshot(args: argparse.Namespace) -> dict[str, object]:
    customers = await _customers(args)
    taken = snapshot(customers, drift=args.drift, seed=args.seed)
    write_customers_csv(args.out, taken.rows)
    return {
        "out": str(args.out),
        "rows": len(taken.rows),
        "differences": [d.__dict__ for d in taken.differences],
    }


async def _customers(args: argparse.Namespace) -> list[ErpCustomer]:
    if args.customers_csv is not None:
        return read_customers_csv(args.customers_csv)
    if getattr(args, "synthetic_customers", None):
        return erp_customers(synthetic_crm_customers(args.synthetic_customers, args.seed))
    customers = erp_customers(await read_crm_customers(args.bootstrap))
    if not customers:
        raise ValueError(
            "crm.customers.v1 holds no customers: register some, or use "
            "--customers-csv FILE or --synthetic-customers N"
        )
    return customers


async def _plan(args: argparse.Namespace) -> Plan:
    customers = await _customers(args)
    return plan(args.seed, customers, args.orders, _params(args))


def _params(args: argparse.Namespace) -> Params:
    return Params(
        start=args.start,
        days=args.days,
        currency=args.currency,
        include_catalogue=not args.no_catalogue,
        products=args.products,
        unknown_customer_share=args.unknown_customer_share,
        unknown_customers=args.unknown_customers,
        references=args.references,
    )


def _summary(the_plan: Plan) -> dict[str, object]:
    return {
        "seed": the_plan.seed,
        "customers": len(the_plan.customers),
        "orders": len(the_plan.orders),
        "messages": len(the_plan.messages),
        "by_topic": the_plan.count_by_topic(),
        "unknown_customer_numbers": list(the_plan.unknown_customer_numbers),
    }


def _write_plan(path: Path, the_plan: Plan) -> None:
    with path.open("wb") as file:
        file.writelines(the_plan.jsonl())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="erpsim", description="A deterministic, seeded ERP on the ERP's Kafka topics."
    )
    commands = parser.add_subparsers(required=True, metavar="command")

    run = commands.add_parser(
        "run", help="publish the catalogue and seeded orders with their follow-ups"
    )
    _kafka_options(run)
    _plan_options(run)
    run.add_argument(
        "--rate", type=float, default=0.0, help="messages per second (0: as fast as possible)"
    )
    run.add_argument("--limit", type=int, help="publish only the first N messages of the plan")
    run.add_argument("--dry-run", action="store_true", help="plan and summarise, publish nothing")
    run.add_argument("--plan-out", type=Path, help="also write the plan as JSON lines")
    run.add_argument(
        "--stream",
        action="store_true",
        help="plan one simulated day at a time while publishing (bounded memory, any size)",
    )
    run.set_defaults(command=_run)

    planned = commands.add_parser("plan", help="write the plan as JSON lines, publish nothing")
    _kafka_options(planned)
    _plan_options(planned)
    planned.add_argument("--out", type=Path, required=True)
    planned.set_defaults(command=_plan_only)

    products = commands.add_parser("catalogue", help="publish the product catalogue only")
    _kafka_options(products)
    products.add_argument("--seed", type=int, default=7)
    products.add_argument("--currency", default="EUR")
    products.add_argument("--start", type=_moment, default=DEFAULT_START)
    products.add_argument(
        "--products", type=int, help="catalogue size (default: the 103 core products)"
    )
    products.set_defaults(command=_catalogue)

    snap = commands.add_parser("snapshot", help="write the ERP's customer snapshot as CSV")
    _kafka_options(snap)
    _customer_options(snap)
    snap.add_argument("--seed", type=int, default=7)
    snap.add_argument("--out", type=Path, required=True)
    snap.add_argument("--drift", type=int, default=0, help="introduce N differences from the CRM")
    snap.set_defaults(command=_snapshot)
    return parser


def _kafka_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--bootstrap",
        default=os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
        help="Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS or 127.0.0.1:9092)",
    )
    parser.add_argument("--partitions", type=int, default=PARTITIONS, help="of topics it creates")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")


def _customer_options(parser: argparse.ArgumentParser, synthetic: bool = False) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--customers-from-topic",
        action="store_true",
        help="learn customers from crm.customers.v1 (the default)",
    )
    source.add_argument("--customers-csv", type=Path, metavar="FILE", help="customers from a CSV")
    if synthetic:
        source.add_argument(
            "--synthetic-customers",
            type=int,
            metavar="N",
            help="N invented customers the CRM does not know (benchmarks without a CRM)",
        )


def _plan_options(parser: argparse.ArgumentParser) -> None:
    _customer_options(parser, synthetic=True)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--unknown-customer-share", type=float, default=0.05)
    parser.add_argument(
        "--unknown-customers", type=int, help="how many unknown customers place them"
    )
    parser.add_argument(
        "--references",
        type=ReferenceShares.parse,
        default=ReferenceShares(),
        help="how orders name known customers, e.g. id=0.5,number=0.2,both=0.3",
    )
    parser.add_argument("--days", type=int, default=60, help="orders placed over this many days")
    parser.add_argument("--start", type=_moment, default=DEFAULT_START, help="ISO time of day 0")
    parser.add_argument("--currency", default="EUR")
    parser.add_argument("--no-catalogue", action="store_true", help="orders only, no products")
    parser.add_argument(
        "--products", type=int, help="catalogue size (default: the 103 core products)"
    )


def _moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2025-03-03T00:00:00+00:00")
    return moment
