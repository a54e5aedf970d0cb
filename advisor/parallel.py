"""Running per-file lint jobs on every core.

A cold lint of a large repository is CPU-bound Python: one process per core roughly
divides its time by the core count. Workers are forked (Linux only), so they inherit the
loaded rule pack, the compiled patterns and the jobs themselves (file bytes included)
instead of rebuilding or receiving them. Small runs (a pre-commit hook on a handful of
files) never fork, nor does a process running other threads (see `_threads_running`). Any failure to run in parallel falls back to this process, with the
same results.

The jobs are split into chunks, and every process, this one included, takes the next
chunk from a shared counter until none is left. On a machine whose other cores are busy
(CI runners, a laptop building something) the children get little time and this process
takes most chunks, so the run is not slower than a serial one; on idle cores every core
works. There is no pool: no feeder or manager thread in this process, which would compete
with it for the interpreter lock on every chunk (they cost this process a tenth of its
time). A child writes each finished chunk's results to a temporary file of its own, which
this process reads once its own chunks are done; a chunk a child did not finish (the child
died, or a job raised there) is run here, so an error surfaces as it would serially.
"""

from __future__ import annotations

import os
import sys
from typing import IO, TYPE_CHECKING, Any, Callable, Iterator

if TYPE_CHECKING:  # imported when workers fork: a small run never pays for multiprocessing or pickle
    from multiprocessing.sharedctypes import Synchronized


def cores() -> int:
    if not sys.platform.startswith("linux"):
        return 1  # fork() is unsafe (macOS) or missing (Windows): stay in one process
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _threads_running() -> bool:
    """Whether this process runs other Python threads (a host application calling
    `advisor.lint`). A forked child gets a copy of every lock, held or not, and only the
    forking thread: a lock another thread held at that moment (a logging handler's, a
    buffered stream's) stays held in the child for ever, and the child hangs the run. Such
    a process lints in one process instead; the command line starts no threads."""
    threading = sys.modules.get("threading")  # not imported: no thread was started with it
    return threading is not None and threading.active_count() > 1


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
        self.prepare = prepare  # run once before forking (or a large serial run): what every job needs
        self.min_parallel = min_parallel
        self.chunk = chunk
        self.workers = min(workers or cores(), 8)
        self.jobs: list[Any] = []
        self.children: list[int] = []  # process ids of forked workers not yet waited for

    def submit(self, job: Any) -> None:
        self.jobs.append(job)

    def results(self) -> list[Any]:
        jobs, self.jobs = self.jobs, []
        if self.workers < 2 or len(jobs) < self.min_parallel or _threads_running():
            if len(jobs) >= self.min_parallel and self.prepare is not None:
                self.prepare()  # a large run on one core: what every file needs (the encoder) built at once, as before forking
            return [self.work(job) for job in jobs]
        chunks = [jobs[start:start + self.chunk] for start in range(0, len(jobs), self.chunk)]
        done: dict[int, list[Any]] = {}
        try:
            self._run_in_parallel(chunks, done)
        except BaseException:  # interrupted, or a job raised here: the workers go too
            self._stop(kill=True)
            raise
        out: list[Any] = []
        for index, chunk in enumerate(chunks):
            out.extend(done[index] if index in done else [self.work(job) for job in chunk])
        return out

    def _run_in_parallel(self, chunks: list[list[Any]], done: dict[int, list[Any]]) -> None:
        """Fork the workers, take chunks here as well, then collect what the workers wrote.
        Chunks missing from ``done`` afterwards are left for the caller to run here."""
        import gc
        import multiprocessing
        import pickle
        import tempfile

        if self.prepare is not None:
            self.prepare()
        try:
            counter = multiprocessing.get_context("fork").Value("q", 0)
            outputs = [tempfile.TemporaryFile() for _ in range(self.workers - 1)]
        except OSError:
            return  # no shared memory or no temporary folder: all of it runs here
        sys.stdout.flush()
        sys.stderr.flush()
        gc.freeze()  # a collection in a child would write to every page it inherited
        try:
            for output in outputs:
                try:
                    pid = os.fork()
                except OSError:
                    break
                if pid == 0:  # the child: never returns
                    self._child(chunks, counter, output)
                self.children.append(pid)
        finally:
            gc.unfreeze()
        for index in _indexes(counter, len(chunks)):
            done[index] = [self.work(job) for job in chunks[index]]
        self._stop()
        for output in outputs:
            with output:
                output.seek(0)
                while True:
                    try:
                        index, results = pickle.load(output)
                    except EOFError:
                        break
                    except Exception:  # a record cut short (the child died writing it): the rest runs here
                        break
                    done[index] = results

    def _child(self, chunks: list[list[Any]], counter: Synchronized, output: IO[bytes]) -> None:
        """A forked worker: take chunks until none is left, writing each one's results as
        soon as it is done, then exit without running this process's exit handlers."""
        import pickle

        status = 0
        try:
            for index in _indexes(counter, len(chunks)):
                results = [self.work(job) for job in chunks[index]]
                pickle.dump((index, results), output, protocol=pickle.HIGHEST_PROTOCOL)
            output.flush()
        except BaseException:  # the chunk is run again by the parent, where the error shows
            status = 1
        finally:
            os._exit(status)

    def _stop(self, *, kill: bool = False) -> None:
        """Wait for every forked worker (``kill``: stop it first, this process is leaving)."""
        import signal

        for pid in self.children:
            if kill:
                try:
                    os.kill(pid, signal.SIGTERM)
                except OSError:
                    pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
        self.children = []


def _indexes(counter: Synchronized, total: int) -> Iterator[int]:
    """The chunk indexes this process takes, one at a time from the shared counter."""
    while True:
        with counter.get_lock():
            index = counter.value
            counter.value = index + 1
        if index >= total:
            return
        yield index
