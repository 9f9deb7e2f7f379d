"""Acquisition's HTTP routes, one module per concept."""

from fastapi import APIRouter

from acquisition.api import customers, leads, opportunities

routes = APIRouter()
for concept in (leads, customers, opportunities):
    routes.include_router(concept.routes)
