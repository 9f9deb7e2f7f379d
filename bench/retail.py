"""The retail shape of the scale bench: a shop's customers, orders, products and the
promotions it runs, which loyalty evaluates on every order it takes in.

Pure data: what :mod:`bench.scale` registers, publishes and drafts, and nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from erpsim import DEFAULT_START, CrmCustomer, Params, ReferenceShares, synthetic_crm_customers
from erpsim.ids import erp_number
from erpsim.people import email_of

SEED = 23
Fate = Literal["running", "ended", "paused"]


@dataclass(frozen=True)
class Shape:
    customers: int
    orders: int
    products: int
    #: the orders are spread over this many simulated days
    days: int
    active_promotions: int = 20
    finished_promotions: int = 50

    def erp_params(self) -> Params:
        """Every order from a customer the CRM knows (they registered with their ERP
        number), named by id, number or both as the ERP does."""
        return Params(
            days=self.days,
            products=self.products,
            unknown_customer_share=0.0,
            references=ReferenceShares(),
        )

    @property
    def start(self) -> datetime:
        return DEFAULT_START

    @property
    def end(self) -> datetime:
        return DEFAULT_START + timedelta(days=self.days)


FULL = Shape(customers=100_000, orders=1_000_000, products=5_000, days=365)
QUICK = Shape(customers=2_000, orders=20_000, products=1_000, days=365)


def customers(shape: Shape) -> list[CrmCustomer]:
    """People who sign up at the till with their store number: names, a unique e-mail,
    the ERP number. The CRM gives them their ids when they register."""
    people = synthetic_crm_customers(shape.customers, SEED)
    return [
        CrmCustomer(
            customer_id="",
            first_name=person.first_name,
            last_name=person.last_name,
            email=email_of(person.first_name, person.last_name, number),
            company=person.company,
            erp_customer_number=erp_number(number + 1),
        )
        for number, person in enumerate(people)
    ]


@dataclass(frozen=True)
class PromotionPlan:
    """A promotion as marketing drafts it (``POST /promotions``), and what became of it."""

    key: str
    body: dict[str, Any]
    fate: Fate


# (kind, terms, eligibility, share of the stream's orders its budget is worth in EUR,
# per-customer limit): a shop's usual mix. The every-order multiplier runs out early.
_RUNNING: tuple[tuple[str, dict[str, Any], dict[str, Any], str, int | None], ...] = (
    ("payment_method", {"payment_method": "store_card", "bonus_points": 20}, {}, "0.50", None),
    ("payment_method", {"payment_method": "credit_card", "discount_percent": "2"}, {}, "1", None),
    ("payment_method", {"payment_method": "cash", "bonus_points": 5}, {}, "0.20", 3),
    ("payment_method", {"payment_method": "debit_card", "discount_percent": "1"}, {}, "1", None),
    ("points_multiplier", {"multiplier": "2", "categories": ["electronics"]}, {}, "0.50", None),
    ("points_multiplier", {"multiplier": "1.5", "categories": ["groceries"]}, {}, "0.50", None),
    (
        "points_multiplier",
        {"multiplier": "2", "categories": ["apparel"]},
        {"channels": ["ecommerce"]},
        "0.30",
        None,
    ),
    ("points_multiplier", {"multiplier": "3", "categories": ["toys"]}, {}, "0.30", 2),
    ("points_multiplier", {"multiplier": "1.25", "categories": ["household"]}, {}, "0.30", None),
    (
        "points_multiplier",
        {"multiplier": "2", "categories": ["garden"]},
        {"tiers": ["silver", "gold", "premium"]},
        "0.30",
        None,
    ),
    ("limited_offer", {"discount_percent": "10", "categories": ["garden"]}, {}, "1", None),
    (
        "limited_offer",
        {"discount_percent": "15", "skus": ["ELE-3001", "ELE-3002", "ELE-3008"]},
        {},
        "0.50",
        None,
    ),
    (
        "limited_offer",
        {"discount_percent": "5", "categories": ["apparel"]},
        {"channels": ["marketplace"]},
        "0.20",
        1,
    ),
    (
        "limited_offer",
        {"discount_percent": "20", "skus": ["GRO-1004", "GRO-1004P"]},
        {},
        "0.20",
        None,
    ),
    ("limited_offer", {"discount_percent": "10", "categories": ["toys"]}, {}, "0.50", 2),
    (
        "gift_with_purchase",
        {"buy_sku": "GRO-1004", "gift_sku": "GRO-1009", "gift_cost": "1.20"},
        {},
        "0.10",
        None,
    ),
    (
        "gift_with_purchase",
        {"buy_sku": "ELE-3012", "gift_sku": "ELE-3004", "gift_cost": "5"},
        {},
        "0.10",
        None,
    ),
    (
        "gift_with_purchase",
        {"buy_sku": "HOU-2001", "gift_sku": "HOU-2006", "gift_cost": "4"},
        {},
        "0.10",
        1,
    ),
    (
        "gift_with_purchase",
        {"buy_sku": "APP-4004", "gift_sku": "APP-4006", "gift_cost": "6"},
        {},
        "0.10",
        None,
    ),
    ("points_multiplier", {"multiplier": "1.1"}, {}, "0.02", None),
)


def promotions(shape: Shape) -> list[PromotionPlan]:
    """``active_promotions`` running over the whole stream, each with a budget (some with
    a per-customer limit), then ``finished_promotions``: half of them ended before the
    stream began, half paused."""
    plans = []
    around = {
        "starts_at": (shape.start - timedelta(days=30)).isoformat(),
        "ends_at": (shape.end + timedelta(days=60)).isoformat(),
    }
    before = {
        "starts_at": (shape.start - timedelta(days=400)).isoformat(),
        "ends_at": (shape.start - timedelta(days=35)).isoformat(),
    }
    for number in range(shape.active_promotions):
        kind, terms, eligible, per_order, limit = _RUNNING[number % len(_RUNNING)]
        budget = (Decimal(per_order) * shape.orders).quantize(Decimal("0.01"))
        body = {
            "name": f"{kind.replace('_', ' ')} {number + 1}",
            "kind": kind,
            "terms": terms,
            **around,
            **eligible,
            "budget": str(max(budget, Decimal(1))),
            "per_customer_limit": limit,
        }
        plans.append(PromotionPlan(f"scale-running-{number}", body, "running"))
    for number in range(shape.finished_promotions):
        kind, terms, eligible, _, limit = _RUNNING[number % len(_RUNNING)]
        fate: Fate = "ended" if number % 2 == 0 else "paused"
        body = {
            "name": f"past {kind.replace('_', ' ')} {number + 1}",
            "kind": kind,
            "terms": terms,
            **(before if fate == "ended" else around),
            **eligible,
            "budget": "1000.00",
            "per_customer_limit": limit,
        }
        plans.append(PromotionPlan(f"scale-{fate}-{number}", body, fate))
    return plans
