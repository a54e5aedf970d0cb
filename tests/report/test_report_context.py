"""The report's data: impact ordering with and without estimates, summary totals, excerpts
(exact marks, long lines and spans, masked keys), fixes as diffs, caps for big repos."""

from __future__ import annotations

from pathlib import Path

import pytest
from report_builders import TEST_KEY, call, call_estimate, finding, result_of, saving

from advisor.excerpts import MAX_LINE_CHARS, excerpt, fix_diff, line_pieces
from advisor.fixes import Edit, Fix
from advisor.model import Severity, Span
from advisor.report.context import Limits, build_context
from advisor.results import FileReport
from advisor.secrets import MASK


def _marked(view: dict) -> str:
    return "".join(p["text"] for row in view["rows"] for p in row["pieces"] if p["mark"])


def _shown(view: dict) -> str:
    return "\n".join("".join(p["text"] for p in row["pieces"]) for row in view["rows"] if not row["gap"])


# ---------------------------------------------------------------------------------------
# Ordering and totals
# ---------------------------------------------------------------------------------------


def test_findings_with_estimates_are_ordered_by_saving_then_severity(tmp_path):
    findings = [
        finding("rule-small", "a.txt", Span(1, 1, 1, 2), severity=Severity.ERROR, estimate=saving(50, 50, 0.1)),
        finding("rule-big", "b.txt", Span(1, 1, 1, 2), estimate=saving(1500, 2000, 2.0)),
        finding("rule-big", "c.txt", Span(1, 1, 1, 2), estimate=saving(300, 300, 0.5)),
        finding("rule-none", "d.txt", Span(1, 1, 1, 2), severity=Severity.ERROR),  # no estimate
        finding("rule-none", "e.txt", Span(1, 1, 1, 2), severity=Severity.ERROR),
    ]
    context = build_context(result_of(findings), base=tmp_path)
    assert [g["name"] for g in context["rules"]] == ["rule-big", "rule-small", "rule-none"]
    big = context["rules"][0]
    assert [f["path"] for file in big["files"] for f in file["findings"]] == ["b.txt", "c.txt"]
    # a group's time saving is its largest call's (times at unrelated sites never add up); money adds up
    assert big["saving"]["visible_ttft_ms"] == 1500 and big["saving"]["cost_per_1k_calls_usd"] == pytest.approx(2.5)
    savings = context["summary"]["savings"]
    assert savings["findings"] == 3 and savings["sites"] == 3
    assert "visible_ttft_ms" not in savings  # no sum over unrelated call sites
    assert savings["largest"]["location"] == "b.txt:1:1" and savings["largest"]["anchor"] == "f1"
    assert savings["largest"]["visible_ttft_ms"] == 1500
    assert savings["median"]["visible_ttft_ms"] == 300 and savings["median"]["total_ms"] == 300
    assert savings["traffic"] is None
    assert context["has_estimates"] is True
    assert context["charts"]["savings_by_rule"] is not None
    assert [row["path"] for row in context["files"]["rows"]][:2] == ["b.txt", "c.txt"]


def test_without_estimates_groups_are_ordered_by_severity_then_count(tmp_path):
    findings = [
        finding("few-warnings", "a.txt", Span(1, 1, 1, 2)),
        finding("many-warnings", "a.txt", Span(2, 1, 2, 2)),
        finding("many-warnings", "b.txt", Span(2, 1, 2, 2)),
        finding("many-warnings", "c.txt", Span(2, 1, 2, 2)),
        finding("one-error", "z.txt", Span(1, 1, 1, 2), severity=Severity.ERROR),
        finding("infos", "a.txt", Span(3, 1, 3, 2), severity=Severity.INFO),
    ]
    context = build_context(result_of(findings), base=tmp_path)
    assert [g["name"] for g in context["rules"]] == ["one-error", "many-warnings", "few-warnings", "infos"]
    assert context["summary"]["savings"] is None and context["has_estimates"] is False
    assert context["charts"]["savings_by_rule"] is None
    assert [r["count"] for r in context["summary"]["by_severity"]] == [1, 4, 1]
    assert [r["name"] for r in context["summary"]["by_rule"]] == [g["name"] for g in context["rules"]]


