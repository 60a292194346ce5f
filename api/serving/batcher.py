"""Server-side batching: the instances of concurrent requests run through the model together.

A request's instances join the pending batch and its coroutine waits. The first one starts a collector
task, which runs on the next event-loop iteration: every request that reached the batcher meanwhile
(under load, those the loop read and parsed together, and those that came in during the last run)
joins the batch. With `max_wait` > 0 the collector also yields while more requests keep arriving, up
to `max_size` instances or `max_wait` seconds: it stops at the first loop iteration that brings none,
so it never waits idle (bench/predict.py, 16 connections: batches of ~14 with 1 ms, ~8 with 0). It
then runs the batch and hands each request its slice of the outputs. An idle server therefore
answers at once. A request is never split; one larger than `max_size` runs as
a batch of its own.

The batch runs on the event loop's thread: a run of a compiled plan takes far less than a
millisecond for the models served here, and a thread would only add GIL hand-offs to every batch.
If a batch fails, each of its requests runs alone, so one bad request fails nobody else.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api.serving.instances import Columns

Outputs = Any  # what a batch's run returns (the server's: api.serving.instances.BatchOutputs)
Run = Callable[[Columns], Outputs]


@dataclass(slots=True)
class _Pending:
    columns: Columns
    count: int
    done: asyncio.Future[tuple[Outputs, int, int]]


class Batcher:
    """`await submit(columns, count)` → (the batch's outputs, start, stop) of this request's instances."""

    def __init__(
        self, run: Run, max_size: int, max_wait: float, on_batch: Callable[[int], None] = lambda n: None
    ) -> None:
        self._run, self._max_size, self._max_wait, self._on_batch = run, max_size, max_wait, on_batch
        self._pending: list[_Pending] = []
        self._pending_count = 0
        self._collector: asyncio.Task[None] | None = None

    async def submit(self, columns: Columns, count: int) -> tuple[Outputs, int, int]:
        loop = asyncio.get_running_loop()
        item = _Pending(columns, count, loop.create_future())
        self._pending.append(item)
        self._pending_count += count
        if self._collector is None:
            self._collector = loop.create_task(self._collect())
        return await item.done

    async def _collect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                deadline = loop.time() + self._max_wait
                while self._pending_count < self._max_size and loop.time() < deadline:
                    before = len(self._pending)
                    await asyncio.sleep(0)
                    if len(self._pending) == before:
                        break
                self._run_batch(self._take())
        finally:
            self._collector = None

    def _take(self) -> list[_Pending]:
        taken, count = 0, 0
        while taken < len(self._pending) and (taken == 0 or count + self._pending[taken].count <= self._max_size):
            count += self._pending[taken].count
            taken += 1
        batch, self._pending = self._pending[:taken], self._pending[taken:]
        self._pending_count -= count
        return batch

    def _run_batch(self, batch: list[_Pending]) -> None:
        live = [item for item in batch if not item.done.cancelled()]
        if not live:
            return
        columns = live[0].columns if len(live) == 1 else _merge([item.columns for item in live])
        try:
            outputs = self._run(columns)
        except Exception as exc:  # noqa: BLE001 - handed to the waiting request(s), never swallowed
            if len(live) == 1:
                live[0].done.set_exception(exc)
            else:
                for item in live:
                    self._run_batch([item])
            return
        self._on_batch(sum(item.count for item in live))
        start = 0
        for item in live:
            item.done.set_result((outputs, start, start + item.count))
            start += item.count


def _merge(parts: list[Columns]) -> Columns:
    merged: dict[str, list[Any]] = {name: [] for name in parts[0]}
    for columns in parts:
        for name, values in columns.items():
            merged[name].extend(values)
    return merged
