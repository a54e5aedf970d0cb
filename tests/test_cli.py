import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import cli

WORDY = "Summarize in no more than 120 words.\n"
CLEAN = "Summarize in 3 sentences.\n"


@pytest.fixture
def run(monkeypatch):
    def invoke(root: Path, *args):
        monkeypatch.chdir(root)
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


def test_exit_codes_follow_fail_on(make_repo, run):
    root = make_repo({"prompts/a.txt": WORDY})
    assert run(root, "lint", "--no-cache").exit_code == 1
    assert run(root, "lint", "--no-cache", "--fail-on", "error").exit_code == 0
    assert run(root, "lint", "--no-cache", "--fail-on", "never").exit_code == 0
    clean = make_repo({"other/prompts/b.txt": CLEAN}) / "other"
    result = run(clean, "lint", "--no-cache")
    assert result.exit_code == 0 and "No findings in 1 file." in result.output


def test_fail_on_from_config(make_repo, run):
    root = make_repo({"prompts/a.txt": WORDY, ".advisor.toml": 'fail-on = "error"\n'})
    assert run(root, "lint", "--no-cache").exit_code == 0


def test_fail_on_never_in_config_as_on_the_command_line(make_repo, run):
    root = make_repo({"prompts/a.txt": WORDY, ".advisor.toml": 'fail-on = "never"\n'})
    result = run(root, "lint", "--no-cache")
    assert result.exit_code == 0 and "word-count-limit" in result.output
    assert run(root, "lint", "--no-cache", "--fail-on", "warning").exit_code == 1  # the command line wins
    (root / ".advisor.toml").write_text('fail-on = "sometimes"\n')
    result = run(root, "lint", "--no-cache")
    assert result.exit_code == 2 and "info, warning, error, never" in result.output


def test_rule_codes_in_any_case_and_rules_listed_by_code(run, tmp_path):
    lower = run(tmp_path, "explain", "o003").output
    assert lower == run(tmp_path, "explain", "O003").output and "O003" in lower
    codes = [line.split()[0] for line in run(tmp_path, "rules").output.splitlines()]
    assert codes == sorted(codes) and len(codes) == len(set(codes)) > 10


def test_a_directory_with_nothing_to_lint_says_so(make_repo, run):
    root = make_repo({"docs/notes.txt": "hello\n", "src/app.rb": "x\n"})
    result = run(root, "lint", "--no-cache")
    assert result.exit_code == 0
    assert "nothing to lint: no file here matches the include patterns (*.prompt" in result.output
    assert "see `advisor config`" in result.output
    # a directory whose files are all left to a sub-project's configuration is not "empty"
    sub = make_repo({"svc/.advisor.toml": "", "svc/prompts/a.txt": WORDY})
    assert "nothing to lint" not in run(sub, "lint", "--no-cache").output


def test_config_error_exits_2_and_names_the_key(make_repo, run):
    root = make_repo({"prompts/a.txt": WORDY, ".advisor.toml": "colour = true\n"})
    result = run(root, "lint")
    assert result.exit_code == 2
    assert "unknown key `colour`" in result.output and ".advisor.toml" in result.output


def test_unknown_rule_on_the_command_line_exits_2(make_repo, run):
    root = make_repo({"prompts/a.txt": WORDY})
    result = run(root, "lint", "--select", "word-count")
    assert result.exit_code == 2 and "unknown rule 'word-count'" in result.output


def test_select_and_ignore(make_repo, run):
    root = make_repo({"prompts/a.txt": WORDY, "c.yaml": "model: claude-haiku-5-5\nmessages: []\n"})
    out = run(root, "lint", "--no-cache", "--format", "json", "--select", "missing-max-tokens").output
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"missing-max-tokens"}
    out = run(root, "lint", "--no-cache", "--format", "json", "--ignore", "O002,E001").output
    assert {f["rule"] for f in json.loads(out)["findings"]} == {"word-count-limit"}