def test_partial_and_malformed_estimates_degrade(tmp_path):
    findings = [
        finding("r", "a.txt", Span(1, 1, 1, 2), estimate={"cost_per_1k_calls_usd": 1.5, "basis": "b"}),
        finding("r", "b.txt", Span(1, 1, 1, 2), estimate={"visible_ttft_ms": "fast"}),  # not a number: ignored
        finding("r", "c.txt", Span(1, 1, 1, 2), estimate="nonsense"),  # type: ignore[arg-type]
    ]
    context = build_context(result_of(findings), base=tmp_path)
    savings = context["summary"]["savings"]
    assert savings["findings"] == 1 and savings["largest"]["visible_ttft_ms"] is None
    assert savings["largest"]["cost_per_1k_calls_usd"] == 1.5 and savings["median"]["cost_per_1k_calls_usd"] == 1.5
    shown = [f for file in context["rules"][0]["files"] for f in file["findings"]]
    assert shown[0]["path"] == "a.txt" and shown[1]["saving"] is None


def test_the_headline_counts_each_call_site_once_and_weights_by_traffic(tmp_path):
    """Two suggestions on one call overlap: the site counts once, with the larger. The
    traffic table turns per-call savings into waiting and money saved per day."""
    calls = [call("app/chat.py", 10, end_line=16), call("app/batch.py", 5, end_line=9), call("configs/c.yaml", 1, end_line=6)]
    findings = [
        finding("oversized-model", "app/chat.py", Span(11, 5, 11, 20), estimate=saving(2000, 2500, 4.0)),
        finding("max-tokens-oversized", "app/chat.py", Span(12, 5, 12, 20), estimate=saving(500, 800, 1.0)),
        finding("oversized-model", "app/batch.py", Span(6, 5, 6, 20), estimate=saving(1000, 1200, 2.0)),
        finding("non-streaming-ui-call", "configs/c.yaml", Span(2, 1, 2, 5), estimate=saving(300, 0, 0.0)),
    ]
    report = FileReport("app/chat.py", "python", 100, [], calls=calls)
    traffic = {"app/chat.py:10": 10_000, "app/*.py": 50, "configs/**": 0}
    context = build_context(result_of(findings, files=[report]), base=tmp_path, traffic=traffic, traffic_root=Path.cwd())
    savings = context["summary"]["savings"]
    assert savings["findings"] == 4 and savings["sites"] == 3
    assert savings["largest"]["visible_ttft_ms"] == 2000 and savings["largest"]["location"] == "app/chat.py:11:5"
    assert savings["median"]["visible_ttft_ms"] == 1000  # of 2000, 1000 and 300: not 500 from the overlapping one
    weighted = savings["traffic"]
    assert weighted["sites"] == 2 and weighted["unweighted_sites"] == 1  # configs/** gives 0 calls a day
    assert weighted["calls_per_day"] == 10_050
    assert weighted["waiting_saved_ms_per_day"] == 10_000 * 2000 + 50 * 1000
    assert weighted["cost_saved_usd_per_day"] == pytest.approx(10_000 * 4.0 / 1000 + 50 * 2.0 / 1000)


def test_calls_table_with_and_without_estimates(tmp_path):
    report = FileReport(
        "app.py", "python", 400, [],
        calls=[
            call("app.py", 20, estimate=call_estimate(visible=2400, total=2600, cost=3.2)),
            call("app.py", 5, model={"dynamic": "settings.MODEL"}, max_tokens=None, stream=None, input_is_partial=True),
        ],
    )
    context = build_context(result_of([], files=[report]), base=tmp_path)
    rows = context["calls"]["rows"]
    assert [r["line"] for r in rows] == [5, 20]
    dynamic, estimated = rows
    assert dynamic["model"] == "settings.MODEL" and dynamic["model_dynamic"] and dynamic["max_tokens"] is None
    assert dynamic["stream"] == "depends" and dynamic["estimate"] is None and dynamic["input_is_partial"]
    assert estimated["estimate"]["visible_ttft_ms"] == 2400 and estimated["stream"] == "no"
    assert context["calls"]["has_estimates"] is True
    estimates = context["summary"]["call_estimates"]
    assert estimates["count"] == 1 and estimates["cost_per_1k_calls_usd"] == 3.2
    assert context["summary"]["call_input_tokens"] == 642 and context["summary"]["partial_calls"] == 1

    plain = build_context(result_of([], files=[FileReport("app.py", "python", 1, [], calls=[call("app.py", 3)])]), base=tmp_path)
    assert plain["calls"]["has_estimates"] is False and plain["summary"]["call_estimates"] is None


# ---------------------------------------------------------------------------------------
# Excerpts
# ---------------------------------------------------------------------------------------


