"""Group commit for one-row writes: calls made while a batch is in flight go out together next.

A request path that writes one row per request (the gateway's accepted events, a new caller's
profile) pays a database round trip, a commit and a pool checkout per request. Under load many
such requests wait at the same moment; `Coalescer` hands the items of every call that arrives
while a batch is under way to the next call of the batch function, so they share one statement
and one commit. A call on an idle coalescer runs at once as a batch of one: nothing waits for
company. Each call returns only once the batch that carried its item has completed (a write is
as durable as before when its caller goes on), with its own item's result, or raises that
batch's error.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Coalescer(Generic[T, R]):
    """Runs `batch` over the items of concurrent calls, one batch at a time, in call order.
    `batch` returns one result per item, in the items' order. At most `limit` items go in one
    batch; the rest wait for the next."""

    def __init__(self, batch: Callable[[list[T]], Awaitable[Sequence[R]]], *,
                 limit: int = 1_000) -> None:
        self._batch = batch
        self._limit = limit
        self._waiting: list[tuple[T, asyncio.Future[R]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def __call__(self, item: T) -> R:
        done: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._waiting.append((item, done))
        if self._runner is None or self._runner.done():
            # a context of its own: the batch is no one caller's (log fields, correlation id)
            self._runner = asyncio.create_task(self._run(), context=contextvars.Context())
        return await done

    async def _run(self) -> None:
        while self._waiting:
            group = self._waiting[:self._limit]
            del self._waiting[:self._limit]
            try:
                results = await self._batch([item for item, _ in group])
                if len(results) != len(group):
                    raise RuntimeError(f"a batch of {len(group)} items gave {len(results)}"
                                       " results")
            except BaseException as exc:
                for _, done in group:
                    if not done.done():
                        done.set_exception(exc)
                if not isinstance(exc, Exception):  # cancelled: the callers waiting next too
                    for _, done in self._waiting:
                        if not done.done():
                            done.set_exception(exc)
                    self._waiting = []
                    raise
            else:
                for (_, done), result in zip(group, results, strict=True):
                    if not done.done():  # its caller may have given up (cancelled)
                        done.set_result(result)