def test_output_file_and_quiet(make_repo, run):
    root = make_repo({"prompts/a.txt": WORDY})
    result = run(root, "lint", "--no-cache", "--format", "sarif", "-o", "out.sarif")
    assert result.exit_code == 1
    assert json.loads((root / "out.sarif").read_text())["runs"][0]["results"]
    quiet = run(root, "lint", "--no-cache", "-q", "prompts/a.txt").output
    assert quiet.startswith("prompts/a.txt:1:") and "Found" not in quiet


def test_notes_go_to_stderr(make_repo, monkeypatch):
    root = make_repo({"prompts/a.txt": WORDY, "data.csv": "a,b\n"})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "data.csv", "prompts/a.txt"])
    assert "advisor: note: data.csv: not a file type advisor reads (.csv)" in result.stderr
    assert "data.csv" not in result.stdout


def test_rules_and_explain(run, tmp_path):
    listing = run(tmp_path, "rules").output
    assert "O001  word-count-limit" in listing
    data = json.loads(run(tmp_path, "rules", "--format", "json").output)
    assert {r["name"] for r in data} >= {"word-count-limit", "missing-max-tokens", "non-streaming-ui-call", "oversized-model", "parse-error"}
    doc = run(tmp_path, "explain", "word-count-limit").output
    assert "Why is this slow?" in doc and "Use instead:" in doc
    assert run(tmp_path, "explain", "O001").output == doc
    bad = run(tmp_path, "explain", "word-count-limt")
    assert bad.exit_code == 2 and "did you mean 'word-count-limit'" in bad.output


def test_tokens_command_labels_estimates(make_repo, run):
    root = make_repo({"prompts/a.txt": "Hello there, summarize this ticket for me please.\n"})
    out = run(root, "tokens", "prompts/a.txt").output
    assert out.startswith("prompts/a.txt: ~")
    assert out.count("estimate") == 1 and "~ estimate: ≈ +56% over cl100k for Claude 4.7 and later (cl100k_base × 1.56)" in out
    legacy = run(root, "tokens", "prompts/a.txt", "--model", "claude-haiku-4-5").output
    assert "≈ +20% over cl100k for Claude models up to 4.6 (cl100k_base × 1.2)" in legacy
    data = json.loads(run(root, "tokens", "prompts/a.txt", "--format", "json").output)
    assert data["files"][0]["tokens"] > 0 and data["files"][0]["exact"] is False


def test_tokens_file_totals_are_the_sum_of_their_calls_each_with_its_model(make_repo, run):
    root = make_repo({"app/chat.py": (
        "import anthropic\nclient = anthropic.Anthropic()\nSYSTEM = 'You answer questions about Acme routers, politely and briefly.'\n"
        "def a(q):\n    return client.messages.create(model='claude-opus-5-5', max_tokens=50, system=SYSTEM, messages=[{'role': 'user', 'content': q}])\n"
        "def b(q):\n    return client.messages.create(model='claude-haiku-4-5', max_tokens=50, system=SYSTEM, messages=[{'role': 'user', 'content': q}])\n"
    )})
    out = run(root, "tokens", "app/chat.py").output
    lines = out.splitlines()
    numbers = [int(re.search(r"~(\d+) tokens", line).group(1)) for line in lines[:3]]
    assert lines[0].startswith("app/chat.py: ~") and "[" not in lines[0]  # two models: the file names none
    assert "[claude-opus-5-5]" in lines[1] and "[claude-haiku-4-5]" in lines[2]
    assert numbers[0] == numbers[1] + numbers[2] and numbers[1] > numbers[2]  # each call in its model's tokenizer
    assert lines[3] == f"total: ~{numbers[0]} tokens" + lines[3].split("tokens", 1)[1]
    # each tokenizer's estimate label once, at the end
    assert [line for line in lines if "estimate" in line] == [
        "~ estimate: ≈ +56% over cl100k for Claude 4.7 and later (cl100k_base × 1.56)",
        "~ estimate: ≈ +20% over cl100k for Claude models up to 4.6 (cl100k_base × 1.2)",
    ]
    data = json.loads(run(root, "tokens", "app/chat.py", "--format", "json").output)
    (file,) = data["files"]
    assert file["tokens"] == sum(call["tokens"] for call in file["calls"])
    assert [call["model"] for call in file["calls"]] == ["claude-opus-5-5", "claude-haiku-4-5"]


