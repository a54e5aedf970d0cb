"""Running per-file lint jobs on every core, starting while discovery is still walking.

A cold lint of a large repository is CPU-bound Python: one process per core roughly
divides its time by the core count. Workers are forked (Linux only), so they inherit the
loaded rule pack and compiled patterns instead of rebuilding them, and they start as soon
as the run proves large enough: the first jobs wait in a buffer, and once there are
``min_parallel`` of them the pool starts and discovery goes on feeding it. Small runs (a
pre-commit hook on a handful of files) never pay for a pool. Any failure to run in
parallel falls back to this process, with the same results.

This process is one of the workers: it forks one fewer, keeps only a few chunks queued in
the pool, and lints the next chunk itself whenever the pool is full. On a machine whose
other cores are busy (CI runners, a laptop building something) the children get little
time and this process does most of the work, so the run is not slower than a serial one;
on idle cores every core works.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # imported when a pool starts: a small run never pays for multiprocessing
    import concurrent.futures

_work: Callable[[Any], Any] | None = None  # what forked workers run; set before the fork


def _run_chunk(jobs: list[Any]) -> list[Any]:
    assert _work is not None
    return [_work(job) for job in jobs]


def cores() -> int:
    if not sys.platform.startswith("linux"):
        return 1  # fork() is unsafe (macOS) or missing (Windows): stay in one process
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class JobRunner:
    """Collects jobs in order and returns their results in the same order."""

    def __init__(
        self,
        work: Callable[[Any], Any],
        *,
        min_parallel: int = 200,
        chunk: int = 32,
        workers: int | None = None,
        prepare: Callable[[], None] | None = None,
    ) -> None:
        self.work = work
        self.prepare = prepare  # run once before forking: state the workers should inherit
        self.min_parallel = min_parallel
        self.chunk = chunk
        self.workers = min(workers or cores(), 8)
        self.children = self.workers - 1  # this process is the other worker
        self.buffer: list[Any] = []
        self.queue: list[tuple[int, list[Any]]] = []  # chunks not handed out yet: (part index, jobs)
        self.parts: list[Any] = []  # per chunk: a future or its list of results, in submission order
        self.outstanding: list[Any] = []  # futures handed to the pool, not yet known to be done
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None
        self.serial = self.children < 1

    def submit(self, job: Any) -> None:
        self.buffer.append(job)
        if self.serial:
            return
        if self.pool is None and len(self.buffer) >= self.min_parallel:
            self._start()
        if self.pool is not None and len(self.buffer) >= self.chunk:
            self._enqueue()
            self._share()

    def results(self) -> list[Any]:
        try:
            if self.pool is not None:
                self._enqueue()
                while self.queue:
                    self._share()
            else:
                self.parts.append([self.work(job) for job in self.buffer])
                self.buffer = []
            out: list[Any] = []
            for part in self.parts:
                out.extend(part if isinstance(part, list) else part.result())
            return out
        finally:
            self._stop()

    def _start(self) -> None:
        import concurrent.futures
        import multiprocessing

        global _work
        _work = self.work
        if self.prepare is not None:
            self.prepare()
        try:
            self.pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.children, mp_context=multiprocessing.get_context("fork")
            )
        except OSError:
            self.serial = True

    def _enqueue(self) -> None:
        jobs, self.buffer = self.buffer, []
        for start in range(0, len(jobs), self.chunk):
            self.parts.append(None)
            self.queue.append((len(self.parts) - 1, jobs[start:start + self.chunk]))

    def _share(self) -> None:
        """Hand queued chunks to the pool while it has room (two per child), then lint one
        here if any is left."""
        import concurrent.futures.process

        pool = self.pool
        assert pool is not None  # called only once the pool has started
        self.outstanding = [future for future in self.outstanding if not future.done()]
        while self.queue and len(self.outstanding) < 2 * self.children:
            index, jobs = self.queue.pop(0)
            try:
                self.parts[index] = pool.submit(_run_chunk, jobs)
                self.outstanding.append(self.parts[index])
            except (RuntimeError, concurrent.futures.process.BrokenProcessPool):
                self.parts[index] = [self.work(job) for job in jobs]
        if self.queue:
            index, jobs = self.queue.pop(0)
            self.parts[index] = [self.work(job) for job in jobs]

    def _stop(self) -> None:
        global _work
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        _work = None
