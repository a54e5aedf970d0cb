"""The worker pool returns every job's result in submission order, whoever ran it (a
forked child or this process, which lints whenever the pool is full)."""

from __future__ import annotations

import os

import pytest

from advisor.parallel import JobRunner


def _square_and_who(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def _run(work, count: int, **options) -> tuple[JobRunner, list]:
    """A runner given jobs 0..count-1, and its results."""
    runner = JobRunner(work, **options)
    for n in range(count):
        runner.submit(n)
    return runner, runner.results()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_results_keep_their_order_and_both_processes_work():
    runner, results = _run(_square_and_who, 1000, min_parallel=10, chunk=7, workers=2)
    assert [square for square, _ in results] == [n * n for n in range(1000)]
    ran_here = sum(1 for _, pid in results if pid == os.getpid())
    assert 0 < ran_here  # this process took chunks too; how many depends on the load
    assert runner.children == []  # every worker waited for


def test_a_small_run_stays_in_this_process():
    _, results = _run(_square_and_who, 50, min_parallel=200, workers=2)
    assert [square for square, _ in results] == [n * n for n in range(50)]
    assert {pid for _, pid in results} == {os.getpid()}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_a_process_running_other_threads_never_forks():
    """A child forked while another thread holds a lock would hang on it: a host
    application with threads gets its results from this process."""
    import threading

    forks: list[int] = []
    os.register_at_fork(before=lambda: forks.append(1))
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        _, results = _run(_square_and_who, 1000, min_parallel=10, chunk=7, workers=2)
    finally:
        release.set()
        other.join()
    assert [square for square, _ in results] == [n * n for n in range(1000)]
    assert {pid for _, pid in results} == {os.getpid()}
    assert forks == []
    _, results = _run(_square_and_who, 1000, min_parallel=10, chunk=7, workers=2)  # the thread is gone
    assert [square for square, _ in results] == [n * n for n in range(1000)]
    assert forks == [1]


_PARENT = os.getpid()


def _square_here_only(n: int) -> tuple[int, int]:
    if os.getpid() != _PARENT:
        os._exit(3)  # a worker that dies (killed, out of memory) before writing anything
    return n * n, os.getpid()


def _fails_on_13(n: int) -> int:
    if n == 13:
        raise ValueError("job 13 failed")
    return n


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_chunks_a_dead_worker_took_are_run_here():
    runner, results = _run(_square_here_only, 300, min_parallel=10, chunk=5, workers=2)
    assert [square for square, _ in results] == [n * n for n in range(300)]
    assert {pid for _, pid in results} == {os.getpid()}
    assert runner.children == []


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_a_job_that_raises_in_a_worker_raises_here_as_in_a_serial_run():
    runner = JobRunner(_fails_on_13, min_parallel=10, chunk=4, workers=2)
    for n in range(200):
        runner.submit(n)
    with pytest.raises(ValueError, match="job 13 failed"):
        runner.results()
    assert runner.children == []


def test_a_large_run_on_one_core_prepares_once_up_front_and_a_small_one_never():
    prepared = []
    _, results = _run(_square_and_who, 20, min_parallel=10, workers=1, prepare=lambda: prepared.append("large"))
    assert [square for square, _ in results] == [n * n for n in range(20)]
    _run(_square_and_who, 5, min_parallel=10, workers=1, prepare=lambda: prepared.append("small"))
    assert prepared == ["large"]
