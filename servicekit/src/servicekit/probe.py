"""Asks the Kafka cluster whether it answers, for /readyz.

The relay and the consumers cannot say it themselves: an idle relay has nothing
to fail on, and a consumer waits out an outage without an error. So the probe asks
the cluster for its metadata (its brokers and topics) through an admin client of
its own, within a short timeout, and remembers the answer for a moment: a
readiness probe every few seconds from several places costs the cluster one
metadata request at most every ``fresh_for`` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient


@dataclass(frozen=True)
class BrokerAnswer:
    reachable: bool
    detail: str
    asked_at: float  # monotonic


class BrokerProbe:
    """Asks the cluster for its metadata at most every ``fresh_for`` seconds."""

    def __init__(
        self, bootstrap_servers: str, timeout: float = 2.0, fresh_for: float = 1.5
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.timeout = timeout
        self.fresh_for = fresh_for
        self._admin: AIOKafkaAdminClient | None = None
        self._last: BrokerAnswer | None = None
        self._asking: asyncio.Future[BrokerAnswer] | None = None

    async def ask(self) -> BrokerAnswer:
        """The cluster's answer, at most ``fresh_for`` seconds old; callers arriving
        while a question is out share its answer."""
        last = self._last
        if last is not None and time.monotonic() - last.asked_at < self.fresh_for:
            return last
        if self._asking is None or self._asking.done():
            self._asking = asyncio.ensure_future(self._ask())
        return await asyncio.shield(self._asking)

    async def _ask(self) -> BrokerAnswer:
        asked_at = time.monotonic()
        try:
            topics = await asyncio.wait_for(self._list_topics(), self.timeout)
            answer = BrokerAnswer(True, f"answered ({len(topics)} topics)", asked_at)
        except TimeoutError:
            await self._drop_admin()
            answer = BrokerAnswer(
                False, f"unreachable: no answer within {self.timeout:.0f} s", asked_at
            )
        except Exception as error:
            await self._drop_admin()
            answer = BrokerAnswer(False, f"unreachable: {error!r}", asked_at)
        self._last = answer
        return answer

    async def _list_topics(self) -> list[str]:
        if self._admin is None:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self.bootstrap_servers,
                client_id="readiness",
                request_timeout_ms=int(self.timeout * 1000),
            )
            try:
                await admin.start()
            except BaseException:
                await admin.close()
                raise
            self._admin = admin
        topics: list[str] = await self._admin.list_topics()
        return topics

    async def _drop_admin(self) -> None:
        """Start afresh next time: a client that lost the cluster may keep stale state."""
        admin, self._admin = self._admin, None
        if admin is not None:
            with contextlib.suppress(Exception):
                await admin.close()

    async def close(self) -> None:
        if self._asking is not None:
            self._asking.cancel()
            with contextlib.suppress(BaseException):
                await self._asking
        await self._drop_admin()
