from pathlib import Path

from advisor.config import Settings
from advisor.engine import Linter, select_rules
from advisor.model import Severity


def _lint(root: Path, paths=None, **settings_kwargs):
    return Linter(Settings(root=root, **settings_kwargs), use_cache=False).lint_paths(paths or [root])


PROMPT = "Summarize the ticket in no more than 120 words.\n"


def test_bad_files_become_parse_errors_and_the_rest_is_linted(make_repo, monkeypatch):
    root = make_repo({
        "prompts/bad.txt": b"caf\xe9 \xff in 50 words",
        "prompts/good.txt": PROMPT,
        "configs/bad.yaml": "model: m\nmessages: [\n",
        "prompts/blob.txt": b"\x00\x01\x02binary",
    })
    monkeypatch.chdir(root)
    result = _lint(root, [Path(".")])
    by_path = {}
    for finding in result.findings:
        by_path.setdefault(finding.path, []).append(finding.rule)
    assert by_path["prompts/bad.txt"] == ["parse-error"]
    decode_error = next(f for f in result.findings if f.path == "prompts/bad.txt")
    assert "cannot decode as UTF-8: byte 0xe9 at line 1, column 4" in decode_error.message
    assert by_path["configs/bad.yaml"] == ["parse-error"]
    assert by_path["prompts/good.txt"] == ["word-count-limit"]
    assert any(n.path == "prompts/blob.txt" and "binary" in n.reason for n in result.notes)


def test_oversized_files_are_skipped_with_a_note(make_repo, monkeypatch):
    root = make_repo({"prompts/huge.txt": "word " * 1000, "prompts/small.txt": PROMPT})
    monkeypatch.chdir(root)
    result = _lint(root, [Path(".")], max_file_size=1000)
    assert [r.path for r in result.files] == ["prompts/small.txt"]
    assert any("over max-file-size" in n.reason for n in result.notes)


def test_a_crashing_rule_is_a_run_error_not_a_finding(make_repo, monkeypatch):
    from click.testing import CliRunner

    from advisor.checks import word_count
    from advisor.cli import cli

    def boom(document, context):
        raise ValueError("kaboom")
        yield

    object.__setattr__(word_count.RULE, "check", boom)
    try:
        root = make_repo({"prompts/a.txt": PROMPT, "prompts/b.txt": "Reply in 30 words.\n"})
        monkeypatch.chdir(root)
        settings = Settings(root=root)
        result = Linter(settings, use_cache=False).lint_paths([Path(".")])
        assert result.findings == []  # the other rules ran and found nothing; no fake parse-error
        assert len(result.errors) == 2 and all("internal error in rule word-count-limit" in e for e in result.errors)
        assert {e.split(":")[0] for e in result.errors} == {"prompts/a.txt", "prompts/b.txt"}
        run = CliRunner().invoke(cli, ["lint", ".", "--fail-on", "never"])  # with the cache on
        assert run.exit_code == 2 and "advisor: error: prompts/a.txt: internal error in rule" in run.stderr
        # a failed file is not cached as clean: the next run fails again
        assert CliRunner().invoke(cli, ["lint", ".", "--fail-on", "never"]).exit_code == 2
    finally:
        object.__setattr__(word_count.RULE, "check", word_count.check)


def test_cache_gives_the_same_result_and_notices_changes(make_repo, monkeypatch):
    root = make_repo({"prompts/a.txt": PROMPT, "prompts/b.txt": "Answer in 2 sentences.\n"})
    monkeypatch.chdir(root)
    settings = Settings(root=root)
    cold = Linter(settings).lint_paths([Path(".")])
    assert (root / ".advisor_cache" / "results.sqlite3").is_file() and (root / ".advisor_cache" / "CACHEDIR.TAG").exists()
    warm = Linter(settings).lint_paths([Path(".")])
    assert [f.to_dict() for f in warm.findings] == [f.to_dict() for f in cold.findings]
    assert [r.tokens for r in warm.files] == [r.tokens for r in cold.files]
    (root / "prompts" / "b.txt").write_text("Answer in 30 words.\n")
    changed = Linter(settings).lint_paths([Path(".")])
    assert [f.path for f in changed.findings] == ["prompts/a.txt", "prompts/b.txt"]
    # a different configuration uses a different cache entry
    quiet = Linter(Settings(root=root, ignore=("word-count-limit",))).lint_paths([Path(".")])
    assert quiet.findings == []


def test_corrupt_cache_is_a_miss(make_repo, monkeypatch):
    root = make_repo({"prompts/a.txt": PROMPT})
    monkeypatch.chdir(root)
    settings = Settings(root=root)
    Linter(settings).lint_paths([Path(".")])
    (root / ".advisor_cache" / "results.sqlite3").write_text("{not json")
    assert len(Linter(settings).lint_paths([Path(".")]).findings) == 1
    # and the damaged file was replaced by a working cache, not left to fail every run
    result = Linter(settings).lint_paths([Path(".")])
    assert len(result.findings) == 1 and not any("cache" in note.reason for note in result.notes)


def test_per_file_ignores_and_severity_overrides(make_repo, monkeypatch):
    root = make_repo({"prompts/a.txt": PROMPT, "legacy/prompts/b.txt": PROMPT})
    monkeypatch.chdir(root)
    settings = Settings(
        root=root,
        per_file_ignores=(("legacy/**", ("word-count-limit",)),),
        severity={"word-count-limit": Severity.ERROR},
    )
    result = Linter(settings, use_cache=False).lint_paths([Path(".")])
    assert [(f.path, f.severity) for f in result.findings] == [("prompts/a.txt", Severity.ERROR)]


def test_select_and_ignore_by_prefix():
    settings = Settings(root=Path.cwd())
    names = {r.name for r in select_rules(settings, select=["O"], ignore=["O002"])}
    assert "word-count-limit" in names and "missing-max-tokens" not in names
    assert all(r.code.startswith("O") for r in select_rules(settings, select=["O"]))


def test_walked_yaml_without_requests_is_not_listed(make_repo, monkeypatch):
    root = make_repo({
        ".github/workflows/ci.yml": "name: ci\non: push\n",
        "configs/a.yaml": "model: claude-haiku-5-5\nmax_tokens: 10\nmessages: [{role: user, content: hi}]\n",
        "k8s/deploy.yaml": "model: x\nsystem: y\nkind: z\n",
    })
    monkeypatch.chdir(root)
    result = Linter(Settings(root=root), use_cache=False).lint_paths([Path(".")])
    assert [r.path for r in result.files] == ["configs/a.yaml", "k8s/deploy.yaml"]
    assert result.files[0].calls[0]["model"] == "claude-haiku-5-5"
