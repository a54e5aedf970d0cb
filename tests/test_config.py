from pathlib import Path

import pytest

from advisor import checks
from advisor.config import ConfigError, find_config_file, load_settings
from advisor.config_keys import parse_size
from advisor.model import Severity


def _load(start: Path, **kwargs):
    return load_settings(start, known_rules=checks.known_selectors(), rule_options=checks.declared_options(), **kwargs)


def test_walks_up_to_pyproject_with_advisor_table(make_repo):
    root = make_repo({
        "pyproject.toml": """
            [project]
            name = "x"
            [tool.advisor]
            ignore = ["oversized-model"]
            fail-on = "error"
        """,
        "prompts/deep/a.txt": "hi",
    })
    settings = _load(root / "prompts" / "deep" / "a.txt")
    assert settings.config_file == root / "pyproject.toml"
    assert settings.root == root
    assert settings.ignore == ("oversized-model",)
    assert settings.fail_on is Severity.ERROR


def test_pyproject_without_table_is_skipped_and_search_goes_on(make_repo):
    root = make_repo({
        ".advisor.toml": 'ignore = ["parse-error"]\n',
        "sub/pyproject.toml": "[project]\nname = 'x'\n",
        "sub/a.txt": "hi",
    })
    found = find_config_file(root / "sub" / "a.txt")
    assert found is not None and found[0] == root / ".advisor.toml"


def test_advisor_toml_wins_over_pyproject_in_the_same_directory(make_repo):
    root = make_repo({
        ".advisor.toml": 'ignore = ["parse-error"]\n',
        "pyproject.toml": '[tool.advisor]\nignore = ["word-count-limit"]\n',
    })
    assert _load(root).ignore == ("parse-error",)


def test_unknown_key_is_named(make_repo):
    root = make_repo({"pyproject.toml": '[tool.advisor]\nselekt = ["O"]\n'})
    with pytest.raises(ConfigError, match=r"pyproject.toml: \[tool.advisor\]: unknown key `selekt`"):
        _load(root)


def test_unknown_rule_in_select_is_named(make_repo):
    root = make_repo({".advisor.toml": 'select = ["word-count-limits"]\n'})
    with pytest.raises(ConfigError, match="unknown rule 'word-count-limits'"):
        _load(root)


def test_code_prefixes_are_valid_selectors(make_repo):
    root = make_repo({".advisor.toml": 'select = ["O", "S001"]\n'})
    assert _load(root).select == ("O", "S001")


def test_rule_options_are_validated_by_name_and_type(make_repo):
    root = make_repo({".advisor.toml": '[rules.oversized-model]\nmax-output-tokens = 2048\n'})
    assert _load(root).rule_options == {"oversized-model": {"max-output-tokens": 2048}}
    bad_key = make_repo({"k/.advisor.toml": '[rules.oversized-model]\nmax-output = 1\n'}) / "k"
    with pytest.raises(ConfigError, match=r"unknown key `rules.oversized-model.max-output`"):
        _load(bad_key)
    bad_type = make_repo({"t/.advisor.toml": '[rules.oversized-model]\nmax-output-tokens = "lots"\n'}) / "t"
    with pytest.raises(ConfigError, match="must be int"):
        _load(bad_type)


def test_severity_override_must_be_a_level(make_repo):
    root = make_repo({".advisor.toml": '[severity]\nword-count-limit = "fatal"\n'})
    with pytest.raises(ConfigError, match="must be one of info, warning, error"):
        _load(root)


def test_invalid_toml_names_the_file(make_repo):
    root = make_repo({".advisor.toml": "select = [\n"})
    with pytest.raises(ConfigError, match=r"\.advisor\.toml: invalid TOML"):
        _load(root)


def test_isolated_ignores_config(make_repo):
    root = make_repo({".advisor.toml": 'ignore = ["parse-error"]\n'})
    assert _load(root, isolated=True).ignore == ()


@pytest.mark.parametrize("value,expected", [(2048, 2048), ("2MiB", 2 * 1024 * 1024), ("512KB", 512_000), ("1.5 MB", 1_500_000), ("big", None), (-1, None), (True, None)])
def test_parse_size(value, expected):
    assert parse_size(value) == expected


def test_fingerprint_changes_with_settings(make_repo):
    a = _load(make_repo({"a/.advisor.toml": 'ignore = ["parse-error"]\n'}) / "a")
    b = _load(make_repo({"b/.advisor.toml": 'ignore = ["word-count-limit"]\n'}) / "b")
    assert a.fingerprint() != b.fingerprint()


def test_latency_and_model_overrides_are_validated(make_repo):
    good = make_repo({"g/.advisor.toml": """
        [latency.tiers.fast]
        output_tokens_per_s = 95
        [latency.cache]
        read_prefill_factor = 0.3
        [models.claude-haiku-5-5]
        min_cache_tokens = 2048
    """}) / "g"
    settings = _load(good)
    assert settings.latency["tiers"]["fast"]["output_tokens_per_s"] == 95
    assert settings.models["claude-haiku-5-5"]["min_cache_tokens"] == 2048
    bad_tier = make_repo({"a/.advisor.toml": "[latency.tiers.fast]\ntokens_per_second = 95\n"}) / "a"
    with pytest.raises(ConfigError, match=r"unknown key `latency.tiers.fast.tokens_per_second`"):
        _load(bad_tier)
    bad_model = make_repo({"b/.advisor.toml": "[models.claude-haiku-5-5]\nspeed = 1\n"}) / "b"
    with pytest.raises(ConfigError, match=r"unknown key `models.claude-haiku-5-5.speed`"):
        _load(bad_model)


