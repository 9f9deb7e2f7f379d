"""``make demo``: the platform with a day of business in it.

Starts what ``make run`` starts, then plays a sales team and the ERP: leads are
captured and most are converted, a few customers register in a store with the
ERP's number, and the ERP simulator (``erpsim``) sends orders, payments,
shipments and returns for them, plus orders of customers the CRM does not know
yet. It prints where to look, then serves until Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
from pathlib import Path

import httpx

from devstack.platform import Platform, run
from erpsim import Params, erp_customers, plan, publish, read_crm_customers
from erpsim.people import email_of, invent_person
from servicekit.auth import issue_token
from servicekit.settings import DEV_SIGNING_KEY

SOURCES = ("web_form", "ecommerce_signup", "telemarketing", "referral", "campaign", "store")


def seed_customers(platform: Platform, count: int, seed: int) -> set[str]:
    """A sales team's day: leads captured from every channel, two in three converted."""
    rng = random.Random(seed)
    sales = {"Authorization": f"Bearer {issue_token(DEV_SIGNING_KEY, 'demo-sales', ['sales'])}"}
    acquisition = platform.services["acquisition"].url
    customers: set[str] = set()
    with httpx.Client(timeout=10, headers=sales) as http:
        for n in range(count):
            first_name, last_name, _ = invent_person(rng)
            person = {
                "first_name": first_name,
                "last_name": last_name,
                "email": email_of(first_name, last_name, seed * 10_000 + n),
            }
            if n % 5 == 4:  # registered at the till, with the ERP's number
                body = {**person, "source": "store", "erp_customer_number": f"ERP-7{n:05d}"}
                response = http.post(f"{acquisition}/customers", json=body)
                customers.add(response.json()["customer_id"])
                continue
            lead = http.post(f"{acquisition}/leads", json={**person, "source": rng.choice(SOURCES)}).json()
            if n % 3 != 2:
                converted = http.post(f"{acquisition}/leads/{lead['lead_id']}/convert")
                customers.add(converted.json()["customer_id"])
    return customers


async def trade(platform: Platform, customer_ids: set[str], orders: int, rate: float, seed: int) -> list[str]:
    bootstrap = platform.kafka_bootstrap_servers
    for _ in range(60):
        known = [c for c in await read_crm_customers(bootstrap) if c.customer_id in customer_ids]
        if len(known) == len(customer_ids):
            break
        await asyncio.sleep(0.5)
    the_plan = plan(seed, erp_customers(known), orders, Params(unknown_customers=2))
    print(f"the ERP sends {len(the_plan.messages)} messages for {orders} orders...", flush=True)
    await publish(the_plan.messages, bootstrap, rate=rate, progress=True)
    return [order.customer.customer_id for order in the_plan.orders if order.customer.customer_id]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devstack.demo", description=__doc__)
    parser.add_argument("--var-dir", type=Path, default=Path("var"))
    parser.add_argument("--customers", type=int, default=30)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--rate", type=float, default=100.0, help="ERP messages per second")
    parser.add_argument("--seed", type=int, default=7)
    arguments = parser.parse_args(argv)

    def business(platform: Platform) -> None:
        customers = seed_customers(platform, arguments.customers, arguments.seed)
        buyers = asyncio.run(trade(platform, customers, arguments.orders, arguments.rate, arguments.seed))
        analytics = platform.services["analytics"].url
        print(
            f"\n{len(customers)} customers, {arguments.orders} orders. Look at (with an analyst token):"
            f"\n  {analytics}/customers/{buyers[0]}/360"
            f"\n  {analytics}/erp/unresolved-orders   (orders of customers the CRM does not know)"
            "\n  .venv/bin/erpsim snapshot --out var/erp.csv --drift 3 && "
            ".venv/bin/python -m acquisition reconcile --erp-snapshot var/erp.csv",
            flush=True,
        )

    return run(arguments.var_dir.resolve(), when_ready=business)


if __name__ == "__main__":
    sys.exit(main())
