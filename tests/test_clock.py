"""One date for a run: --today / ADVISOR_TODAY beat `today` in config, which beats the
machine's date; the result cache never serves findings judged on another day."""

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from advisor import clock
from advisor.cli import cli

DEPRECATED = "model: claude-sonnet-4-5-20250929\nmax_tokens: 100\nmessages: [{role: user, content: hi}]\n"


def lifecycle_messages(root, monkeypatch, *args, env=None):
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["lint", "--select", "deprecated-model", "--format", "json", *args], env=env)
    assert result.exit_code in (0, 1), result.output
    return [f["message"] for f in json.loads(result.output)["findings"]]


def test_command_line_beats_environment_beats_config(make_repo, monkeypatch):
    root = make_repo({"configs/a.yaml": DEPRECATED, ".advisor.toml": "today = 2026-12-05\n"})
    monkeypatch.delenv(clock.ENVIRONMENT_VARIABLE, raising=False)
    (from_config,) = lifecycle_messages(root, monkeypatch)
    assert "was retired" in from_config
    (from_env,) = lifecycle_messages(root, monkeypatch, env={clock.ENVIRONMENT_VARIABLE: "2026-11-01"})
    assert "retires on 2026-11-30" in from_env
    (from_flag,) = lifecycle_messages(root, monkeypatch, "--today", "2026-11-29", env={clock.ENVIRONMENT_VARIABLE: "2026-12-31"})
    assert "retires on 2026-11-30" in from_flag


def test_the_cache_does_not_carry_findings_across_dates(make_repo, monkeypatch):
    root = make_repo({"configs/a.yaml": DEPRECATED})
    (before,) = lifecycle_messages(root, monkeypatch, "--today", "2026-11-01")
    (after,) = lifecycle_messages(root, monkeypatch, "--today", "2026-12-01")
    assert "retires on" in before and "was retired" in after


def test_a_malformed_date_is_a_usage_error_naming_its_source(make_repo, monkeypatch):
    root = make_repo({"configs/a.yaml": DEPRECATED})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["lint", "--today", "tomorrow"])
    assert result.exit_code == 2 and "--today" in result.output and "YYYY-MM-DD" in result.output
    (root / ".advisor.toml").write_text('today = "30/11/2026"\n')
    result = CliRunner().invoke(cli, ["lint"])
    assert result.exit_code == 2 and "today" in result.output and ".advisor.toml" in result.output


def test_clock_reads_the_environment_only_when_nothing_is_pinned(monkeypatch):
    monkeypatch.setenv(clock.ENVIRONMENT_VARIABLE, "2030-01-02")
    assert clock.today() == dt.date(2030, 1, 2)
    assert clock.today(dt.date(2026, 1, 1)) == dt.date(2026, 1, 1)
    monkeypatch.setenv(clock.ENVIRONMENT_VARIABLE, "soon")
    with pytest.raises(clock.DateError, match=clock.ENVIRONMENT_VARIABLE):
        clock.today()
    monkeypatch.delenv(clock.ENVIRONMENT_VARIABLE)
    assert clock.today() == dt.date.today()