def test_tokens_exact_without_a_key_says_to_set_it(make_repo, run, monkeypatch):
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    root = make_repo({"prompts/a.txt": "Summarize the ticket in 3 sentences.\n"})
    result = run(root, "tokens", "prompts/a.txt", "--exact")
    assert result.exit_code == 2
    assert "exact counts failed: no API key: set ANTHROPIC_API_KEY (count_tokens is free) or drop --exact" in result.stderr
    assert "Error" not in result.stderr and "prompts/a.txt: ~" in result.stdout


def test_module_entry_point_exit_status_in_a_real_process(make_repo):
    root = make_repo({"prompts/a.txt": WORDY})
    proc = subprocess.run([sys.executable, "-m", "advisor.cli", "lint", "--no-cache", "."], cwd=root, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stderr
    assert "word-count-limit" in proc.stdout and "Traceback" not in proc.stderr


def test_tokens_explain_shows_the_split_and_what_was_set_aside(make_repo, run):
    root = make_repo({"prompts/s.txt": "Summarize the article in 3 sentences.\n\nHere is the article:\nSpeakers must keep remarks under 200 words.\n"})
    result = run(root, "tokens", "prompts/s.txt", "--explain")
    assert result.exit_code == 0
    assert 'data        line 4: introduced by "Here is the article:"' in result.output
    assert 'asks for "in 3 sentences" (line 1, sentences)' in result.output
    assert 'set aside "under 200 words" (line 4, words)' in result.output
    data = json.loads(run(root, "tokens", "prompts/s.txt", "--explain", "--format", "json").output)
    (text,) = data["files"][0]["texts"]
    assert [p["kind"] for p in text["parts"]] == ["instruction", "data"]
    assert [(r["phrase"], r["read"]) for r in text["length_requests"]] == [("in 3 sentences", True), ("under 200 words", False)]
    # and lint agrees: the set-aside limit is not a finding
    assert "word-count-limit" not in run(root, "lint", "--no-cache", "prompts/s.txt").output


def test_a_retired_model_on_a_simple_task_is_one_finding_that_names_both_rules(make_repo, run):
    root = make_repo({"app/grade.py": (
        "import anthropic\nclient = anthropic.Anthropic()\n"
        'client.messages.create(model="claude-3-opus-20240229", max_tokens=5,\n'
        '    messages=[{"role": "user", "content": "Is the answer correct? Output only yes or no."}])\n'
    )})
    data = json.loads(run(root, "lint", "--no-cache", "--format", "json", "--today", "2026-12-02").output)
    model_findings = [f for f in data["findings"] if f["rule"] in ("deprecated-model", "oversized-model", "outdated-model")]
    assert [(f["rule"], f.get("also")) for f in model_findings] == [("deprecated-model", ["oversized-model"])]
    assert "claude-haiku-5-5" in model_findings[0]["suggestion"]


def test_tokens_and_lint_count_the_same_linked_prompt(make_repo, monkeypatch):
    """`tokens` reads, loads and finishes a file the way `lint` does: a system prompt read
    from another file counts in both (tokens used to say ~0)."""
    root = make_repo({
        "prompts/triage.txt": "You triage support tickets for Acme routers and name the team that owns each one. " * 5,
        "app/triage.py": "import anthropic\nclient = anthropic.Anthropic()\nSYSTEM = open('prompts/triage.txt').read()\n"
                         "def triage(t):\n    return client.messages.create(model='claude-haiku-5-5', max_tokens=20, system=SYSTEM,\n"
                         "        messages=[{'role': 'user', 'content': t}])\n",
    })
    monkeypatch.chdir(root)
    linted = json.loads(CliRunner().invoke(cli, ["lint", "--no-cache", "--format", "json", "app/triage.py"]).stdout)
    counted = json.loads(CliRunner().invoke(cli, ["tokens", "--format", "json", "app/triage.py"]).stdout)
    [call] = linted["calls"]
    assert call["input_tokens"] > 50 and call["linked_files"] == ["prompts/triage.txt"]
    assert linted["files"][0]["tokens"] == call["input_tokens"]
    as_text = json.dumps(counted)
    assert f'"tokens": {call["input_tokens"]}' in as_text, as_text[:600]


def test_standard_input_is_linted_as_the_named_file(make_repo, run, monkeypatch):
    """`advisor lint - --stdin-filename NAME` (what editors run on an unsaved buffer): the
    name gives the kind and the configuration of the file's own project."""
    root = make_repo({
        "svc/.advisor.toml": '[per-file-ignores]\n"legacy/**" = ["word-count-limit"]\n',
        "svc/prompts/keep.txt": CLEAN,
    })
    monkeypatch.chdir(root)

    def lint(*args, text=WORDY):
        return CliRunner().invoke(cli, ["lint", *args], input=text.encode(), catch_exceptions=False)

    result = lint("-", "--stdin-filename", "svc/prompts/new.txt", "--format", "json")
    assert result.exit_code == 1
    found = json.loads(result.stdout)["findings"]
    assert [(f["path"], f["rule"]) for f in found] == [("svc/prompts/new.txt", "word-count-limit")]
    assert lint("-", "--stdin-filename", "svc/legacy/new.txt").exit_code == 0  # that project's ignore
    fixed = lint("-", "--stdin-filename", "svc/prompts/new.txt", "--fix", "--unsafe-fixes")
    assert fixed.exit_code == 0 and fixed.stdout == "Summarize in 5–6 sentences.\n"
    diff = lint("-", "--stdin-filename", "svc/prompts/new.txt", "--diff", "--unsafe-fixes")
    assert diff.exit_code == 1 and "+Summarize in 5–6 sentences." in diff.stdout
    assert not (root / "svc" / "prompts" / "new.txt").exists()  # nothing is written


def test_standard_input_needs_a_name_of_a_kind_advisor_reads(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["lint", "-"], input=b"x")
    assert result.exit_code == 2 and "needs --stdin-filename" in result.output
    result = CliRunner().invoke(cli, ["lint", "-", "--stdin-filename", "notes.cfg"], input=b"x")
    assert result.exit_code == 2 and "not a file type advisor reads" in result.output
    result = CliRunner().invoke(cli, ["lint", "-", ".", "--stdin-filename", "a.txt"], input=b"x")
    assert result.exit_code == 2 and "cannot be combined" in result.output


def test_finding_texts_read_plainly(make_repo, run):
    """A speed tier is labelled as one, missing-max-tokens' help names the value its fix
    adds, and the sentence-limit fix leaves a grammatical sentence."""
    root = make_repo({
        "configs/classify.yaml": "model: claude-opus-5-5\nmax_tokens: 5\nsystem: Classify the ticket. Reply with the category name only.\n"
                                 "messages: [{role: user, content: 'My invoice is wrong'}]\n",
        "configs/chat.yaml": "model: claude-haiku-5-5\nmessages: [{role: user, content: 'Tell me about routers.'}]\n",
        "prompts/summary.txt": "Keep the summary to no more than 120 words.\n",
    })
    findings = json.loads(run(root, "lint", "--no-cache", "--format", "json").output)["findings"]
    by_rule = {f["rule"]: f for f in findings}
    oversized = by_rule["oversized-model"]
    assert "`claude-opus-5-5` (speed: moderate) for" in oversized["message"]
    assert "(speed: moderate -> fastest;" in oversized["suggestion"]
    missing = by_rule["missing-max-tokens"]
    value = re.search(r"add max_tokens=(\d+)", missing["fix"]["description"]).group(1)
    assert f"`max_tokens={value}`" in missing["suggestion"]
    diff = run(root, "lint", "--no-cache", "--diff", "--unsafe-fixes", "--select", "word-count-limit").output
    assert "+Keep the summary to 5–6 sentences.\n" in diff
