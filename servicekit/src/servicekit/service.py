"""Assembles a service: its store, relay, consumers and HTTP app, from settings.

The HTTP server starts even while Kafka is unreachable; a background task
connects (creating the topics), then runs the relay and the consumers, and
/readyz tells where it stands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI, Request
from fastapi_offline import FastAPIOffline

from contracts import TOPICS
from servicekit import collector, health, kafka, logs, metrics, openapi, problems
from servicekit.consumer import Handler, TrackedConsumer
from servicekit.edge import EdgeMiddleware
from servicekit.eventstore import ServiceApplication
from servicekit.health import Verdict
from servicekit.leadership import Lease, PostgresAdvisoryLease, SoleReplica
from servicekit.probe import BrokerProbe
from servicekit.relay import Relay, Translator
from servicekit.settings import ServiceSettings
from servicekit.views import ViewStore

log = logging.getLogger(__name__)


@dataclass
class Runtime:
    """Everything a service runs, built by its bootstrap module."""

    settings: ServiceSettings
    app: ServiceApplication
    translate: Translator
    handlers: Sequence[Handler] = ()
    views: ViewStore | None = None
    background: Sequence[Callable[[], Coroutine[Any, Any, None]]] = ()  # e.g. domain timers
    producer: AIOKafkaProducer | None = None
    relay: Relay | None = None
    consumers: list[TrackedConsumer] = field(default_factory=list)
    connected: bool = False
    broker: BrokerProbe | None = None

    @property
    def source(self) -> str:
        return f"/crm/{self.settings.service_name}"

    def topics(self) -> set[str]:
        consumed = {topic for handler in self.handlers for topic in handler.topics}
        everything = set(TOPICS) | consumed
        return everything | {f"{name}.dlq" for name in everything}

    async def connect(self) -> None:
        """Connect to Kafka (retrying), then run the relay and the consumers."""
        settings = self.settings
        delay = 0.5
        while True:
            try:
                if settings.kafka_create_topics:
                    await kafka.ensure_topics(
                        settings.kafka_bootstrap_servers,
                        self.topics(),
                        settings.kafka_topic_partitions,
                        settings.kafka_replication_factor,
                    )
                self.producer = kafka.producer(
                    settings.kafka_bootstrap_servers, f"{settings.service_name}-relay"
                )
                await self.producer.start()
                break
            except Exception:
                log.warning("Kafka unreachable; retrying", exc_info=True)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
        self.connected = True
        tasks = []
        if settings.relay_enabled:
            self.relay = Relay(
                self.app, self.producer, self.translate, self.source, lease=self.relay_lease()
            )
            tasks.append(self.relay.run())
        if settings.consumers_enabled:
            for handler in self.handlers:
                consumer = TrackedConsumer(
                    handler,
                    settings.kafka_bootstrap_servers,
                    f"{settings.consumer_group}-{handler.name}",
                    self.producer,
                    stall_after=settings.stall_seconds,
                )
                self.consumers.append(consumer)
                tasks.append(consumer.run())
        await asyncio.gather(*tasks)

    def relay_lease(self) -> Lease:
        """One publishing replica per service: a PostgreSQL lock, or the sole SQLite one."""
        settings = self.settings
        if settings.event_store == "postgres" and settings.postgres_dsn:
            return PostgresAdvisoryLease(settings.postgres_dsn, f"relay:{settings.service_name}")
        return SoleReplica()

    async def close(self) -> None:
        if self.broker is not None:
            await self.broker.close()
        if self.producer is not None:
            await self.producer.stop()
        self.app.close()
        if self.views is not None:
            self.views.close()

    # readiness checks (see README, Operations)
    async def store_check(self) -> Verdict:
        last = await asyncio.to_thread(self.app.recorder.max_notification_id)
        return Verdict(True, {"last_event": last or 0})

    async def kafka_check(self) -> Verdict:
        """The cluster answers now, and the relay publishes what waits."""
        if self.broker is None:
            self.broker = BrokerProbe(self.settings.kafka_bootstrap_servers)
        answer = await self.broker.ask()
        problems = [] if answer.reachable else [f"broker {answer.detail}"]
        detail: dict[str, object] = {"broker": answer.detail}
        if not self.connected:
            problems.append("connecting (creating topics, starting the producer)")
            detail["relay"] = "connecting"
        elif self.relay is None:
            detail["relay"] = "disabled"
        else:
            lag = await asyncio.to_thread(self.relay.lag)
            metrics.RELAY_LAG.labels(self.settings.service_name).set(lag)
            detail["relay_lag"] = lag
            detail["relay_leading"] = self.relay.leading
            problems += self.relay.problems(lag, self.settings.stall_seconds)
        return Verdict(not problems, detail, problems)

    async def consumers_check(self) -> Verdict:
        """Every consumer runs and applies what waits (lag counts what is not applied)."""
        if not (self.settings.consumers_enabled and self.handlers):
            return Verdict(True, {})
        healths = {consumer.handler.name: consumer.health() for consumer in self.consumers}
        problems = [
            f"{name} {problem}" for name, health in healths.items() for problem in health.problems
        ]
        started = healths.keys()
        problems += [f"{h.name} not started" for h in self.handlers if h.name not in started]
        detail = {name: health.detail() for name, health in healths.items()}
        return Verdict(not problems, detail, problems)


def create_http_app(runtime: Runtime, routers: Sequence[APIRouter], title: str) -> FastAPI:
    settings = runtime.settings

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        logs.configure(settings.service_name, settings.log_level)
        if settings.uses_development_key:
            log.warning(
                "tokens are signed with the published development key: "
                "set CRM_JWT_SIGNING_KEY (and CRM_JWT_REQUIRE_KEY=true) outside development"
            )
        collector.settle()
        tasks = [asyncio.create_task(runtime.connect(), name="kafka")]
        tasks += [asyncio.create_task(job()) for job in runtime.background]
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await runtime.close()

    # Swagger UI and ReDoc from the assets fastapi-offline ships: /docs works offline
    api = FastAPIOffline(title=title, lifespan=lifespan, version="0.1.0")
    api.state.runtime = runtime
    api.state.verification_keys = settings.verification_keys()
    problems.install(api)
    api.include_router(
        health.router(
            {
                "store": runtime.store_check,
                "kafka": runtime.kafka_check,
                "consumers": runtime.consumers_check,
            }
        )
    )
    for routes in routers:
        api.include_router(routes)
    openapi.document_problems(api)
    api.add_middleware(
        EdgeMiddleware,
        service=settings.service_name,
        verification_keys=api.state.verification_keys,
    )
    return api


A = TypeVar("A", bound=ServiceApplication)
H = TypeVar("H")


def application(kind: type[A]) -> Callable[[Request], Awaitable[A]]:
    """A FastAPI dependency giving routes the service's Application.

    Dependencies that only look something up are coroutines: FastAPI runs a plain
    function in its thread pool, a hop that cost more than the lookup itself."""

    async def dependency(request: Request) -> A:
        app = request.app.state.runtime.app
        if not isinstance(app, kind):
            raise TypeError(f"the runtime's application is not a {kind.__name__}")
        return app

    return dependency


def handler(kind: type[H]) -> Callable[[Request], Awaitable[H]]:
    """A FastAPI dependency giving routes one of the service's consumer handlers."""

    async def dependency(request: Request) -> H:
        for candidate in request.app.state.runtime.handlers:
            if isinstance(candidate, kind):
                return candidate
        raise LookupError(f"the runtime has no {kind.__name__}")

    return dependency
