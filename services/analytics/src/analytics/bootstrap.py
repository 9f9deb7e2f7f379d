"""Analytics' composition root: builds everything from settings."""

from __future__ import annotations

from fastapi import FastAPI

from analytics import api, outbox
from analytics.app import Analytics
from analytics.assessor import Assessor
from analytics.settings import AnalyticsSettings
from analytics.versions import LiveViews, Pointer, Switcher
from analytics.views import metadata
from analytics.views.assessments import Assessments
from analytics.views.customer360 import Customer360
from analytics.views.kpis import Kpis
from servicekit import jobs, periodic
from servicekit.eventstore import store_environment
from servicekit.service import Runtime, create_http_app
from servicekit.views import ViewStore, views_url


def build_runtime(settings: AnalyticsSettings | None = None) -> Runtime:
    settings = settings or AnalyticsSettings()
    app = Analytics(store_environment(settings))
    pointer = Pointer(settings)
    version = pointer.live()
    views = LiveViews(ViewStore(pointer.url(version), metadata), version)
    customer360 = Customer360(views)
    runtime = Runtime(
        settings=settings,
        app=app,
        translate=outbox.to_integration_event,
        handlers=[customer360],
        views=views,
    )
    switcher = Switcher(views, pointer, lambda: runtime.consumers)
    runtime.background = [
        assessor(runtime).every(settings.assessment_seconds),
        switcher.every(settings.views_check_seconds),
        periodic.every(
            settings.parked_sweep_seconds,
            customer360.settling_parked(),
            "parked messages settled",
        ),
    ]
    return runtime


def assessor(runtime: Runtime) -> Assessor:
    """The assessment run over this runtime's read models and event store."""
    settings = runtime.settings
    if not isinstance(settings, AnalyticsSettings) or not isinstance(runtime.app, Analytics):
        raise TypeError("not an analytics runtime")
    assert runtime.views is not None
    view = next(h for h in runtime.handlers if isinstance(h, Customer360))
    return Assessor(
        app=runtime.app,
        view=view,
        assessments=Assessments(runtime.views),
        valuation=settings.valuation_policy(),
        signals=settings.signal_policy(),
    )


def create_app(runtime: Runtime | None = None) -> FastAPI:
    """The ASGI app; ``uvicorn --factory analytics.bootstrap:create_app`` works too."""
    runtime = runtime or build_runtime()
    http = create_http_app(runtime, [api.routes, jobs.routes()], title="CRM analytics")
    http.state.jobs = jobs.Jobs(views_url(runtime.settings))
    http.state.assessor = assessor(runtime)
    assert runtime.views is not None
    http.state.kpis = Kpis(runtime.views)
    return http
