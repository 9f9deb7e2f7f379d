"""Analytics' composition root: builds everything from settings."""

from __future__ import annotations

from fastapi import FastAPI

from analytics import api
from analytics.app import Analytics
from analytics.settings import AnalyticsSettings
from analytics.views import metadata
from analytics.views.customer360 import Customer360
from servicekit.eventstore import store_environment
from servicekit.service import Runtime, create_http_app
from servicekit.views import ViewStore, views_url


def build_runtime(settings: AnalyticsSettings | None = None) -> Runtime:
    settings = settings or AnalyticsSettings()
    app = Analytics(store_environment(settings))
    views = ViewStore(views_url(settings), metadata)
    return Runtime(
        settings=settings,
        app=app,
        translate=lambda _: None,
        handlers=[Customer360(views)],
        views=views,
    )


def create_app(runtime: Runtime | None = None) -> FastAPI:
    """The ASGI app; ``uvicorn --factory analytics.bootstrap:create_app`` works too."""
    return create_http_app(runtime or build_runtime(), [api.routes], title="CRM analytics")