def test_latency_overrides_change_the_estimates(make_repo, monkeypatch):
    import json

    from click.testing import CliRunner

    from advisor.cli import cli

    files = {"c.yaml": "model: claude-haiku-5-5\nmax_tokens: 100\nsystem: Answer in 2 sentences.\nmessages: []\n"}
    root = make_repo({"base/" + k: v for k, v in files.items()})
    slow = make_repo({"slow/" + k: v for k, v in files.items()} | {"slow/.advisor.toml": "[latency.tiers.fastest]\nbase_ttft_ms = 5000\n"})
    estimates = []
    for folder in (root / "base", slow / "slow"):
        monkeypatch.chdir(folder)
        out = CliRunner().invoke(cli, ["lint", "--no-cache", "--format", "json", "c.yaml"]).stdout
        estimates.append(json.loads(out)["calls"][0]["estimate"]["ttft_ms"])
    assert estimates[1] - estimates[0] == 5000 - 400


def test_each_path_is_linted_with_its_own_projects_configuration(tmp_path, monkeypatch):
    """`advisor lint a b` and `advisor lint b a` agree when a and b have different configs."""
    import json

    from click.testing import CliRunner

    from advisor.cli import cli

    wordy = "Summarize the ticket in no more than 120 words.\n"
    for name, table in (("a", '[tool.advisor]\nignore = ["word-count-limit"]\n'), ("b", "[tool.advisor]\n")):
        (tmp_path / name / "prompts").mkdir(parents=True)
        (tmp_path / name / "pyproject.toml").write_text(table)
        (tmp_path / name / "prompts" / "p.txt").write_text(wordy)
    monkeypatch.chdir(tmp_path)

    def findings(*paths):
        out = CliRunner().invoke(cli, ["lint", "--no-cache", "--format", "json", *paths]).stdout
        return sorted((f["path"], f["rule"]) for f in json.loads(out)["findings"])

    expected = [("b/prompts/p.txt", "word-count-limit")]
    assert findings("a", "b") == findings("b", "a") == expected
    # and --fix edits each file by its own configuration: a's rule is off, so a is untouched
    CliRunner().invoke(cli, ["lint", "--no-cache", "--fix", "--unsafe-fixes", "b", "a"])
    assert (tmp_path / "a" / "prompts" / "p.txt").read_text() == wordy
    assert (tmp_path / "b" / "prompts" / "p.txt").read_text() != wordy


def test_a_walk_gives_each_file_its_nearest_configuration(tmp_path, monkeypatch):
    """`advisor lint .` over a repository whose sub-project has its own configuration: the
    sub-project's files follow it (its ignore, its own excludes), the rest the root's, each
    file is linted once, and `--config` puts everything under one configuration again."""
    import json

    from click.testing import CliRunner

    from advisor.cli import cli

    wordy = "Summarize the ticket in no more than 120 words.\n"
    (tmp_path / "pyproject.toml").write_text('[tool.advisor]\nextend-exclude = ["skipped/"]\n')
    (tmp_path / "svc" / "deep").mkdir(parents=True)
    (tmp_path / "svc" / ".advisor.toml").write_text('ignore = ["word-count-limit"]\n')
    (tmp_path / "svc" / "deep" / ".advisor.toml").write_text('select = ["word-count-limit"]\n')
    for folder in ("prompts", "svc/prompts", "svc/deep/prompts", "svc/skipped/prompts"):
        (tmp_path / folder).mkdir(parents=True, exist_ok=True)
        (tmp_path / folder / "p.txt").write_text(wordy)
    monkeypatch.chdir(tmp_path)

    def linted(*args):
        out = CliRunner().invoke(cli, ["lint", "--no-cache", "--format", "json", *args]).stdout
        data = json.loads(out)
        return sorted(f["path"] for f in data["files"]), sorted(f["path"] for f in data["findings"])

    files, flagged = linted(".")
    # svc/ ignores the rule; svc/deep/ selects it again; the root's exclude of skipped/ is
    # not svc's (a sub-project's configuration replaces the parent's, as in ruff)
    assert files == ["prompts/p.txt", "svc/deep/prompts/p.txt", "svc/prompts/p.txt", "svc/skipped/prompts/p.txt"]
    assert flagged == ["prompts/p.txt", "svc/deep/prompts/p.txt"]
    assert linted(".", "svc") == linted("svc", ".") == (files, flagged)
    files, flagged = linted("--config", "pyproject.toml", ".")
    assert files == ["prompts/p.txt", "svc/deep/prompts/p.txt", "svc/prompts/p.txt"]
    assert flagged == files
