import json
import re
from pathlib import Path

from advisor.config import Settings
from advisor.engine import Linter
from advisor.output import github, json_format, sarif, text

FILES = {
    "prompts/a.txt": "Line one.\nSummarize in no more than 120 words, please.\n",
    "configs/c.yaml": "model: claude-haiku-5-5\nmessages: [{role: user, content: 'Hi, there'}]\n",
}


def _result(make_repo, monkeypatch):
    root = make_repo(FILES)
    monkeypatch.chdir(root)
    return Linter(Settings(root=root), use_cache=False).lint_paths([Path(".")])


def test_text_lines_are_grep_able(make_repo, monkeypatch):
    out = text.render(_result(make_repo, monkeypatch))
    lines = out.splitlines()
    assert re.match(r"^configs/c\.yaml:1:1: error missing-max-tokens ", lines[0])
    assert lines[1].startswith("    help: set `max_tokens`")
    assert re.match(r"^prompts/a\.txt:2:\d+: warning word-count-limit ", lines[2])
    assert lines[-2] == "Found 2 findings (1 error, 1 warning) in 2 files."
    assert lines[-1].startswith("2 more with `--fix --unsafe-fixes`")


def test_json_shape(make_repo, monkeypatch):
    data = json.loads(json_format.render(_result(make_repo, monkeypatch)))
    assert data["version"] == 1 and data["errors"] == []
    finding = data["findings"][1]
    assert set(finding) >= {"rule", "code", "severity", "path", "line", "column", "end_line", "end_column", "message", "suggestion"}
    assert finding["path"] == "prompts/a.txt" and finding["rule"] == "word-count-limit"
    assert {f["path"]: f["kind"] for f in data["files"]} == {"configs/c.yaml": "config", "prompts/a.txt": "prompt"}
    assert all(isinstance(f["tokens"], int) and f["tokens"] > 0 for f in data["files"])
    (call,) = data["calls"]
    assert call["model"] == "claude-haiku-5-5" and call["max_tokens"] is None and call["stream"] is False


def test_sarif_structure(make_repo, monkeypatch):
    data = json.loads(sarif.render(_result(make_repo, monkeypatch)))
    assert data["version"] == "2.1.0" and data["$schema"].endswith("sarif-2.1.0.json")
    run = data["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in {"error", "warning", "note"}
        region = result["locations"][0]["physicalLocation"]["region"]
        assert region["startLine"] >= 1 and region["endColumn"] > region["startColumn"] or region["endLine"] > region["startLine"]
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] in FILES
    assert "word-count-limit" in ids and all(r["help"]["markdown"] for r in rules)


def test_github_annotations_escape_properties_and_data(make_repo, monkeypatch):
    result = _result(make_repo, monkeypatch)
    result.findings[0].message = "a: b, c%\nnext"
    result.findings[0].path = "dir,with:odd.yaml"
    out = github.render(result).splitlines()
    assert out[0].startswith("::error file=dir%2Cwith%3Aodd.yaml,line=1,col=1,")
    assert out[0].split("::", 2)[2].startswith("a: b, c%25%0Anext")
    assert out[1].startswith("::warning file=prompts/a.txt,line=2,")


def test_keys_in_prompts_never_reach_any_output_or_the_cache(make_repo, monkeypatch):
    key = "sk-ant-api03-" + "Z" * 40
    root = make_repo({
        "prompts/long.md": f"# {key} notes\n" + "Refunds are possible within thirty days of purchase. " * 40 + "\n",
        "app/a.py": f'import anthropic\nclient = anthropic.Anthropic(api_key="{key}")\n',
        ".advisor.toml": "[rules.prompt-too-long]\nmax-tokens = 50\n",
    })
    monkeypatch.chdir(root)
    from advisor import checks
    from advisor.config import load_settings

    settings = load_settings(root, known_rules=checks.known_selectors(), rule_options=checks.declared_options())
    result = Linter(settings).lint_paths([Path(".")])
    assert {f.rule for f in result.findings} >= {"prompt-too-long", "hardcoded-api-key"}
    for render in (text.render, json_format.render, sarif.render, github.render):
        assert key not in render(result) and "Z" * 20 not in render(result)
    cached = (root / ".advisor_cache" / "results.sqlite3").read_bytes()
    assert cached and b"Z" * 20 not in cached


def test_json_written_in_batches_is_the_document_render_makes(make_repo, monkeypatch, tmp_path):
    # 1,300 files: the "files" list alone is more lines than one written batch, so the
    # document reaches stdout and the output file in several pieces, and must come out whole
    from click.testing import CliRunner

    from advisor.cli import cli
    from advisor.output.printable import boundary

    files = {f"prompts/p{n:04}.txt": f"Summarize ticket {n} in no more than {100 + n} words.\n" for n in range(1300)}
    root = make_repo(files)
    monkeypatch.chdir(root)
    monkeypatch.setenv("ADVISOR_TODAY", "2026-12-02")
    whole = boundary(json_format.render(Linter(Settings(root=root), use_cache=False).lint_paths([Path(".")])))
    arguments = ["lint", "--no-cache", "--format", "json", "."]
    printed = CliRunner().invoke(cli, arguments).output
    written = tmp_path / "out.json"
    CliRunner().invoke(cli, [*arguments[:-1], "-o", str(written), "."])
    assert printed == written.read_text(encoding="utf-8") == whole
    data = json.loads(printed)
    assert len(data["files"]) == 1300 and len(data["findings"]) >= 1300
    assert data["files"][-1]["path"] == "prompts/p1299.txt"
