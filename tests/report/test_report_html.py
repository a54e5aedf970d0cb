"""`advisor report` end to end through the CLI, checked on the parsed HTML: structure,
escaping of hostile content, no external resources, secrets, A/B results, user templates."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import sys
from pathlib import Path

import pytest
from report_builders import TEST_KEY, XSS_IMG, XSS_NAME, XSS_SCRIPT, make_ab_summary
from report_html import Node, parse

from advisor.config import Settings
from advisor.engine import Linter
from advisor.report.command import DEFAULT_OUTPUT, generate
from advisor.report.render import assets

URL_ATTRIBUTES = {"src", "href", "srcset", "poster", "data", "action", "formaction", "xlink:href", "background",
                  "ping", "manifest", "codebase", "cite", "longdesc", "usemap", "lowsrc", "dynsrc"}


def report_of(run_cli, root: Path, *args) -> tuple[Node, str, object]:
    result = run_cli(root, "report", "--no-cache", "-o", "out/report.html", *args)
    assert result.exit_code in (0, 1), result.output
    html = (root / "out" / "report.html").read_text(encoding="utf-8")
    tree, errors = parse(html)
    assert errors == []
    return tree, html, result


def lint_json(run_cli, root: Path) -> dict:
    return json.loads(run_cli(root, "lint", "--no-cache", "--format", "json").stdout)


def findings_in(tree: Node) -> list[Node]:
    return tree.find_all("article", cls="finding")


# ---------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------


def test_writes_the_default_path_prints_it_and_exits_like_lint(sample_repo, run_cli):
    result = run_cli(sample_repo, "report", "--no-cache")
    assert result.exit_code == 1
    assert result.stdout.strip() == DEFAULT_OUTPUT.as_posix()
    assert "Found 8 findings" in result.stderr and "Report: reports/advisor-report.html" in result.stderr
    assert (sample_repo / DEFAULT_OUTPUT).is_file()
    assert run_cli(sample_repo, "report", "--no-cache", "--fail-on", "never").exit_code == 0
    assert run_cli(sample_repo, "report", "--no-cache", "--fail-on", "error").exit_code == 1
    assert run_cli(sample_repo, "report", "--no-cache", "--ignore", "missing-max-tokens,hardcoded-api-key",
                   "--fail-on", "error").exit_code == 0
    quiet = run_cli(sample_repo, "report", "--no-cache", "-q", "-o", "deep/er/r.html")
    assert quiet.stderr == "" and quiet.stdout.strip() == "deep/er/r.html" and (sample_repo / "deep/er/r.html").is_file()


def test_clean_repository_exits_0_and_says_so(make_repo, run_cli):
    root = make_repo({"prompts/ok.txt": "Summarize the ticket in 3 sentences.\n"})
    tree, _, result = report_of(run_cli, root)
    assert result.exit_code == 0
    assert tree.by_id("no-findings") is not None and findings_in(tree) == []
    assert tree.by_id("card-findings").find(cls="value").text() == "0"


def test_report_is_listed_by_the_cli(run_cli, tmp_path):
    result = run_cli(tmp_path, "--help")
    assert "report" in result.output
    help_text = run_cli(tmp_path, "report", "--help").output
    for option in ("--output", "--ab", "--template", "--title", "--fail-on", "--select", "--no-cache"):
        assert option in help_text


def test_config_errors_exit_2(make_repo, run_cli):
    root = make_repo({"prompts/a.txt": "Hi.\n", ".advisor.toml": "colour = true\n"})
    result = run_cli(root, "report")
    assert result.exit_code == 2 and "unknown key `colour`" in result.output
    assert not (root / DEFAULT_OUTPUT).exists()


# ---------------------------------------------------------------------------------------
# Structure
# ---------------------------------------------------------------------------------------


def test_summary_matches_the_lint_result(sample_repo, run_cli):
    tree, _, _ = report_of(run_cli, sample_repo, "--title", "Support bot prompts")
    data = lint_json(run_cli, sample_repo)
    assert tree.find("head").one("title").text() == "Support bot prompts" and tree.one("h1").text() == "Support bot prompts"
    value = lambda card: tree.by_id(card).find(cls="value").text()  # noqa: E731
    assert value("card-files") == str(len(data["files"]))
    assert value("card-calls") == str(len(data["calls"]))
    assert value("card-findings") == str(len(data["findings"]))
    assert value("card-tokens") == f"{sum(f['tokens'] for f in data['files']):,}"
    cells = {td.attrs["data-severity"]: int(td.text()) for td in tree.by_id("by-severity").find_all("td", data_severity=True)}
    assert cells == {s: sum(f["severity"] == s for f in data["findings"]) for s in ("error", "warning", "info")}
    rows = tree.by_id("by-rule").find("tbody").find_all("tr")
    by_rule = {row.attrs["data-rule"]: int(row.find_all("td")[3].text()) for row in rows}
    assert by_rule == {rule: sum(f["rule"] == rule for f in data["findings"]) for rule in {f["rule"] for f in data["findings"]}}
    for row in rows:  # every link in the table leads to its group
        target = row.find("a").attrs["href"][1:]
        assert tree.by_id(target).tag == "details"
    # The table and the findings list share one order: by estimated saving when the rules
    # estimate one (ordering itself is unit-tested with and without estimates).
    groups = [g.attrs["data-rule"] for g in tree.by_id("findings").find_all("details", cls="rule-group")]
    assert [row.attrs["data-rule"] for row in rows] == groups
    if not any(f.get("estimate") for f in data["findings"]):
        severities = [row.find_all("td")[2].text() for row in rows]
        assert severities == sorted(severities, key=["error", "warning", "info"].index)


def test_findings_are_grouped_by_rule_and_file_with_excerpts(sample_repo, run_cli):
    tree, _, _ = report_of(run_cli, sample_repo)
    data = lint_json(run_cli, sample_repo)
    groups = tree.by_id("findings").find_all("details", cls="rule-group")
    assert sum(int(g.attrs["data-count"]) for g in groups) == len(data["findings"]) == len(findings_in(tree))
    for group in groups:
        assert group.find("summary") is not None and group.find(cls="rule-doc") is not None
        for article in group.find_all("article", cls="finding"):
            assert article.attrs["data-rule"] == group.attrs["data-rule"]
            assert article.parent.tag == "details" and "file-group" in article.parent.classes
    # The word-count finding in summary.txt: its span, marked exactly, with numbered lines.
    wordy = next(g for g in groups if g.attrs["data-rule"] == "word-count-limit")
    doc = wordy.find(cls="rule-doc")
    assert "Optimize prompt and output length" in doc.find("dd", cls="guide").text()
    article = next(a for a in wordy.find_all("article") if a.find("code", cls="location").text() == "prompts/summary.txt:3:22")
    assert "in no more than 120 words" in article.find("p", cls="message").text()
    assert "sentences" in article.find("p", cls="suggestion").text()
    excerpt = article.one("table", cls="excerpt")
    numbers = [td.text() for td in excerpt.find_all("td", cls="ln")]
    assert numbers == ["1", "2", "3"]
    hit = excerpt.one("tr", cls="hit")
    assert hit.find("td", cls="ln").text() == "3"
    assert [m.text() for m in hit.find_all("mark")] == ["in no more than 120 words"]
    assert hit.find("td", cls="code").text() == "Summarize the ticket in no more than 120 words."
    # A finding with a fix shows it as a diff.
    outdated = next(g for g in groups if g.attrs["data-rule"] == "outdated-model")
    diff = outdated.one("table", cls="diff")
    assert [tr.find("td").text() for tr in diff.find_all("tr", cls="removed")] == ["-model: claude-opus-4-8"]
    assert [tr.find("td").text() for tr in diff.find_all("tr", cls="added")] == ["+model: claude-opus-5-5"]


def test_calls_table_lists_every_call_site(sample_repo, run_cli):
    tree, _, _ = report_of(run_cli, sample_repo)
    data = lint_json(run_cli, sample_repo)
    rows = tree.by_id("calls-table").find("tbody").find_all("tr")
    assert len(rows) == len(data["calls"]) >= 3
    locations = [row.find("code").text() for row in rows]
    assert locations == [f"{c['path']}:{c['line']}" for c in sorted(data["calls"], key=lambda c: (c["path"], c["line"]))]
    chat = rows[locations.index("app/chat.py:10")].find_all("td")
    assert [chat[1].text(), chat[2].text(), chat[3].text(), chat[4].text()] == ["claude-haiku-5-5", "300", "no", "ui"]
    headers = [th.text() for th in tree.by_id("calls-table").find("thead").find_all("th")]
    assert headers[:6] == ["location", "model", "max_tokens", "streaming", "runs in", "est. input tokens"]


def test_charts_are_accessible_inline_svg(sample_repo, run_cli):
    tree, _, _ = report_of(run_cli, sample_repo)
    svgs = tree.find_all("svg")
    ids = {svg.attrs.get("id") for svg in svgs}
    assert {"chart-findings-by-rule", "chart-prompt-tokens", "chart-largest-prompts"} <= ids
    for svg in svgs:
        assert svg.attrs["role"] == "img"
        title = svg.children[0]
        assert isinstance(title, Node) and title.tag == "title" and title.text()
        assert all(ident in {n.attrs.get("id") for n in svg.iter()} for ident in svg.attrs["aria-labelledby"].split())
    by_rule = tree.by_id("chart-findings-by-rule")
    labels = [g.find_all("text")[0].text() for g in by_rule.find_all("g", cls="bar")]
    groups = [g.attrs["data-rule"] for g in tree.find_all("details", cls="rule-group")]
    assert labels == groups
    assert [int(g.find_all("text")[1].text()) for g in by_rule.find_all("g", cls="bar")] == [
        int(g.attrs["data-count"]) for g in tree.find_all("details", cls="rule-group")
    ]


def test_reads_without_javascript(sample_repo, run_cli):
    """Everything is in the HTML: the script only filters; its controls stay hidden
    without it, and the groups are native <details>."""
    tree, _, _ = report_of(run_cli, sample_repo)
    assert "hidden" in tree.by_id("filters").attrs
    assert tree.find_all("details", cls="rule-group") and all(g.find("summary") for g in tree.find_all("details"))
    scripts = tree.find_all("script")
    assert len(scripts) == 1 and scripts[0] is tree.find("body").find_all("script")[-1]


# ---------------------------------------------------------------------------------------
# Safety
# ---------------------------------------------------------------------------------------


def test_hostile_prompt_text_shows_as_text_and_never_as_markup(sample_repo, run_cli, ab_dir):
    (ab_dir / "summary.json").write_text(
        json.dumps(make_ab_summary(before_text=XSS_SCRIPT, after_text=XSS_IMG)), encoding="utf-8"
    )
    tree, html, _ = report_of(run_cli, sample_repo, "--title", "<script>window.__xss=9</script>", "--ab", ab_dir)
    # No markup came through: one script (ours), no image, no event handler anywhere.
    assert [s.text() for s in tree.find_all("script")] == [str(assets()["js"])]
    for tag in ("img", "iframe", "object", "embed", "base", "form"):
        assert tree.find_all(tag) == [], tag
    for node in tree.iter():
        assert not any(name.startswith("on") for name in node.attrs), (node.tag, node.attrs)
    # ... and the hostile text is there, as text.
    assert tree.find("head").one("title").text() == "<script>window.__xss=9</script>"
    probe_file = next(a for a in findings_in(tree) if XSS_NAME in a.find("code", cls="location").text())
    code = probe_file.find("tr", cls="hit").find("td", cls="code").text()
    assert code == f"{XSS_SCRIPT} Answer in under 50 words. {XSS_IMG}"
    assert any(XSS_NAME in s.text() for s in tree.find_all("summary"))
    template_probe = next(a for a in findings_in(tree) if "reply.j2" in a.find("code", cls="location").text())
    assert "<script>window.__xss=4</script>" in template_probe.find("p", cls="message").text()
    outputs = [pre.text() for pre in tree.by_id("ab").find_all("pre")]
    assert outputs == [XSS_SCRIPT, XSS_IMG]
    assert "<script>window" not in html and "<img" not in html


def test_no_external_resources(sample_repo, run_cli, ab_dir):
    tree, html, _ = report_of(run_cli, sample_repo, "--ab", ab_dir)
    for node in tree.iter():
        for name, value in node.attrs.items():
            if name in URL_ATTRIBUTES:
                assert value is not None and (value.startswith("#") or value.startswith("data:")), (node.tag, name, value)
            if name == "style":
                pytest.fail(f"inline style attribute on <{node.tag}> (the policy would block it)")
            if value and re.search(r"(?i)\b(?:https?|ftp|wss?):|//[a-z0-9.-]+\.[a-z]{2,}", value) and name != "xmlns":
                pytest.fail(f"<{node.tag} {name}={value!r}> names another host")
    assert [link.attrs for link in tree.find_all("link")] == [{"rel": "icon", "href": "data:,"}]
    assert tree.find_all("base") == [] and tree.find_all("iframe") == []
    assert all(m.attrs.get("http-equiv", "").lower() != "refresh" for m in tree.find_all("meta"))
    styles = tree.find_all("style")
    assert len(styles) == 1
    css = styles[0].text()
    assert "@import" not in css and "@font-face" not in css and not re.search(r"url\(\s*['\"]?(?!data:)", css)
    script = tree.one("script").text()
    assert not re.search(r"\b(fetch|XMLHttpRequest|WebSocket|EventSource|importScripts|sendBeacon|innerHTML|eval)\b", script)
    assert "src" not in tree.one("script").attrs
    # The policy forbids everything but the inline style and script, pinned by hash.
    policy = next(m.attrs["content"] for m in tree.find_all("meta") if m.attrs.get("http-equiv") == "Content-Security-Policy")
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    digest = lambda text: "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"  # noqa: E731
    assert directives["default-src"] == "'none'"
    assert directives["script-src"] == digest(script) and directives["style-src"] == digest(css)
    assert directives["img-src"] == "data:"


def test_api_keys_never_appear(sample_repo, run_cli):
    tree, html, _ = report_of(run_cli, sample_repo)
    body = TEST_KEY.split("-", 3)[-1]
    assert TEST_KEY not in html
    for start in range(0, len(body) - 12):
        assert body[start:start + 12] not in html
    located = [a for a in findings_in(tree) if a.attrs["data-rule"] == "hardcoded-api-key"]
    assert len(located) == 1 and "sk-ant-…[redacted]" in located[0].find("table", cls="excerpt").text()


def test_findings_for_deleted_files_still_render(sample_repo, monkeypatch):
    monkeypatch.chdir(sample_repo)
    result = Linter(Settings(root=sample_repo), use_cache=False).lint_paths(["."])
    (sample_repo / "prompts" / "summary.txt").unlink()
    (sample_repo / "configs" / "classify.yaml").write_text("model: x\n")  # shorter: the fix no longer fits
    tree, errors = parse(generate(result))
    assert errors == []
    gone = next(a for a in findings_in(tree) if a.find("code", cls="location").text().startswith("prompts/summary.txt"))
    assert gone.find("table", cls="excerpt") is None and "no longer exists" in gone.find("p", cls="excerpt-note").text()
    changed = next(a for a in findings_in(tree) if a.attrs["data-rule"] == "outdated-model")
    assert changed.find("table", cls="diff") is None and "changed since the lint" in changed.find("p", cls="fix").text()


# ---------------------------------------------------------------------------------------
# A/B results
# ---------------------------------------------------------------------------------------


def test_ab_results_from_a_run_directory_and_a_summary_file(sample_repo, run_cli, ab_dir):
    copy = ab_dir.parent / "results" / "ab.json"
    copy.parent.mkdir()
    copy.write_text((ab_dir / "summary.json").read_text())
    tree, _, _ = report_of(run_cli, sample_repo, "--ab", ab_dir, "--ab", copy)
    runs = tree.by_id("ab").find_all("article", cls="ab-run")
    assert len(runs) == 2
    assert "summary.json" in runs[0].find("h3").text() and "results/ab.json" in runs[1].find("h3").text()
    summary = json.loads(copy.read_text())
    run = runs[0]
    verdict = run.one("p", cls="verdict")
    assert "after" in verdict.classes and "after is faster" in verdict.text() and "95% CI" in verdict.text()
    arms = {tr.attrs["data-arm"]: [td.text() for td in tr.find_all("td")] for tr in run.one("table", cls="ab-arms").find_all("tr", data_arm=True)}
    assert arms["before"][0] == "claude-opus-5-5" and arms["after"][0] == "claude-haiku-5-5"
    assert arms["before"][3] == f"{summary['arms']['before']['ttft_ms']['median']:,.0f} ms"
    assert arms["after"][4] == f"{summary['arms']['after']['ttft_ms']['p90']:,.0f} ms"
    assert arms["before"][8] != "—"  # output tokens
    metrics = [tr.attrs["data-metric"] for tr in run.one("table", cls="ab-verdicts").find_all("tr", data_metric=True)]
    assert metrics == ["ttft_ms", "total_ms"]
    charts = run.find_all("svg")
    assert len(charts) == 2 and all(len(svg.find_all("circle")) == 16 for svg in charts)
    outputs = {div.attrs["data-arm"]: div.find("pre").text() for div in run.find_all("div", cls="output")}
    assert outputs == {"before": "Before answer.", "after": "After answer."}


@pytest.mark.parametrize(
    "content, expected",
    [
        (None, "no such file"),
        ("not json", "not JSON"),
        ('{"version": 1, "arms": {}}', "arms.before"),
        ('{"dry_run": true, "plan": {}}', "--dry-run plan"),
        ('{"version": 7}', "unsupported summary version"),
        ("[]", "not an object"),
    ],
)
def test_a_bad_ab_file_is_a_clear_error(sample_repo, run_cli, tmp_path_factory, content, expected):
    bad = tmp_path_factory.mktemp("ab") / "bad.json"
    if content is not None:
        bad.write_text(content)
    result = run_cli(sample_repo, "report", "--no-cache", "--ab", bad)
    assert result.exit_code == 2
    assert str(bad) in result.output and expected in result.output
    assert not (sample_repo / DEFAULT_OUTPUT).exists()


def test_a_run_directory_without_summary_is_an_error(sample_repo, run_cli, tmp_path_factory):
    empty = tmp_path_factory.mktemp("ab") / "ab-empty"
    empty.mkdir()
    result = run_cli(sample_repo, "report", "--ab", empty)
    assert result.exit_code == 2 and "holds no summary.json" in result.output and str(empty) in result.output


# ---------------------------------------------------------------------------------------
# User templates
# ---------------------------------------------------------------------------------------


def test_user_template_gets_the_same_context_escaped(sample_repo, run_cli, tmp_path_factory):
    template = tmp_path_factory.mktemp("tpl") / "mine.html"
    (template.parent / "part.html").write_text("<p id=part>{{ summary.findings }}</p>")
    template.write_text(
        "<!DOCTYPE html><html><head><title>{{ title }}</title></head><body>"
        "{% include 'part.html' %}"
        "<ul>{% for g in rules %}<li data-rule='{{ g.name }}'>{{ g.count|plural('finding') }}</li>{% endfor %}</ul>"
        "<p id=calls>{{ calls.rows|length }}</p><p id=assets>{{ assets.csp[:18] }}</p>"
        "{{ charts.findings_by_rule }}</body></html>"
    )
    tree, _, _ = report_of(run_cli, sample_repo, "--template", template, "--title", "<b>bold</b>")
    assert tree.find("head").one("title").text() == "<b>bold</b>" and tree.find_all("b") == []
    assert tree.by_id("part").text() == "8"
    assert sum(int(li.text().split()[0]) for li in tree.find_all("li")) == 8
    assert tree.by_id("assets").text() == "default-src 'none'"
    assert tree.by_id("chart-findings-by-rule").tag == "svg"


def test_user_template_can_extend_the_built_in_one(sample_repo, run_cli, tmp_path_factory):
    template = tmp_path_factory.mktemp("tpl") / "extends.html.j2"
    template.write_text(
        '{% extends "advisor/report.html.j2" %}'
        "{% block footer %}<footer id=custom>Made for {{ paths|join(' ') }}</footer>{% endblock %}"
    )
    tree, _, _ = report_of(run_cli, sample_repo, "--template", template)
    assert tree.by_id("custom").text() == "Made for ." and tree.by_id("summary") is not None


@pytest.mark.parametrize(
    "source, expected",
    [
        ("{{ ''.__class__.__mro__ }}", "mine.j2"),
        ("{% for x in %}", "mine.j2:1"),
        ("{{ summary.findings + 'x' }}", "TypeError"),
        ("{% include 'missing.html' %}", "missing.html"),
    ],
    ids=["sandbox", "syntax", "runtime", "include"],
)
def test_broken_or_unsafe_user_templates_exit_2(sample_repo, run_cli, tmp_path_factory, source, expected):
    template = tmp_path_factory.mktemp("tpl") / "mine.j2"
    template.write_text(source)
    result = run_cli(sample_repo, "report", "--no-cache", "--template", template)
    assert result.exit_code == 2, result.output
    assert "--template" in result.output and expected in result.output


# ---------------------------------------------------------------------------------------
# Big repositories
# ---------------------------------------------------------------------------------------


def test_big_repository_report_stays_collapsed_and_small(tmp_path, run_cli):
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    try:
        from synthetic import make_repo
    finally:
        sys.path.pop(0)
    root = tmp_path / "repo"
    make_repo(root, 400, seed=11)
    tree, html, _ = report_of(run_cli, root)
    groups = tree.find_all("details", cls="rule-group")
    assert groups and not any("open" in g.attrs for g in groups)
    assert all(len(g.find_all("article", cls="finding")) <= 25 for g in groups)
    more = [g.find("details", cls="more") for g in groups if int(g.attrs["data-count"]) > 25]
    assert more and all(m is not None and "more finding" in m.find("summary").text() for m in more)
    assert len(html) < 400 * 2500, len(html)


def test_the_headline_never_sums_latencies_across_call_sites(sample_repo, run_cli):
    tree, html, _ = report_of(run_cli, sample_repo)
    summary = tree.by_id("summary")
    note = tree.by_id("savings-note").text()
    assert "summed" not in summary.text()
    assert note.startswith("Estimated, per call: the largest single saving is ")
    assert "Times at different call sites are not added up" in note and "[tool.advisor.traffic]" in note
    assert "largest single estimated saving" in tree.by_id("card-savings").text()
    assert "median estimated saving per call site" in tree.by_id("card-median").text()
    assert tree.find(id="card-traffic") is None


def test_traffic_weights_give_a_total_per_day(sample_repo, run_cli):
    (sample_repo / ".advisor.toml").write_text('[traffic]\n"configs/chat.yaml:2" = 20000\n"app/*.py" = 500\n')
    tree, _, _ = report_of(run_cli, sample_repo)
    card = tree.by_id("card-traffic")
    # the chat config (an exact call site) and app/chat.py's streamed call (by glob) have estimates
    assert "estimated waiting saved per day at your traffic (20,500 calls a day)" in card.text()
    assert re.fullmatch(r"[\d,.]+ (min|h)", card.find(cls="value").text())
    assert "At the traffic you gave (20,500 calls a day over 2 call sites" in tree.by_id("savings-note").text()
    (sample_repo / ".advisor.toml").write_text('[traffic]\n"app/*.py" = "lots"\n')
    bad = run_cli(sample_repo, "report", "--no-cache", "-o", "out/r.html")
    assert bad.exit_code == 2 and "`traffic.app/*.py` must be a number of calls per day" in bad.output


def test_measured_results_lead_the_summary(sample_repo, run_cli, ab_dir):
    tree, _, _ = report_of(run_cli, sample_repo, "--ab", ab_dir)
    summary = tree.by_id("summary")
    measured = tree.by_id("measured")
    first = [child for child in summary.children if isinstance(child, Node) and child.tag != "h2"][0]
    assert first is measured  # before the estimated cards
    verdict = measured.one("p", cls="verdict")
    assert verdict.find(cls="badge").text() == "measured" and "after is faster" in verdict.text()
    assert verdict.find("a").attrs["href"] == "#ab1" and tree.by_id("ab1").tag == "article"
    assert "the estimates below come from the latency model" in measured.text()


def test_empty_figures_read_as_a_dash_everywhere(sample_repo, run_cli, tmp_path_factory):
    # a call whose model the catalog does not know has no estimate, in a table that has some
    (sample_repo / "configs" / "gateway.yaml").write_text("model: my-gateway-model\nmax_tokens: 50\nmessages: [{role: user, content: Hi}]\n")
    tree, _, _ = report_of(run_cli, sample_repo)
    numeric = [td for td in tree.find_all("td") if "num" in td.classes]
    assert numeric and all(td.text().strip() not in ("", "None", "nan", "n/a", "-") for td in numeric)
    gateway = [tr for tr in tree.by_id("calls-table").find("tbody").find_all("tr") if "gateway.yaml" in tr.text()]
    assert [td.text() for td in gateway[0].find_all("td")][-3:] == ["—", "—", "—"]
    for table_id in ("by-rule", "files-table"):
        cells = [td.text().strip() for td in tree.by_id(table_id).find_all("td")]
        assert cells and all(cells), (table_id, cells)
