"""Append rate: new aggregates of one event, each saved in its own transaction.

Plain ``eventsourcing.application.Application`` against our ``ServiceApplication``
(process recorder, causality stored beside each event), each on a fresh store
with the same persistence settings (``servicekit.eventstore.store_environment``).
The aggregates are created before the clock starts; only ``save`` is timed.
"""

from __future__ import annotations

import time
from uuid import UUID

from eventsourcing.application import Application

from bench.infra import Infrastructure
from bench.model import Prospect, new_prospect
from bench.params import Params
from bench.report import Progress, Row
from servicekit import context
from servicekit.eventstore import ServiceApplication, store_environment

WARMUP_SAVES = 20


def run(infra: Infrastructure, params: Params, progress: Progress) -> list[Row]:
    rows = []
    for kind in params.stores:
        plain_app: Application[UUID] = Application(
            store_environment(infra.store_settings(kind, "append"))
        )
        progress(f"append/{kind}: plain Application saving {params.appends} aggregates")
        plain = saves_per_second(plain_app, params.appends)
        progress(f"append/{kind}: plain Application {plain:,.0f} saves/s")

        service_app = ServiceApplication(store_environment(infra.store_settings(kind, "append")))
        progress(f"append/{kind}: ServiceApplication saving {params.appends} aggregates")
        with context.caused_by("bench@engines.example", "bench-append"):
            service = saves_per_second(service_app, params.appends)
        progress(f"append/{kind}: ServiceApplication {service:,.0f} saves/s")

        details = {"saves": params.appends, "events_per_save": 1, "warmup_saves": WARMUP_SAVES}
        rows.append(Row("append rate", kind, service, "saves/s", plain, None, details))
    return rows


def saves_per_second(app: Application[UUID], count: int) -> float:
    try:
        for number in range(WARMUP_SAVES):
            app.save(new_prospect(-number))
        prospects: list[Prospect] = [new_prospect(number) for number in range(count)]
        started = time.perf_counter()
        for prospect in prospects:
            app.save(prospect)
        return count / (time.perf_counter() - started)
    finally:
        app.close()
