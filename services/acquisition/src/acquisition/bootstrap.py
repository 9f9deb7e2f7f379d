"""Acquisition's composition root: builds everything from settings."""

from __future__ import annotations

from fastapi import FastAPI

from acquisition import api, outbox
from acquisition.app import Acquisition
from acquisition.inbox import AcquisitionInbox
from acquisition.settings import AcquisitionSettings
from servicekit.eventstore import store_environment
from servicekit.service import Runtime, create_http_app


def build_runtime(settings: AcquisitionSettings | None = None) -> Runtime:
    settings = settings or AcquisitionSettings()
    app = Acquisition(store_environment(settings))
    return Runtime(
        settings=settings,
        app=app,
        translate=outbox.to_integration_event,
        handlers=[AcquisitionInbox(app)],
    )


def create_app(runtime: Runtime | None = None) -> FastAPI:
    """The ASGI app; ``uvicorn --factory acquisition.bootstrap:create_app`` works too."""
    return create_http_app(runtime or build_runtime(), [api.routes], title="CRM acquisition")
