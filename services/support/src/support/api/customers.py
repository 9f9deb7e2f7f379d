"""What support knows of a customer: who, which tier, and their case history."""

from __future__ import annotations

from fastapi import APIRouter

from servicekit.problems import Problem
from support.api.dependencies import Readers, Views
from support.api.documents import CaseRow, Customer, CustomerCases

routes = APIRouter(tags=["customers"])


@routes.get("/customers/{customer_id}")
def customer(customer_id: str, views: Views, _: Readers) -> CustomerCases:
    known = views.customer(customer_id)
    tier = views.tier(customer_id)
    if known is None and tier is None:
        raise Problem(404, "Not found", f"Support knows no customer {customer_id} (yet).")
    return CustomerCases(
        customer_id=customer_id,
        customer=Customer(**known) if known else None,
        tier=tier,
        cases=[CaseRow(**row) for row in views.cases(customer_id=customer_id)["items"]],
    )
