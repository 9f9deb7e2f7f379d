"""The periodic birthday run: greets whoever is due, every ``every`` seconds.

Running often is harmless (a customer is greeted once a year) and lets a
service that was down on someone's birthday catch up within the terms' days.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from loyalty.app import Loyalty, utc_now

log = logging.getLogger(__name__)


def birthday_greeter(app: Loyalty, every: float) -> Callable[[], Coroutine[Any, Any, None]]:
    async def greet() -> None:
        while True:
            await asyncio.sleep(every)
            try:
                greeted = await asyncio.to_thread(app.greet_birthdays, utc_now().date())
                if greeted:
                    log.info("birthday greetings given", extra={"greeted": len(greeted)})
            except asyncio.CancelledError:
                raise
            except Exception:  # a concurrent change or a store hiccup: next round
                log.exception("birthday greetings failed; trying again next round")

    return greet
