"""Nothing is lost, doubled or dead-lettered, whatever breaks while the ERP streams.

The real broker and the four services run as processes; the ERP simulator streams
orders, payments, cancellations, returns and shipments of newly registered customers
while an experiment SIGKILLs a service or the broker, resets committed offsets,
rebuilds read models or resends the ERP's facts. Then every read model is compared
with the oracle folded from what was sent (see ``oracle.py``).

``make test`` runs the experiments that matter most at a bounded size;
``make chaos`` (``CHAOS_SIZE=full``) runs every experiment at a realistic one.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chaos.experiments import BOUNDED, BOUNDED_SET, EVERY, FULL, Experiment, Result, World
from tests.chaos.rig import Rig

SIZE = FULL if os.environ.get("CHAOS_SIZE") == "full" else BOUNDED
CHOSEN = EVERY if SIZE is FULL else BOUNDED_SET

pytestmark = [pytest.mark.chaos, pytest.mark.e2e, pytest.mark.kafka]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    rig = Rig(Path(tmp_path_factory.mktemp("chaos")))
    try:
        rig.start()
        yield World(rig, SIZE)
    finally:
        rig.stop()


@pytest.mark.parametrize("experiment", CHOSEN, ids=lambda e: e.__name__)
def test_nothing_is_lost_doubled_or_dead_lettered(
    experiment: Experiment, world: World, chaos_results: list[Result]
) -> None:
    result = experiment(world)
    chaos_results.append(result)

    assert result.verdict.clean, result.verdict.summary()
    assert world.rig.dead_lettered() == 0
