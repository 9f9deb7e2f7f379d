"""Acquisition's HTTP routes, one module per concept."""

from fastapi import APIRouter

from acquisition.api import activities, campaigns, customers, leads, opportunities, pipeline

routes = APIRouter()
for concept in (leads, customers, opportunities, activities, pipeline, campaigns):
    routes.include_router(concept.routes)
