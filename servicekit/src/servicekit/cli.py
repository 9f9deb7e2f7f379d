"""The command line of every service: ``python -m <service> [serve|rebuild-views]``."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Callable

import uvicorn
from fastapi import FastAPI

from servicekit import collector, logs
from servicekit.handlers import Projection
from servicekit.rebuild import replay
from servicekit.service import Runtime


def main(build_runtime: Callable[[], Runtime], create_app: Callable[[Runtime], FastAPI]) -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="run the HTTP API, the relay and the consumers (default)")
    commands.add_parser("rebuild-views", help="drop the read models and replay them from offset 0")
    arguments = parser.parse_args()
    runtime = build_runtime()
    settings = runtime.settings
    if arguments.command == "rebuild-views":
        logs.configure(settings.service_name, "WARNING")
        collector.settle()
        for handler in runtime.handlers:
            if isinstance(handler, Projection):
                count = asyncio.run(replay(handler, settings.kafka_bootstrap_servers))
                print(f"{settings.service_name} {handler.name}: replayed {count} messages")
        return
    uvicorn.run(
        create_app(runtime),
        host=settings.host,
        port=settings.port,
        log_config=None,
        access_log=False,
        loop="uvloop",  # libuv's event loop and httptools' parser: less of each
        http="httptools",  # request's CPU goes to the loop and the HTTP framing
    )
