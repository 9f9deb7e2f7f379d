"""The SLA watcher: warns before deadlines, records breaches and escalates, every minute."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from uuid import UUID

from support.app import Support, now
from support.views.projection import SupportViews

log = logging.getLogger(__name__)


def sla_watcher(
    app: Support, views: SupportViews, every: float
) -> Callable[[], Coroutine[Any, Any, None]]:
    async def watch() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                case_ids = [
                    UUID(case_id) for case_id in await asyncio.to_thread(views.unfinished_case_ids)
                ]
                breaches = await asyncio.to_thread(app.watch_slas, case_ids)
                if breaches:
                    log.info("SLA breaches recorded", extra={"breaches": breaches})
            except asyncio.CancelledError:
                raise
            except Exception:  # a concurrent change or a store hiccup: next round
                log.exception("SLA watch failed; trying again next round")

    return watch


def delay_care(
    app: Support, views: SupportViews, every: float
) -> Callable[[], Coroutine[Any, Any, None]]:
    """Acts on delayed shipments the read model has seen: a notice, and for high tiers a case."""

    async def care() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                for delay in await asyncio.to_thread(views.delays_to_handle):
                    customer_id = delay["customer_id"]
                    tier = await asyncio.to_thread(views.tier, customer_id)
                    await asyncio.to_thread(
                        app.care_for_delay,
                        delay["order_id"],
                        customer_id,
                        str(delay["new_eta"]),
                        delay["reason"],
                        tier,
                    )
                    await asyncio.to_thread(
                        views.delay_handled, delay["order_id"], delay["new_eta"], now()
                    )
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("delay care failed; trying again next round")

    return care
