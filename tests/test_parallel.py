"""The worker pool returns every job's result in submission order, whoever ran it (a
forked child or this process, which lints whenever the pool is full)."""

from __future__ import annotations

import os

import pytest

from advisor.parallel import JobRunner


def _square_and_who(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked")
def test_results_keep_their_order_and_both_processes_work():
    runner = JobRunner(_square_and_who, min_parallel=10, chunk=7, workers=2)
    for n in range(1000):
        runner.submit(n)
    results = runner.results()
    assert [square for square, _ in results] == [n * n for n in range(1000)]
    ran_here = sum(1 for _, pid in results if pid == os.getpid())
    assert 0 < ran_here  # this process took chunks too; how many depends on the load
    assert runner.pool is None  # shut down


def test_a_small_run_stays_in_this_process():
    runner = JobRunner(_square_and_who, min_parallel=200, workers=2)
    for n in range(50):
        runner.submit(n)
    results = runner.results()
    assert [square for square, _ in results] == [n * n for n in range(50)]
    assert {pid for _, pid in results} == {os.getpid()}
