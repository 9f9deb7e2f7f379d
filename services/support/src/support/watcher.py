"""The SLA watcher: warns before deadlines, records breaches and escalates, every minute."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any
from uuid import UUID

from support.app import Support
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
