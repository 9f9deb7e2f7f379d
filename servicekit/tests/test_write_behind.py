"""A write behind the next poll is in flight until it is written, also while it is awaited."""

from __future__ import annotations

import asyncio

from servicekit.consumer import WriteBehind


async def test_a_write_being_awaited_is_still_in_flight() -> None:
    # Given a write that waits on its database
    writes: WriteBehind[str] = WriteBehind()
    database = asyncio.Event()

    async def write() -> str:
        await database.wait()
        return "written"

    await writes.begin(write())

    # When the consumer awaits it
    awaiting = asyncio.create_task(writes.finished())
    await asyncio.sleep(0.01)

    # Then it is in flight until the database answers, and then no longer
    assert writes.pending is not None
    database.set()
    assert await awaiting == "written"
    assert writes.pending is None
    assert await writes.finished() is None
