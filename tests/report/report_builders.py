"""Builders shared by the report tests: a small repository with real anti-patterns (and
hostile content), `advisor ab` summaries made by the live package's own summarizer, and
lint results built by hand with and without the engine's estimates."""

from __future__ import annotations

import textwrap
from typing import Any

from advisor.model import Finding, Severity, Span
from advisor.results import FileReport, LintResult

# Key-shaped, and distinctive so a test can look for any piece of it in the output.
TEST_KEY = "sk-ant-api03-REPORTTESTKEY9ZqXw7Vt5Rs3Pn1Ml0Kj-Hg8Fe6Dc4Ba2"
XSS_NAME = "<img src=x onerror=window.__xss=1>.txt"
XSS_SCRIPT = "<script>window.__xss=2</script>"
XSS_IMG = '<img src=x onerror="window.__xss=3">'

REPO_FILES = {
    "prompts/summary.txt": "You are a support assistant.\n\nSummarize the ticket in no more than 120 words.\n",
    f"prompts/{XSS_NAME}": f"{XSS_SCRIPT} Answer in under 50 words. {XSS_IMG}\n",
    "prompts/reply.j2": "Reply in at most {{ '<script>window.__xss=4</script>' }} words.\n{{ message }}\n",
    "configs/classify.yaml": (
        "model: claude-opus-4-8\n"
        "max_tokens: 100\n"
        "messages:\n"
        "  - role: user\n"
        "    content: \"Explain the likely root cause of this ticket, step by step: {{ ticket }}\"\n"
    ),
    "configs/chat.yaml": (
        "# The live chat widget\n"
        "x-advisor: {runs-in: ui}\n"
        "model: claude-sonnet-5-5\n"
        "system: >-\n"
        "  You answer customers.\n"
        "messages:\n"
        "  - role: user\n"
        "    content: \"{{ question }}\"\n"
    ),
    "app/chat.py": textwrap.dedent(
        f'''\
        import anthropic
        from flask import Flask

        app = Flask(__name__)
        client = anthropic.Anthropic(api_key="{TEST_KEY}")


        @app.route("/chat")
        def chat():
            answer = client.messages.create(
                model="claude-haiku-5-5",
                max_tokens=300,
                messages=[{{"role": "user", "content": "hello"}}],
            )
            return answer.content[0].text
        '''
    ),
}



def _trial(seq: int, arm: str, ttft: float, total: float, text: str, *, warmup: bool = False) -> dict[str, Any]:
    return {
        "seq": seq, "arm": arm, "warmup": warmup, "block": seq // 2, "model": "", "stream": True,
        "started_at": "2026-01-01T00:00:00.000+00:00", "ttft_ms": ttft, "total_ms": total,
        "tokens_per_s": 80.0, "input_tokens": 120, "output_tokens": 40 if arm == "before" else 35,
        "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0, "stop_reason": "end_turn",
        "truncated": False, "cost_usd": 0.0004, "error": None, "request_id": f"req_{seq}", "attempts": 1,
        "text": text,
    }


def make_ab_summary(before_text: str = "Before answer.", after_text: str = "After answer.", trials: int = 8) -> dict[str, Any]:
    """A summary made by the live package's own code from hand-written trials: before
    answers in ~400 ms, after in ~150 ms."""
    from advisor.catalog import load_catalog
    from advisor.live.plan import Arm, Plan, TrialSettings
    from advisor.live.summary import summarize

    body = {"max_tokens": 256, "stream": True, "messages": [{"role": "user", "content": "Classify this ticket."}]}
    arms = [
        Arm("before", {**body, "model": "claude-opus-5-5"}, "configs/before.yaml"),
        Arm("after", {**body, "model": "claude-haiku-5-5"}, "configs/after.yaml"),
    ]
    plan = Plan(arms, TrialSettings(trials=trials, warmup=1, seed=3), load_catalog())
    records = [_trial(0, "before", 900, 1500, before_text, warmup=True), _trial(1, "after", 700, 900, after_text, warmup=True)]
    seq = 2
    for i in range(trials):
        records.append(_trial(seq, "before", 400 + 7 * i, 900 + 11 * i, before_text))
        records.append(_trial(seq + 1, "after", 150 + 5 * i, 480 + 9 * i, after_text))
        seq += 2
    return summarize(plan, records, "complete", sum(r["cost_usd"] for r in records))



def finding(
    rule: str,
    path: str,
    span: Span,
    *,
    severity: Severity = Severity.WARNING,
    code: str = "X000",
    message: str = "message",
    suggestion: str | None = None,
    estimate: dict[str, Any] | None = None,
    fix: Any = None,
) -> Finding:
    return Finding(rule, code, severity, path, span, message, suggestion, fix=fix, estimate=estimate)


def saving(ttft: float | None, total: float | None = None, cost: float | None = None) -> dict[str, Any]:
    return {"visible_ttft_ms": ttft, "total_ms": total, "cost_per_1k_calls_usd": cost, "basis": "test latency model"}


def call(path: str, line: int, *, estimate: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    data = {
        "path": path, "line": line, "column": 1, "api": "messages.create", "function": "handler",
        "model": "claude-sonnet-5-5", "max_tokens": 512, "stream": False, "runs_in": "ui",
        "runs_in_reason": "Flask route `chat`", "input_tokens": 321, "input_is_partial": False,
    }
    data.update(fields)
    if estimate is not None:
        data["estimate"] = estimate
    return data


def call_estimate(visible: float = 2400, total: float = 2400, cost: float = 3.2) -> dict[str, Any]:
    return {
        "model": "claude-sonnet-5-5", "input_tokens": 321, "output_tokens": 200, "output_basis": "max_tokens",
        "ttft_ms": 600, "total_ms": total, "visible_ttft_ms": visible, "cost_per_1k_calls_usd": cost,
        "assumption": "latency model in rules/latency.yaml",
    }


def result_of(findings: list[Finding], files: list[FileReport] | None = None) -> LintResult:
    if files is None:
        paths = sorted({f.path for f in findings})
        files = [FileReport(p, "prompt", 100, [f for f in findings if f.path == p]) for p in paths]
    return LintResult(sorted(findings, key=Finding.sort_key), files, [])
