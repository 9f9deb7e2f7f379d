"""Every read model beside the oracle: what was lost, what was doubled, what is wrong.

Over HTTP where a service shows the read model (loyalty's account and statement,
analytics' 360, support's customer, acquisition's customer search), from the views
database where the API does not show the field (analytics' and support's order rows,
analytics' invoices). A difference counts as *lost* when the read model shows less
than was sent (a row, a point, a status not reached), *doubled* when it shows more
(a second movement, a return refunded twice, a second search hit), and *wrong*
otherwise.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from tests.chaos.oracle import ORDER_PROGRESS, SHIPMENT_PROGRESS, Expected
from tests.chaos.rig import Rig, closing_sqlite


@dataclass
class Verdict:
    lost: list[str] = field(default_factory=list)
    doubled: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.lost or self.doubled or self.wrong)

    def compare(
        self, what: str, actual: Any, wanted: Any, order: Callable[[Any], Any] = lambda v: v
    ) -> None:
        if actual == wanted:
            return
        note = f"{what}: {actual!r}, expected {wanted!r}"
        try:
            behind = order(actual) < order(wanted)
        except TypeError:
            self.wrong.append(note)
            return
        (self.lost if behind else self.doubled).append(note)

    def summary(self) -> str:
        return (
            f"lost {len(self.lost)} {self.lost[:5]}; doubled {len(self.doubled)} "
            f"{self.doubled[:5]}; wrong {len(self.wrong)} {self.wrong[:5]}"
        )


def judge(rig: Rig, oracle: Expected) -> Verdict:
    verdict = Verdict()
    _analytics_rows(rig, oracle, verdict)
    _support_rows(rig, oracle, verdict)
    for customer_id, customer in oracle.customers.items():
        _loyalty(rig, oracle, customer_id, verdict)
        _analytics_360(rig, oracle, customer_id, verdict)
        _support_customer(rig, customer_id, customer.erp_customer_number, verdict)
        _acquisition_search(rig, customer_id, str(customer.email), verdict)
    return verdict


def _rows(path: Any, query: str) -> list[sqlite3.Row]:
    with closing_sqlite(path) as db:
        db.row_factory = sqlite3.Row
        return db.execute(query).fetchall()


def _money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _analytics_rows(rig: Rig, oracle: Expected, verdict: Verdict) -> None:
    database = rig.views_database("analytics")
    rows = {r["order_id"]: r for r in _rows(database, "SELECT * FROM orders")}
    for order in oracle.orders.values():
        row = rows.get(order.order_id)
        if row is None:
            verdict.lost.append(f"analytics order {order.order_id} missing")
            continue
        where = f"analytics order {order.order_id}"
        verdict.compare(f"{where} customer", row["customer_id"], order.customer_id)
        verdict.compare(f"{where} total", _money(row["total"]), order.total)
        verdict.compare(f"{where} returned", _money(row["returned_amount"]), order.returned_amount)
        verdict.compare(f"{where} status", row["status"], order.status, ORDER_PROGRESS.index)
    for extra in rows.keys() - oracle.orders.keys():
        verdict.doubled.append(f"analytics order {extra} never sent")
    invoices = {r["invoice_id"]: r for r in _rows(database, "SELECT * FROM payments")}
    for invoice_id, (customer_id, status, days) in oracle.invoices.items():
        row = invoices.get(invoice_id)
        if row is None:
            verdict.lost.append(f"analytics invoice {invoice_id} missing")
            continue
        verdict.compare(
            f"invoice {invoice_id}",
            (row["customer_id"], row["status"], row["days_overdue"]),
            (customer_id, status, days),
        )


def _support_rows(rig: Rig, oracle: Expected, verdict: Verdict) -> None:
    rows = {r["order_id"]: r for r in _rows(rig.views_database("support"), "SELECT * FROM orders")}
    for order in oracle.orders.values():
        row = rows.get(order.order_id)
        if row is None:
            verdict.lost.append(f"support order {order.order_id} missing")
            continue
        where = f"support order {order.order_id}"
        verdict.compare(f"{where} customer", row["customer_id"], order.customer_id)
        verdict.compare(f"{where} status", row["status"], order.status, ORDER_PROGRESS.index)
        verdict.compare(
            f"{where} shipment",
            row["shipment_status"],
            order.shipment_status,
            SHIPMENT_PROGRESS.index,
        )
        eta = None if row["eta"] is None else date.fromisoformat(str(row["eta"])[:10])
        verdict.compare(f"{where} eta", eta, order.eta)
        delivered = row["delivered_at"]
        delivered_at = None if delivered is None else datetime.fromisoformat(str(delivered))
        wanted = None if order.delivered_at is None else order.delivered_at.replace(tzinfo=None)
        verdict.compare(
            f"{where} delivered at", delivered_at and delivered_at.replace(tzinfo=None), wanted
        )
    for extra in rows.keys() - oracle.orders.keys():
        verdict.doubled.append(f"support order {extra} never sent")


def _get(rig: Rig, service: str, path: str) -> Any:
    answer = rig.http.get(f"{rig.url(service)}{path}")
    return answer.json() if answer.status_code == 200 else None


def _loyalty(rig: Rig, oracle: Expected, customer_id: str, verdict: Verdict) -> None:
    wanted = oracle.account(customer_id)
    account = _get(rig, "loyalty", f"/accounts/{customer_id}")
    if account is None:
        verdict.lost.append(f"loyalty account {customer_id} missing")
        return
    where = f"loyalty account {customer_id}"
    verdict.compare(f"{where} available", account["available_points"], wanted.available)
    verdict.compare(f"{where} pending", account["pending_points"], wanted.pending)
    verdict.compare(f"{where} owed", account["points_owed"], 0)
    verdict.compare(f"{where} tier", account["tier"], "standard")
    movements: dict[tuple[str, int, str], int] = {}
    cursor: int | None = 0
    while cursor is not None:
        query = f"order=oldest&limit=500&cursor={cursor}"
        page = _get(rig, "loyalty", f"/accounts/{customer_id}/statement?{query}")
        if page is None:
            verdict.lost.append(f"{where} statement missing")
            return
        for movement in page["movements"]:
            key = (movement["kind"], movement["points"], movement["order_id"])
            movements[key] = movements.get(key, 0) + 1
        cursor = page["next_cursor"]
    for key in movements.keys() | wanted.movements.keys():
        verdict.compare(
            f"{where} movement {key}", movements.get(key, 0), wanted.movements.get(key, 0)
        )


def _analytics_360(rig: Rig, oracle: Expected, customer_id: str, verdict: Verdict) -> None:
    view = _get(rig, "analytics", f"/customers/{customer_id}/360")
    if view is None:
        verdict.lost.append(f"analytics 360 {customer_id} missing")
        return
    where = f"analytics 360 {customer_id}"
    purchases = dict(view["purchases"])
    wanted = oracle.purchases(customer_id)
    verdict.compare(f"{where} orders", purchases["orders"], wanted["orders"])
    verdict.compare(
        f"{where} spent", Decimal(purchases["total_spent"]), Decimal(str(wanted["total_spent"]))
    )
    verdict.compare(
        f"{where} average",
        purchases["average_order_value"],
        wanted["average_order_value"],
        lambda v: Decimal(v or 0),
    )
    last = purchases["last_purchase_at"]
    last_wanted = wanted["last_purchase_at"]
    verdict.compare(
        f"{where} last purchase",
        None if last is None else datetime.fromisoformat(last).replace(tzinfo=None),
        None if last_wanted is None else last_wanted.replace(tzinfo=None),  # type: ignore[attr-defined]
    )
    cents = oracle.category_cents(customer_id)
    favourites = purchases["favourite_categories"]
    verdict.compare(
        f"{where} favourite categories (their cents)",
        [cents.get(c) for c in favourites],
        sorted(cents.values(), reverse=True)[:3],
        lambda v: len(v),
    )
    verdict.compare(
        f"{where} payments",
        view["payment_behaviour"],
        oracle.payment_behaviour(customer_id),
        lambda v: sum(v.values()),
    )
    loyalty = view.get("loyalty") or {}
    verdict.compare(
        f"{where} points",
        loyalty.get("points_balance"),
        oracle.account(customer_id).available,
        lambda v: v or 0,
    )


def _support_customer(rig: Rig, customer_id: str, number: str, verdict: Verdict) -> None:
    seen = _get(rig, "support", f"/customers/{customer_id}")
    if seen is None or seen.get("customer") is None:
        verdict.lost.append(f"support customer {customer_id} missing")
        return
    verdict.compare(
        f"support customer {customer_id} number", seen["customer"]["erp_customer_number"], number
    )
    verdict.compare(f"support customer {customer_id} tier", seen["tier"], "standard")


def _acquisition_search(rig: Rig, customer_id: str, email: str, verdict: Verdict) -> None:
    hits = _get(rig, "acquisition", f"/customers?q={email}") or []
    verdict.compare(
        f"acquisition search {email}", [h["customer_id"] for h in hits], [customer_id], len
    )
