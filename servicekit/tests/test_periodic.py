"""A periodic job's round outlives the task's cancellation: the stores it uses are
closed only once it has ended."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time

from servicekit import periodic


def test_a_cancelled_job_ends_only_once_its_running_round_has_ended() -> None:
    started, ended = threading.Event(), threading.Event()

    def slow_round() -> None:
        started.set()
        time.sleep(0.3)
        ended.set()

    async def scenario() -> None:
        # Given a round running in its worker thread
        task = asyncio.create_task(periodic.every(0.01, slow_round, "slow round")())
        await asyncio.to_thread(started.wait, 5)
        # When the service stops the job
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        # Then the round had ended by the time the task did
        assert ended.is_set()
        assert task.cancelled()

    asyncio.run(scenario())
