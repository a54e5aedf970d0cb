"""Carries out an `advisor ab` plan: trials in their planned order, within the budget,
each logged as it completes, and a clean stop on Ctrl-C.

* Order: the plan's slots (warm-ups, then balanced random blocks); with concurrency N
  up to N slots are in flight, dispatched in order.
* Budget: a slot is dispatched, and a failed attempt retried, only if the money already
  spent, plus the worst case of every attempt in flight, plus this attempt's worst case
  stays within the budget (a mid-stream error is billed, so a retry is reserved like a
  trial). A refused retry ends the run with status "budget".
* Resume: slots already in the log are skipped, their spend counts, and an
  until-confident run replays its interim looks on the logged data, so it stops (or
  goes on) exactly where the first run would have.
* Hopeless runs: after `GIVE_UP_AFTER` trials in a row fail the same way, with an error
  that more trials cannot cure (no connection, a refused key, a request the API rejects),
  dispatching stops with status "failed" and the reason, instead of spending the whole
  plan's time on retries.
* Ctrl-C: dispatching stops, the trials in flight are abandoned (the client is closed;
  they run in daemon threads, so a stalled read does not hold the process) and not
  logged, so a resumed run repeats them. Further Ctrl-C are ignored while the partial
  summary is written.
"""

from __future__ import annotations

import concurrent.futures as futures
import datetime as _dt
import signal
import threading
from dataclasses import dataclass
from typing import Any, Callable, Iterator

import anthropic

from . import stats
from .client import RetryPolicy, TrialResult, run_trial
from .cost import round_usd, usage_cost
from .plan import Plan, Slot
from .runlog import RunLog

COMPLETE = "complete"  # every planned trial ran
CONFIDENT = "confident"  # --until-confident stopped early: the interval excludes zero
BUDGET = "budget"  # the next trial could have gone over the budget
INTERRUPTED = "interrupted"  # Ctrl-C
FAILED = "failed"  # no trial succeeded, or the run gave up on an error that would not pass
GIVE_UP_AFTER = 3  # trials in a row failing with the same hopeless error
# Errors that the next trial will meet too, and what the user can do about each.
HOPELESS_ERRORS = {
    "connection_error": "could not connect to the API at {base_url}; is it running and reachable (ANTHROPIC_BASE_URL)?",
    "authentication_error": "the API refused the key; check ANTHROPIC_API_KEY",
    "permission_error": "the key may not use this model or endpoint",
    "billing_error": "the account cannot be billed",
    "not_found_error": "the API does not know the model or endpoint",
    "invalid_request_error": "the API rejects the request as written; check the config",
}
_POLL_S = 0.2  # wake this often while waiting, so Ctrl-C is handled at once everywhere


class _Cancelled(Exception):
    """Ends a trial in flight when the run is interrupted; its result is not logged."""


@dataclass(frozen=True)
class Progress:
    """A snapshot for the progress bar."""

    done: int
    planned: int
    spent_usd: float
    metric: str
    medians: dict[str, float | None]


@dataclass
class Outcome:
    """What a live run recorded per trial, how it ended, and what it spent."""

    records: list[dict[str, Any]]
    status: str
    spent_usd: float
    reason: str | None = None  # why a run stopped with status "failed"


