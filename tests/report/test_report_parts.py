"""The report's building blocks: SVG charts, A/B result reading, filters, assets and policy,
and the packaging of the templates."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from markupsafe import Markup
from report_builders import TEST_KEY, make_ab_summary
from report_html import parse

from advisor.report import charts
from advisor.report.abresults import MAX_OUTPUT_CHARS, AbResultError, ab_view, load_summary
from advisor.report.render import assets, code_spans, format_ms, format_usd, plural, saving_text

HOSTILE = "<script>alert(1)</script>\" onload=\"x"


def svg_tree(markup: Markup):
    tree, errors = parse("<!DOCTYPE html><html><body>" + str(markup) + "</body></html>")
    assert errors == []
    return tree.one("svg")


# ---------------------------------------------------------------------------------------
# Charts
# ---------------------------------------------------------------------------------------


def test_bar_chart_escapes_labels_and_writes_values():
    svg = svg_tree(charts.bar_chart("c1", HOSTILE, [(HOSTILE, 3, "#123456"), ("b", 1, "#654321")]))
    assert svg.attrs["role"] == "img" and svg.attrs["aria-labelledby"] == "c1-title c1-desc"
    assert svg.one("title", id="c1-title").text() == HOSTILE
    assert svg.find_all("script") == [] and not any(k.startswith("on") for n in svg.iter() for k in n.attrs)
    bars = svg.find_all("g", cls="bar")
    assert [b.find_all("text")[-1].text() for b in bars] == ["3", "1"]
    widths = [float(b.find("rect").attrs["width"]) for b in bars]
    assert widths[0] == pytest.approx(3 * widths[1], rel=1e-2)


def test_bar_chart_with_nothing_to_show():
    svg = svg_tree(charts.bar_chart("empty", "Nothing", []))
    assert "nothing to show" in svg.text()


def test_token_bins_double():
    bins = charts.token_bins([0, 10, 255, 256, 1023, 1024, 20000, 70000])
    assert bins[0] == ("<256", 3) and bins[1] == ("256–512", 1) and bins[2] == ("512–1k", 1)
    assert bins[3] == ("1k–2k", 1) and bins[-1] == ("≥16k", 2)
    svg = svg_tree(charts.histogram("h", "Sizes", bins, x_label="tokens"))
    assert [g.find_all("text")[0].text() for g in svg.find_all("g", cls="bin")] == [str(c) for _, c in bins]


@pytest.mark.parametrize("low, high", [(0, 1), (0, 987), (120, 130), (0, 45000), (-250, 40)])
def test_nice_ticks_cover_the_range_in_round_steps(low, high):
    ticks = charts.nice_ticks(low, high)
    assert ticks[0] <= low and ticks[-1] >= high and 3 <= len(ticks) <= 12
    steps = {round(b - a, 6) for a, b in zip(ticks, ticks[1:])}
    assert len(steps) == 1
    step = steps.pop()
    mantissa = step / 10 ** (len(str(int(step))) - 1) if step >= 1 else step * 10 ** len(str(step).split(".")[1])
    assert round(mantissa) in (1, 2, 5, 10)


def test_distribution_plot_draws_every_trial_and_the_quartiles():
    before = [400, 410, 420, 430, 440, 900]
    svg = svg_tree(charts.distribution_plot("d", "TTFT", [("before", "before · m", before), ("after", "after · m", [])]))
    assert len(svg.find_all("circle")) == len(before)
    assert "no successful trials" in svg.text()
    assert "median 425 · p90 670" in svg.text()


# ---------------------------------------------------------------------------------------
# A/B results
# ---------------------------------------------------------------------------------------


def test_ab_view_of_a_real_summary(tmp_path):
    summary = make_ab_summary()
    path = tmp_path / "summary.json"
    path.write_text(json.dumps(summary))
    loaded, source = load_summary(tmp_path)
    assert loaded == summary and source.endswith("summary.json")
    view = ab_view(loaded, source, 1)
    assert view["verdict"]["faster"] == "after" and view["verdict"]["ci95"] == summary["verdict"]["ci95"]
    assert [v["metric"] for v in view["verdicts"]] == ["ttft_ms", "total_ms"]
    before = view["arms"][0]
    assert before["name"] == "before" and before["ttft_ms"]["median"] == summary["arms"]["before"]["ttft_ms"]["median"]
    assert before["input_tokens_median"] == 120 and before["cost_usd"] == summary["arms"]["before"]["cost_usd"]
    assert set(view["charts"]) == {"ttft_ms", "total_ms"}


def test_ab_view_masks_keys_and_cuts_long_outputs():
    summary = make_ab_summary(before_text=f"key {TEST_KEY} " + "x" * (MAX_OUTPUT_CHARS * 2))
    summary["warnings"] = [f"gateway said {TEST_KEY}"]
    view = ab_view(summary, f"runs/{TEST_KEY}/summary.json", 1)
    text = json.dumps({k: v for k, v in view.items() if k != "charts"})
    assert TEST_KEY not in text and "[redacted]" in text
    assert len(view["arms"][0]["output"]) == MAX_OUTPUT_CHARS and view["arms"][0]["output_cut"] > MAX_OUTPUT_CHARS / 2


def test_ab_view_without_successful_trials():
    summary = make_ab_summary()
    for trial in summary["trials"]:
        if trial["arm"] == "after":
            trial["error"] = "overloaded_error"
    summary["outputs"]["after"] = None
    view = ab_view(summary, "s.json", 2)
    assert view["arms"][1]["output"] is None
    assert "no successful trials" in str(view["charts"]["ttft_ms"])


def test_unreadable_ab_file(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes(b'{"a": "\xe9"}')
    with pytest.raises(AbResultError, match="latin1.json: cannot read it"):
        load_summary(path)


# ---------------------------------------------------------------------------------------
# Filters, assets, packaging
# ---------------------------------------------------------------------------------------


def test_code_spans_escape_everything():
    assert str(code_spans("use `<b>x</b>` & <i>y</i>")) == "use <code>&lt;b&gt;x&lt;/b&gt;</code> &amp; &lt;i&gt;y&lt;/i&gt;"
    assert str(code_spans("one ` tick <b>")) == "one ` tick &lt;b&gt;"
    assert str(code_spans(None)) == ""


def test_number_formats():
    assert [format_ms(v) for v in (None, 0, 12.4, 999, 1234, 65432)] == ["—", "0 ms", "12 ms", "999 ms", "1.23 s", "65.4 s"]
    assert format_ms(-250, signed=True) == "−250 ms" and format_ms(250, signed=True) == "+250 ms"
    assert [format_usd(v) for v in (None, 0, 0.0032, 0.5, 3.2, 222.4)] == ["—", "$0", "$0.0032", "$0.5", "$3.20", "$222"]
    assert plural(1, "file") == "1 file" and plural(1200, "file") == "1,200 files"


def test_saving_text_leaves_out_what_saves_nothing():
    assert saving_text({"visible_ttft_ms": 1200, "total_ms": 0, "cost_per_1k_calls_usd": 0}) == "1.20 s sooner to the first visible token"
    assert saving_text({"visible_ttft_ms": 0, "total_ms": 0, "cost_per_1k_calls_usd": None}) == "no measurable saving"
    assert saving_text(None) == ""


def test_policy_pins_the_inline_assets():
    bundle = assets()
    assert bundle["csp"].startswith("default-src 'none'; ")
    assert "unsafe-inline" not in bundle["csp"] and "http" not in bundle["csp"]
    assert "innerHTML" not in bundle["js"]


def test_templates_ship_inside_the_package():
    folder = resources.files("advisor.report") / "templates"
    assert {"report.html.j2", "report.css", "report.js"} <= {entry.name for entry in folder.iterdir()}
