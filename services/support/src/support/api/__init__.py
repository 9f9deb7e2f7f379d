"""Support's HTTP routes, one module per concept."""

from fastapi import APIRouter

from support.api import cases, customers, orders, sla, teams

routes = APIRouter()
for module in (cases, customers, orders, sla, teams):
    routes.include_router(module.routes)