def test_excerpt_marks_exact_columns_with_context_lines():
    lines = ["one", "two", "Answer in under 50 words please.", "four", "five", "six"]
    view, note = excerpt(lines, Span(3, 8, 3, 25))
    assert note is None
    assert [row["number"] for row in view["rows"]] == [1, 2, 3, 4, 5]
    assert [row["hit"] for row in view["rows"]] == [False, False, True, False, False]
    assert _marked(view) == "in under 50 words"
    assert _shown(view).splitlines()[2] == lines[2]


def test_multi_line_span_is_marked_on_every_line():
    lines = ["a = call(", "    model='x',", "    max_tokens=5,", ")", "after"]
    view, _ = excerpt(lines, Span(1, 5, 4, 2))
    assert _marked(view) == "call(" + "    model='x'," + "    max_tokens=5," + ")"
    # A span ending at column 1 of a line ends with the line before.
    view, _ = excerpt(lines, Span(2, 1, 4, 1))
    assert [row["number"] for row in view["rows"] if row["hit"]] == [2, 3]


def test_long_span_shows_its_ends_and_a_gap():
    lines = [f"line {n}" for n in range(1, 41)]
    view, _ = excerpt(lines, Span(5, 1, 30, 8))
    gaps = [row for row in view["rows"] if row["gap"]]
    assert len(gaps) == 1 and gaps[0]["skipped"] > 0
    numbers = [row["number"] for row in view["rows"] if not row["gap"]]
    assert numbers[0] == 3 and numbers[-1] == 32 and len(numbers) < 15
    assert numbers[-1] - numbers[0] + 1 == len(numbers) + gaps[0]["skipped"]


def test_long_line_is_cut_to_a_window_around_the_mark():
    line = "x" * 5000 + "in under 50 words" + "y" * 5000
    pieces = line_pieces(line, (5000, 5017))
    text = "".join(p["text"] for p in pieces)
    assert len(text) <= MAX_LINE_CHARS + 2
    assert [p["text"] for p in pieces if p["mark"]] == ["in under 50 words"]
    assert pieces[0]["elided"] and pieces[-1]["elided"]


@pytest.mark.parametrize(
    "mark",
    [(0, 5), (10, 40), (30, 200), (45, 60), None],
    ids=["before", "into-key", "across-key", "inside-key", "no-mark"],
)
def test_keys_are_masked_whole_wherever_the_mark_and_window_fall(mark):
    line = "api_key = '" + TEST_KEY + "'  # " + "z" * 400
    pieces = line_pieces(line, mark)
    text = "".join(p["text"] for p in pieces)
    assert MASK in text
    body = TEST_KEY.split("-", 3)[-1]
    for size in (8, len(body)):
        for start in range(0, len(body) - size + 1):
            assert body[start:start + size] not in text


def test_excerpt_past_the_end_of_a_changed_file_is_a_note():
    view, note = excerpt(["only line"], Span(9, 1, 9, 4))
    assert view is None and "past the end" in note


def test_missing_and_unreadable_files_render_with_a_note(tmp_path):
    (tmp_path / "binary.txt").write_bytes(b"bad \xc3\x28 utf8 \xfa")
    (tmp_path / "folder").mkdir()
    findings = [
        finding("r", "gone.txt", Span(1, 1, 1, 3)),
        finding("r", "binary.txt", Span(1, 1, 1, 3)),
        finding("r", "folder", Span(1, 1, 1, 3)),
    ]
    context = build_context(result_of(findings), base=tmp_path)
    views = {f["path"]: f for file in context["rules"][0]["files"] for f in file["findings"]}
    assert views["gone.txt"]["excerpt"] is None and "no longer exists" in views["gone.txt"]["excerpt_note"]
    assert views["binary.txt"]["excerpt"] is None and "not readable text" in views["binary.txt"]["excerpt_note"]
    assert views["folder"]["excerpt"] is None and views["folder"]["excerpt_note"]