class _DaemonPool(futures.Executor):
    """Each trial in a daemon thread (the loop keeps at most ``concurrency`` in flight).
    A ThreadPoolExecutor's threads are joined when the interpreter exits, so after Ctrl-C a
    request stalled in a read held the process for up to ``--timeout``; an abandoned trial
    here just ends with the process."""

    def submit(self, fn, /, *args, **kwargs):
        future: futures.Future[Any] = futures.Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(fn(*args, **kwargs))
            except BaseException as error:  # handed to whoever collects the future
                future.set_exception(error)

        threading.Thread(target=run, name="ab-trial", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        pass  # nothing to join: trials in flight were collected, or are abandoned


def _ignore_further_interrupts() -> None:
    """After the first Ctrl-C, a second one would cut the partial summary short (and print
    a traceback from wherever it landed); what is left to do takes well under a second."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="milliseconds")


class Runner:
    def __init__(
        self,
        plan: Plan,
        log: RunLog,
        client: anthropic.Anthropic,
        *,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> None:
        self.plan = plan
        self.settings = plan.settings
        self.log = log
        self.client = client
        self.policy = RetryPolicy(max_retries=plan.settings.max_retries)
        self.on_progress = on_progress or (lambda progress: None)
        self.records: list[dict[str, Any]] = []
        self.spent = 0.0
        self._cancelled = threading.Event()
        # the worst case of every attempt in flight (first tries and retries), under _money
        self._money = threading.Lock()
        self._reserved = 0.0
        self._extra: dict[int, float] = {}  # retries reserved per slot (by id)
        self._retries_refused = False
        self._failing: tuple[str | None, int] = (None, 0)  # the last error type and its run length
        self.gave_up: str | None = None

    def run(self, previous: list[dict[str, Any]]) -> Outcome:
        """Run the slots not in ``previous`` (the logged trials of an earlier session)."""
        self.records = list(previous)
        self.spent = sum(record.get("cost_usd") or 0.0 for record in previous)
        done = {record["seq"] for record in previous}
        slots = (slot for slot in self.plan.slots() if slot.seq not in done)
        pool = _DaemonPool()
        status = INTERRUPTED
        try:
            status = self._loop(pool, slots)
        except KeyboardInterrupt:
            _ignore_further_interrupts()  # saving the partial summary takes a moment: let it finish
            self._cancelled.set()  # trials in flight give up instead of retrying
            self.client.close()  # and their requests are abandoned
            # Ctrl-C can land between logging a trial and counting it: the log is what
            # --resume trusts, so the partial summary is made from it
            self.records = self.log.load_trials()
            self.spent = sum(record.get("cost_usd") or 0.0 for record in self.records)
        finally:
            pool.shutdown(wait=status != INTERRUPTED, cancel_futures=True)
        return Outcome(sorted(self.records, key=lambda r: r["seq"]), status, self.spent, self.gave_up)

    def _loop(self, pool: futures.Executor, slots: Iterator[Slot]) -> str:
        target = self.settings.trials  # main blocks allowed before the next look
        in_flight: dict[futures.Future[tuple[Slot, TrialResult, str]], float] = {}
        upcoming = next(slots)
        over_budget = False
        while True:
            while (len(in_flight) < self.settings.concurrency and not over_budget and not self._retries_refused
                   and self.gave_up is None):
                if not upcoming.warmup and upcoming.block >= target:
                    break
                worst = self._worst_case(upcoming)
                with self._money:
                    if self.spent + self._reserved + worst > self.settings.budget_usd:
                        over_budget = True
                        break
                    self._reserved += worst
                in_flight[pool.submit(self._execute, upcoming)] = worst
                upcoming = next(slots)
            if in_flight:
                self._collect(in_flight)
                continue
            if self.gave_up is not None:
                return FAILED
            if over_budget or self._retries_refused:
                return BUDGET
            target, status = self._look(target)
            if status is not None:
                return status

    def _collect(self, in_flight: dict[futures.Future[tuple[Slot, TrialResult, str]], float]) -> None:
        finished, _ = futures.wait(in_flight, timeout=_POLL_S, return_when=futures.FIRST_COMPLETED)
        for future in finished:
            worst = in_flight.pop(future)
            slot, result, started = future.result()
            with self._money:
                self._reserved -= worst + self._extra.pop(id(slot), 0.0)
            self._record(slot, result, started)

    def _look(self, target: int) -> tuple[int, str | None]:
        """At the end of the planned blocks: stop, or (until confident) plan more."""
        settings = self.settings
        if not settings.until_confident or target >= settings.trial_ceiling:
            return target, COMPLETE
        comparison = stats.compare(
            self._values("before"), self._values("after"),
            confidence=stats.stop_confidence(settings.looks), seed=settings.seed,
        )
        if comparison.faster is not None:
            return target, CONFIDENT
        return min(target + settings.trials, settings.trial_ceiling), None

    def _worst_case(self, slot: Slot) -> float:
        return self.plan.estimates[slot.arm].trial_usd_max or 0.0

    def _execute(self, slot: Slot) -> tuple[Slot, TrialResult, str]:
        started = _now()
        worst = self._worst_case(slot)

        def may_retry() -> bool:
            # another attempt may be billed in full: it needs room in the budget like a trial
            with self._money:
                if self.spent + self._reserved + worst > self.settings.budget_usd:
                    self._retries_refused = True
                    return False
                self._reserved += worst
                self._extra[id(slot)] = self._extra.get(id(slot), 0.0) + worst
                return True

        result = run_trial(self.client, self.plan.arm(slot.arm).body, self.policy, sleep=self._back_off, may_retry=may_retry)
        return slot, result, started

    def _back_off(self, seconds: float) -> None:
        """Wait before a retry, unless the run is being abandoned."""
        if self._cancelled.wait(seconds):
            raise _Cancelled

    def _record(self, slot: Slot, result: TrialResult, started: str) -> None:
        record = trial_record(slot, self.plan, result, started)
        self.log.append(record)
        self.records.append(record)
        with self._money:
            self.spent += record["cost_usd"] or 0.0
        self._watch_failures(record)
        self.on_progress(self._progress())

    def _watch_failures(self, record: dict[str, Any]) -> None:
        """Give up after `GIVE_UP_AFTER` trials in a row end in the same hopeless error."""
        error = record["error"]
        last, count = self._failing
        self._failing = (error, count + 1 if error == last else 1)
        if error in HOPELESS_ERRORS and self._failing[1] >= GIVE_UP_AFTER and self.gave_up is None:
            advice = HOPELESS_ERRORS[error].format(base_url=str(getattr(self.client, "base_url", "")).rstrip("/"))
            self.gave_up = f"stopped after {self._failing[1]} trials in a row failed with {error}: {advice}"

    def _values(self, arm: str) -> list[float]:
        """The headline metric of an arm's successful main trials so far."""
        key = self.settings.metric
        return [r[key] for r in self.records if r["arm"] == arm and not r["warmup"] and r[key] is not None]

    def _progress(self) -> Progress:
        arms = [arm.name for arm in self.plan.arms]
        medians = {arm: (stats.median(values) if (values := self._values(arm)) else None) for arm in arms}
        per_arm = self.settings.warmup + self.settings.trial_ceiling
        return Progress(len(self.records), per_arm * len(arms), self.spent, self.settings.metric, medians)


def trial_record(slot: Slot, plan: Plan, result: TrialResult, started: str) -> dict[str, Any]:
    """One line of the JSONL log: what was measured, what it cost, what went wrong."""
    arm = plan.arm(slot.arm)
    response = result.response
    usage = response.usage if response is not None else {}
    ttft_ms = _ms(response.ttft_s) if response is not None else None
    total_ms = _ms(response.total_s) if response is not None else None
    output_tokens = usage.get("output_tokens")
    return {
        "seq": slot.seq,
        "arm": slot.arm,
        "warmup": slot.warmup,
        "block": slot.block,
        "model": arm.model,
        "stream": arm.streamed,
        "started_at": started,
        "ttft_ms": ttft_ms,
        "total_ms": total_ms,
        "tokens_per_s": tokens_per_second(output_tokens, ttft_ms, total_ms) if arm.streamed else None,
        "input_tokens": usage.get("input_tokens"),
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": usage.get("cache_creation_input_tokens"),
        "cache_read_input_tokens": usage.get("cache_read_input_tokens"),
        "stop_reason": response.stop_reason if response is not None else None,
        "truncated": response is not None and response.stop_reason == "max_tokens",
        "request_id": result.request_id,
        "text": response.text if response is not None else None,
        "error": result.error,
        "error_message": result.error_message,
        "attempts": result.attempts,
        "retry_wait_ms": _ms(result.retry_wait_s),
        "cost_usd": _cost(plan, arm.model, result.usages),
    }


def tokens_per_second(output_tokens: int | None, ttft_ms: float | None, total_ms: float | None) -> float | None:
    """Generation speed after the first token: (output_tokens - 1) / (total - TTFT)."""
    if output_tokens is None or output_tokens < 2 or ttft_ms is None or total_ms is None or total_ms <= ttft_ms:
        return None
    return round((output_tokens - 1) / ((total_ms - ttft_ms) / 1000), 1)


def _cost(plan: Plan, model: str, usages: list[dict[str, Any]]) -> float | None:
    info = plan.catalog.get(model)
    if info is None:
        return None
    return round_usd(sum(usage_cost(info, usage) for usage in usages))


def _ms(seconds: float | None) -> float | None:
    """Milliseconds to a tenth: the clock and the network jitter far more than that."""
    return None if seconds is None else round(seconds * 1000, 1)
