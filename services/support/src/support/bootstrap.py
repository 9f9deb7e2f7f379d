"""Support's composition root: builds everything from settings."""

from __future__ import annotations

from datetime import timedelta

from fastapi import FastAPI

from servicekit.eventstore import store_environment
from servicekit.service import Runtime, create_http_app
from servicekit.views import ViewStore, views_url
from support import api, outbox
from support.app import Support
from support.settings import SupportSettings
from support.views import metadata
from support.views.projection import SupportViews
from support.watcher import delay_care, sla_watcher


def build_runtime(settings: SupportSettings | None = None) -> Runtime:
    settings = settings or SupportSettings()
    app = Support(store_environment(settings))
    app.reopen_within = timedelta(days=settings.reopen_within_days)
    views = ViewStore(views_url(settings), metadata)
    projection = SupportViews(views)
    return Runtime(
        settings=settings,
        app=app,
        translate=outbox.to_integration_event,
        handlers=[projection],
        views=views,
        background=[
            sla_watcher(app, projection, settings.sla_watch_seconds),
            delay_care(app, projection, settings.care_seconds),
        ],
    )


def create_app(runtime: Runtime | None = None) -> FastAPI:
    """The ASGI app; ``uvicorn --factory support.bootstrap:create_app`` works too."""
    http = create_http_app(runtime or build_runtime(), [api.routes], title="CRM support")
    api.install(http)
    return http
