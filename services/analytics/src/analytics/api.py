"""Analytics' HTTP routes."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from analytics.views.customer360 import Customer360
from servicekit.auth import Principal, require
from servicekit.problems import Problem
from servicekit.service import handler

routes = APIRouter()

Readers = Annotated[Principal, Depends(require("analyst", "sales", "marketing", "support"))]


View = Annotated[Customer360, Depends(handler(Customer360))]


@routes.get("/customers/{customer_id}/360", tags=["customers"])
def get_customer_360(
    customer_id: str,
    view: View,
    _: Readers,
    wait_ms: Annotated[
        int, Query(ge=0, le=10_000, description="Wait up to this long for the customer to appear")
    ] = 0,
) -> dict[str, Any]:
    found = view.wait_for(customer_id, lambda: view.view(customer_id), wait_ms / 1000)
    if found is None:
        raise Problem(404, "Not found", f"Analytics knows no customer {customer_id} (yet).")
    return found


@routes.get("/erp/unresolved-orders", tags=["erp"])
def unresolved_orders(view: View, _: Readers) -> list[dict[str, Any]]:
    """ERP messages kept aside until the customer they name is known to the CRM."""
    return view.unresolved_orders()
