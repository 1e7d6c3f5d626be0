"""Group commit (`services/infra/coalesce.py`): concurrent callers share a batch, and each gets
its own answer or its batch's error."""

from __future__ import annotations

import asyncio

import pytest

from services.infra.coalesce import Coalescer


class Recorder:
    """A batch function that keeps each batch and waits at a door before answering."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.door = asyncio.Event()
        self.door.set()

    async def __call__(self, items: list[int]) -> list[int]:
        self.batches.append(list(items))
        await self.door.wait()
        if any(i < 0 for i in items):
            raise ValueError("a negative item")
        return [i * 10 for i in items]


async def settle() -> None:
    """Let every task that can run, run (a call, then the batch it starts)."""
    for _ in range(5):
        await asyncio.sleep(0)


def test_a_call_alone_runs_at_once_as_a_batch_of_one() -> None:
    async def scenario() -> None:
        batch = Recorder()
        write = Coalescer(batch)
        assert await write(1) == 10
        assert await write(2) == 20
        assert batch.batches == [[1], [2]]

    asyncio.run(scenario())


def test_calls_made_while_a_batch_is_in_flight_go_together_in_the_next() -> None:
    async def scenario() -> None:
        batch = Recorder()
        batch.door.clear()
        write = Coalescer(batch)
        first = asyncio.create_task(write(1))
        await settle()
        assert batch.batches == [[1]]
        later = [asyncio.create_task(write(i)) for i in (2, 3, 4)]
        await settle()
        assert not first.done()
        batch.door.set()
        assert await first == 10
        assert await asyncio.gather(*later) == [20, 30, 40]
        assert batch.batches == [[1], [2, 3, 4]]

    asyncio.run(scenario())


def test_a_failed_batch_fails_each_of_its_calls_and_not_the_next_batch() -> None:
    async def scenario() -> None:
        batch = Recorder()
        batch.door.clear()
        write = Coalescer(batch)
        first = asyncio.create_task(write(-1))
        await settle()
        failing_too = asyncio.create_task(write(-2))
        await settle()
        batch.door.set()
        with pytest.raises(ValueError):
            await first
        with pytest.raises(ValueError):
            await failing_too
        assert await write(5) == 50

    asyncio.run(scenario())


def test_a_batch_holds_at_most_its_limit() -> None:
    async def scenario() -> None:
        batch = Recorder()
        batch.door.clear()
        write = Coalescer(batch, limit=2)
        calls = [asyncio.create_task(write(i)) for i in range(5)]
        await settle()
        batch.door.set()
        assert await asyncio.gather(*calls) == [0, 10, 20, 30, 40]
        assert batch.batches == [[0, 1], [2, 3], [4]]

    asyncio.run(scenario())
