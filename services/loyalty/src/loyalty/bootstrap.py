"""Loyalty's composition root: builds everything from settings."""

from __future__ import annotations

from fastapi import FastAPI

from loyalty import (
    api,
    greetings_api,
    liability_api,
    margins_api,
    offers_api,
    outbox,
    promotions_api,
    rewards_api,
)
from loyalty.app import Loyalty
from loyalty.domain.greetings import GreetingTerms
from loyalty.domain.growth import GrowthTerms
from loyalty.greeter import birthday_greeter
from loyalty.inbox import LoyaltyInbox
from loyalty.settings import LoyaltySettings
from loyalty.views import metadata
from loyalty.views.projection import LoyaltyViews
from servicekit import jobs
from servicekit.eventstore import store_environment
from servicekit.service import Runtime, create_http_app
from servicekit.views import ViewStore, views_url


def build_runtime(settings: LoyaltySettings | None = None) -> Runtime:
    settings = settings or LoyaltySettings()
    views = LoyaltyViews(ViewStore(views_url(settings), metadata))
    app = Loyalty(store_environment(settings), directory=views)
    app.growth = GrowthTerms(tuple(settings.cross_sell_pairs))
    app.greetings = GreetingTerms(settings.birthday_bonus_points)
    return Runtime(
        settings=settings,
        app=app,
        translate=outbox.to_integration_event,
        handlers=[LoyaltyInbox(app), views],
        views=views.store,
        background=[birthday_greeter(app, settings.greeting_run_seconds)],
    )


def create_app(runtime: Runtime | None = None) -> FastAPI:
    """The ASGI app; ``uvicorn --factory loyalty.bootstrap:create_app`` works too."""
    runtime = runtime or build_runtime()
    http = create_http_app(
        runtime,
        [
            jobs.routes(),
            api.routes,
            rewards_api.routes,
            promotions_api.routes,
            offers_api.routes,
            greetings_api.routes,
            liability_api.routes,
            margins_api.routes,
        ],
        title="CRM loyalty",
    )
    http.state.jobs = jobs.Jobs(views_url(runtime.settings))
    return http
