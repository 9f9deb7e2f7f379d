"""Acquisition's composition root: builds everything from settings."""

from __future__ import annotations

from fastapi import FastAPI

from acquisition import api, outbox
from acquisition.api import common
from acquisition.app import Acquisition, Policy
from acquisition.inbox import AcquisitionInbox
from acquisition.settings import AcquisitionSettings
from acquisition.views import metadata
from acquisition.views.projection import AcquisitionViews
from servicekit.eventstore import store_environment
from servicekit.service import Runtime, create_http_app
from servicekit.views import ViewStore, views_url


def build_runtime(settings: AcquisitionSettings | None = None) -> Runtime:
    settings = settings or AcquisitionSettings()
    views = AcquisitionViews(ViewStore(views_url(settings), metadata))
    policy = Policy(
        default_phone_region=settings.default_phone_region,
        scoring=settings.scoring_rules(),
        assignment=settings.assignment_rules(),
        pipelines=settings.pipeline_rules(),
    )
    app = Acquisition(store_environment(settings), policy=policy, directory=views)
    return Runtime(
        settings=settings,
        app=app,
        translate=outbox.to_integration_event,
        handlers=[views, AcquisitionInbox(app)],
        views=views.store,
    )


def create_app(runtime: Runtime | None = None) -> FastAPI:
    """The ASGI app; ``uvicorn --factory acquisition.bootstrap:create_app`` works too."""
    http = create_http_app(runtime or build_runtime(), [api.routes], title="CRM acquisition")
    common.install(http)
    return http
