"""One spawned process, at a lower priority, for CPU-bound work a worker must not do in its own
event loop or threads (it would hold the GIL and stall the projections and their heartbeats)."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from collections.abc import Callable
from multiprocessing.pool import Pool
from typing import Any

import mode


def _lower_priority() -> None:
    os.nice(10)


class ProcessPool(mode.Service):
    """Runs `fn` (a module-level function, so the spawned process can import it) in one process,
    started on first use (spawn: never a fork of the worker's threads and loop) and ended with
    the worker, even in the middle of a call (work not stored is done again by the next
    worker)."""

    def __init__(self, fn: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._fn = fn
        self._pool: Pool | None = None

    async def run(self, *args: Any) -> Any:
        if self._pool is None:
            self._pool = multiprocessing.get_context("spawn").Pool(
                1, initializer=_lower_priority)
        loop = asyncio.get_running_loop()
        done: asyncio.Future[Any] = loop.create_future()

        def settle(set_it: Callable[[Any], None], value: Any) -> None:
            if not done.done():
                set_it(value)

        self._pool.apply_async(
            self._fn, args,
            callback=lambda r: loop.call_soon_threadsafe(settle, done.set_result, r),
            error_callback=lambda e: loop.call_soon_threadsafe(settle, done.set_exception, e))
        return await done

    async def on_stop(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool = None
