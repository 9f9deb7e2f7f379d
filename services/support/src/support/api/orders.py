"""Where is my order? Answered from the ERP's topics, without asking the ERP."""

from __future__ import annotations

from fastapi import APIRouter

from servicekit.problems import Problem
from support.api.dependencies import Readers, Views
from support.api.documents import Order

routes = APIRouter(tags=["orders"])


@routes.get("/orders/{order_id}")
def where_is_my_order(order_id: str, views: Views, _: Readers) -> Order:
    """The order and its shipment as the ERP last reported them."""
    found = views.order(order_id)
    if found is None:
        raise Problem(404, "Not found", f"Support knows no order {order_id} (yet).")
    return Order(**found)
