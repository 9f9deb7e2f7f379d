"""Opening the shop on a running platform, the way the real one learns its business.

- The ERP describes its products on ``erp.products.v1`` (erpsim's catalogue).
- Customers sign up at the till: ``POST /customers`` on acquisition with their ERP
  number, so that acquisition's relay publishes ``CustomerRegistered`` on
  ``crm.customers.v1`` and every other service learns them from there.
- Marketing drafts the promotions in loyalty (``POST /promotions``), activates them,
  pauses some.

Then it waits until the platform has taken all of it in: every consumer of every
service with nothing left to apply and every relay with nothing left to publish.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
from collections.abc import Sequence
from typing import Any

import aiohttp

from bench.intake import applied_counts
from bench.latency import bearer, client
from bench.report import Progress
from bench.retail import PromotionPlan
from devstack.platform import Platform
from erpsim import CrmCustomer, ErpCustomer, Planner, publish

SIGN_UPS_AT_ONCE = 8


async def describe_products(planner: Planner, bootstrap: str, progress: Progress) -> int:
    report = await publish(planner.catalogue(), bootstrap, client_id="bench-scale-catalogue")
    progress(f"scale: {report.messages:,} products described on erp.products.v1")
    return report.messages


async def sign_up(
    platform: Platform, people: Sequence[CrmCustomer], progress: Progress
) -> list[ErpCustomer]:
    """Register every customer through acquisition; return them as the ERP knows them."""
    url = f"{platform.services['acquisition'].url}/customers"
    sales = bearer("sales")
    registered: list[ErpCustomer | None] = [None] * len(people)
    started = time.perf_counter()
    next_report = started + 30
    queue: asyncio.Queue[int] = asyncio.Queue()
    for number in range(len(people)):
        queue.put_nowait(number)

    async def clerk(session: aiohttp.ClientSession) -> None:
        nonlocal next_report
        while not queue.empty():
            number = queue.get_nowait()
            person = people[number]
            body = {
                "first_name": person.first_name,
                "last_name": person.last_name,
                "email": person.email,
                "company": person.company,
                "source": "store",
                "erp_customer_number": person.erp_customer_number,
            }
            headers = {**sales, "Idempotency-Key": f"scale-customer-{number}"}
            answer = await _post(session, url, body, headers)
            registered[number] = ErpCustomer(
                erp_customer_number=str(person.erp_customer_number),
                customer_id=str(answer["customer_id"]),
                first_name=person.first_name,
                last_name=person.last_name,
                email=person.email,
                company=person.company,
            )
            if time.perf_counter() > next_report:
                next_report += 30
                done = len(people) - queue.qsize()
                rate = done / (time.perf_counter() - started)
                progress(f"scale: {done:,} of {len(people):,} customers signed up ({rate:,.0f}/s)")

    async with client(60) as session:
        await asyncio.gather(*(clerk(session) for _ in range(SIGN_UPS_AT_ONCE)))
    seconds = time.perf_counter() - started
    progress(
        f"scale: {len(people):,} customers signed up through acquisition in {seconds:.0f}s "
        f"({len(people) / seconds:,.0f}/s)"
    )
    return [customer for customer in registered if customer is not None]


async def draft_promotions(platform: Platform, plans: Sequence[PromotionPlan]) -> dict[str, int]:
    """Draft every promotion, activate each, pause those whose fate it is."""
    url = f"{platform.services['loyalty'].url}/promotions"
    marketing = bearer("marketing")
    fates: dict[str, int] = {}
    async with client(60) as session:
        for plan in plans:
            headers = {**marketing, "Idempotency-Key": plan.key}
            drafted = await _post(session, url, plan.body, headers)
            promotion = f"{url}/{drafted['promotion_id']}"
            await _post(session, f"{promotion}/activate", None, marketing)
            if plan.fate == "paused":
                await _post(session, f"{promotion}/pause", None, marketing)
            fates[plan.fate] = fates.get(plan.fate, 0) + 1
    return fates


async def _post(
    session: aiohttp.ClientSession, url: str, body: object, headers: dict[str, str]
) -> dict[str, Any]:
    async with session.post(url, json=body, headers=headers) as answer:
        if answer.status >= 300:
            raise RuntimeError(f"POST {url}: {answer.status} {await answer.text()}")
        found: dict[str, Any] = await answer.json()
        return found


def wait_settled(
    platform: Platform,
    expected: dict[str, int],
    timeout: float,
    progress: Progress,
) -> float:
    """Wait until every service applied everything and published everything, and loyalty's
    inbox applied at least ``expected`` messages of each topic; return the seconds."""
    started = time.monotonic()
    deadline = started + timeout
    settled_once = False
    next_report = started + 30
    while True:
        waiting = _still_waiting(platform, expected)
        if not waiting:
            if settled_once:  # twice in a row, a second apart: nothing left in flight
                return time.monotonic() - started
            settled_once = True
        else:
            settled_once = False
        now = time.monotonic()
        if now > deadline:
            raise TimeoutError(f"the platform did not settle in {timeout:.0f}s: {waiting}")
        if now > next_report:
            next_report += 30
            progress(f"scale: waiting for the platform to settle: {'; '.join(waiting)}")
        for name, service in platform.services.items():
            if service.process is not None and service.process.poll() is not None:
                raise RuntimeError(f"{name} exited; see {service.log_path}")
        time.sleep(1)


def _still_waiting(platform: Platform, expected: dict[str, int]) -> list[str]:
    waiting = []
    for name, service in platform.services.items():
        try:
            readiness = service.readiness()
        except OSError as error:
            waiting.append(f"{name}: {error}")
            continue
        checks = readiness.get("checks", {})
        if not isinstance(checks, dict):
            waiting.append(f"{name}: no checks")
            continue
        relay = checks.get("kafka", {}).get("detail", {}).get("relay_lag")
        if relay:
            waiting.append(f"{name} relay: {relay} events")
        consumers = checks.get("consumers", {}).get("detail", {})
        for consumer, state in consumers.items():
            if not state.get("running") or state.get("lag"):
                waiting.append(f"{name} {consumer}: lag {state.get('lag')}")
    loyalty = platform.services["loyalty"]
    applied = applied_counts(_metrics(loyalty.url))
    for topic, count in expected.items():
        done = applied.get(("inbox", topic), 0)
        if done < count:
            waiting.append(f"loyalty inbox: {done:,.0f} of {count:,} on {topic}")
    return waiting


def _metrics(url: str) -> str:
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as answer:
        return str(answer.read().decode())
