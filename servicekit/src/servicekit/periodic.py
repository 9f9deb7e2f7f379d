"""Jobs a service runs every few seconds beside its API and consumers: the domain's
timers (SLA deadlines, birthdays) and housekeeping sweeps.

Each round runs in a worker thread (the jobs read and write stores); a failed round,
e.g. a concurrent change or a store hiccup, is logged and the next one tries again.
Cancelled, the task ends only once its round's thread has: the stores outlive it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

log = logging.getLogger(__name__)

Job = Callable[[], Coroutine[Any, Any, None]]


def every(seconds: float, job: Callable[[], object], what: str) -> Job:
    """A background task for :class:`servicekit.service.Runtime`: ``job()`` every
    ``seconds`` (never when ``seconds`` <= 0); a truthy result is logged."""

    async def run_periodically() -> None:
        if seconds <= 0:
            return
        while True:
            await asyncio.sleep(seconds)
            round_ = asyncio.ensure_future(asyncio.to_thread(job))
            try:
                outcome = await asyncio.shield(round_)
            except asyncio.CancelledError:
                # a thread cannot be stopped: the service closes its stores once this
                # task ends, so the round must end first (closing SQLite under it crashed)
                await asyncio.wait([round_])
                raise
            except Exception:
                log.exception("%s failed; trying again next round", what)
                continue
            if outcome:
                log.info("%s", what, extra={"outcome": str(outcome)[:1000]})

    return run_periodically