def test_each_file_is_read_once(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("one\ntwo\nthree\n")
    reads = []
    original = Path.read_bytes

    def counting(self):
        reads.append(self.name)
        return original(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    findings = [finding(f"rule-{n}", "a.txt", Span(n, 1, n, 3)) for n in (1, 2, 3)]
    build_context(result_of(findings), base=tmp_path)
    assert reads == ["a.txt"]


# ---------------------------------------------------------------------------------------
# Fixes as diffs
# ---------------------------------------------------------------------------------------


def test_fix_is_shown_as_a_unified_diff_of_the_affected_lines(tmp_path):
    text = "# header\nmodel: claude-opus-4-8\nmax_tokens: 100\nmessages: []\n"
    (tmp_path / "c.yaml").write_text(text)
    start = text.index("claude-opus-4-8")
    fix = Fix("use claude-opus-5-5", "unsafe", (Edit(start, start + len("claude-opus-4-8"), "claude-opus-5-5"),))
    other = Fix("other", "safe", (Edit(0, 8, "# changed"),))  # another finding's fix: must not show
    findings = [
        finding("outdated-model", "c.yaml", Span(2, 8, 2, 23), fix=fix),
        finding("something-else", "c.yaml", Span(1, 1, 1, 9), fix=other),
    ]
    context = build_context(result_of(findings), base=tmp_path)
    view = next(f for g in context["rules"] if g["name"] == "outdated-model" for file in g["files"] for f in file["findings"])
    assert view["fix"] == {"description": "use claude-opus-5-5", "safety": "unsafe", "applies": True}
    rows = view["diff"]["rows"]
    assert rows[0] == {"kind": "hunk", "text": "@@ -1,3 +1,3 @@"}
    assert [(r["kind"], r["text"]) for r in rows[1:]] == [
        ("context", " # header"),
        ("removed", "-model: claude-opus-4-8"),
        ("added", "+model: claude-opus-5-5"),
        ("context", " max_tokens: 100"),
    ]
    assert view["diff"]["header"] == ["--- a/c.yaml", "+++ b/c.yaml"]


def test_fix_with_edits_far_apart_gives_one_hunk_each():
    lines = [f"line {n}" for n in range(1, 31)]
    text = "\n".join(lines) + "\n"
    second = text.index("line 2\n")
    twentieth = text.index("line 20\n")
    fix = Fix("two edits", "safe", (Edit(second, second + 6, "LINE 2"), Edit(twentieth, twentieth + 7, "LINE 20")))
    rows = fix_diff("a.txt", text, fix)["rows"]
    assert [r["text"] for r in rows if r["kind"] == "hunk"] == ["@@ -1,3 +1,3 @@", "@@ -19,3 +19,3 @@"]
    assert [r["text"] for r in rows if r["kind"] in ("removed", "added")] == ["-line 2", "+LINE 2", "-line 20", "+LINE 20"]
    assert [r["text"] for r in rows if r["kind"] == "context"] == [" line 1", " line 3", " line 19", " line 21"]


def test_fix_that_no_longer_fits_the_file_shows_no_diff():
    fix = Fix("x", "safe", (Edit(100, 120, "y"),))
    assert fix_diff("a.txt", "short text", fix) is None


def test_fix_diff_masks_keys():
    text = f'client = Anthropic(api_key="{TEST_KEY}")\n'
    start = text.index(TEST_KEY) - 1
    fix = Fix("read the key from the environment", "unsafe", (Edit(start, start + len(TEST_KEY) + 2, 'os.environ["ANTHROPIC_API_KEY"]'),))
    diff = fix_diff("a.py", text, fix)
    shown = "\n".join(r["text"] for r in diff["rows"])
    assert TEST_KEY not in shown and MASK in shown and 'os.environ["ANTHROPIC_API_KEY"]' in shown


# ---------------------------------------------------------------------------------------
# Big repositories
# ---------------------------------------------------------------------------------------


def test_caps_keep_big_groups_small(tmp_path):
    findings = [finding("wordy", f"p/{n:04d}.txt", Span(1, 1, 1, 2)) for n in range(300)]
    findings += [finding("wordy", "p/0000.txt", Span(n, 1, n, 2)) for n in range(2, 40)]
    limits = Limits(excerpts_per_rule=10, more_files=50, more_lines=5)
    context = build_context(result_of(findings), base=tmp_path, limits=limits)
    group = context["rules"][0]
    shown = sum(len(file["findings"]) for file in group["files"])
    assert shown == 10 and group["count"] == 338 and group["open"] is False
    more = group["more"]
    assert more["count"] == 328 and more["files_omitted"] == more["file_count"] - 50
    assert len(more["files"]) == 50
    busy = next(m for m in more["files"] if m["path"] == "p/0000.txt")
    assert len(busy["lines"]) == 5 and busy["more_lines"] == busy["count"] - 5


def test_small_reports_open_their_groups(tmp_path):
    context = build_context(result_of([finding("r", "a.txt", Span(1, 1, 1, 2))]), base=tmp_path)
    assert context["rules"][0]["open"] is True


def test_every_context_variable_is_documented(tmp_path):
    """The module docstring is the --template reference: it must name every variable."""
    import re

    from advisor.report import context as module

    documented = set(re.findall(r"^``(\w+)``", module.__doc__, re.MULTILINE))
    context = build_context(result_of([finding("r", "a.txt", Span(1, 1, 1, 2))]), base=tmp_path)
    assert documented == set(context) | {"assets"}
