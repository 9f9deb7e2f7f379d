"""The programme's outstanding liability, for finance."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from loyalty.views.liability import Liability
from servicekit.auth import Principal, require
from servicekit.service import handler

routes = APIRouter(tags=["finance"])

Finance = Annotated[Principal, Depends(require("analyst", "marketing"))]
View = Annotated[Liability, Depends(handler(Liability))]


@routes.get("/liability")
def liability(view: View, _: Finance) -> dict[str, Any]:
    """Points available on every account, valued at what each point costs the programme."""
    return view.summary()
