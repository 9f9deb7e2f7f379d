"""Acquisition's HTTP routes, one module per concept."""

from fastapi import APIRouter

from acquisition.api import activities, customers, leads, opportunities

routes = APIRouter()
for concept in (leads, customers, opportunities, activities):
    routes.include_router(concept.routes)
