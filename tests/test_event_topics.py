"""Every stored event's topic resolves in a fresh process (a restarted service, a command).

eventsourcing registers an event class's pinned TOPIC only when its aggregate
pins its own topic too; a class that forgot would be written fine and then be
unreadable after a restart.
"""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import importlib, inspect, pkgutil, sys
from eventsourcing.domain import BaseAggregate, CanMutateAggregate
from eventsourcing.utils import construct_topic, resolve_topic

unresolved = []
for service in ("acquisition", "loyalty", "support", "analytics"):
    domain = importlib.import_module(f"{service}.domain")
    for info in pkgutil.iter_modules(domain.__path__):
        module = importlib.import_module(f"{service}.domain.{info.name}")
        for _, aggregate in inspect.getmembers(module, inspect.isclass):
            if not issubclass(aggregate, BaseAggregate) or aggregate.__module__ != module.__name__:
                continue
            classes = [aggregate] + [
                member for member in vars(aggregate).values()
                if isinstance(member, type) and issubclass(member, CanMutateAggregate)
            ]
            for cls in classes:
                topic = construct_topic(cls)
                try:
                    found = resolve_topic(topic)
                except Exception as error:
                    unresolved.append(f"{cls.__qualname__}: {topic}: {error}")
                    continue
                if found is not cls:
                    unresolved.append(f"{cls.__qualname__}: {topic} names {found}")
print("\\n".join(unresolved))
sys.exit(1 if unresolved else 0)
"""


def test_every_aggregate_and_event_topic_resolves_in_a_fresh_process() -> None:
    checked = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, check=False
    )

    assert checked.returncode == 0, checked.stdout + checked.stderr
