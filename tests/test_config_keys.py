"""The configuration key table is what validation, `advisor config` and the docs read."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor import checks
from advisor.cli import cli
from advisor.config import ConfigError, Settings, load_settings
from advisor.config_keys import CONFIG_KEYS, render_markdown

ROOT = Path(__file__).resolve().parent.parent


def _load(tmp_path, text):
    (tmp_path / ".advisor.toml").write_text(text, encoding="utf-8")
    return load_settings(tmp_path, known_rules=checks.known_selectors(), rule_options=checks.declared_options())


def test_every_setting_has_exactly_one_key():
    attributes = [key.attribute for key in CONFIG_KEYS]
    fields = {f.name for f in dataclasses.fields(Settings)} - {"root", "config_file"}
    assert sorted(attributes) == sorted(fields)
    assert len({key.name for key in CONFIG_KEYS}) == len(CONFIG_KEYS)


def test_the_configuration_page_is_generated_from_the_table():
    committed = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert committed == render_markdown(), "regenerate with `advisor config --format markdown > docs/configuration.md`"
    for key in CONFIG_KEYS:
        assert f"| `{key.name}` |" in committed


def test_every_documented_key_is_accepted_with_its_documented_default(tmp_path):
    """Writing each key's default back into a config gives the same settings as leaving
    it out: the table's defaults are the ones a run really uses."""
    listed = json.loads(CliRunner().invoke(cli, ["config", "--format", "json"]).output)
    assert [entry["name"] for entry in listed] == [key.name for key in CONFIG_KEYS]
    plain = Settings(root=tmp_path)
    for entry in listed:
        key = next(k for k in CONFIG_KEYS if k.name == entry["name"])
        if entry["default"] is None:
            continue
        value = entry["default"]
        if isinstance(value, list):
            body = "[" + ", ".join(json.dumps(item) for item in value) + "]"
        elif isinstance(value, dict):
            body = "{}"
        else:
            body = json.dumps(value)
        settings = _load(tmp_path, f"{entry['name']} = {body}\n")
        assert getattr(settings, key.attribute) == getattr(plain, key.attribute), entry["name"]


@pytest.mark.parametrize("text, hint", [
    ("exlude = []\n", "did you mean `exclude`?"),
    ("extend_exclude = []\n", "did you mean `extend-exclude`?"),
    ('select = ["word-count-limt"]\n', "did you mean `word-count-limit`?"),
    ("[rules.oversized-model]\nmax-output-token = 10\n", "did you mean `max-output-tokens`?"),
    ("[latency.tiers.fast]\nbase_ttft = 10\n", "did you mean `base_ttft_ms`?"),
])
def test_a_misspelt_name_gets_the_nearest_real_one(tmp_path, text, hint):
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, text)
    assert hint in str(raised.value) and ".advisor.toml" in str(raised.value)


def test_a_name_far_from_every_key_gets_no_guess(tmp_path):
    with pytest.raises(ConfigError) as raised:
        _load(tmp_path, "colour = 1\n")
    assert "did you mean" not in str(raised.value) and "unknown key `colour`" in str(raised.value)


def test_command_line_rule_typos_get_the_nearest_rule(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.prompt").write_text("Reply in one sentence.\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["lint", "--select", "missing-max-token", "a.prompt"])
    assert result.exit_code == 2
    assert "did you mean `missing-max-tokens`?" in result.output


def test_a_closed_pipe_ends_the_command_quietly(tmp_path):
    """`advisor rules | head -1`: the reader goes away; no traceback, no 'internal error'."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([sys.executable, "-m", "advisor", "rules"], stdout=write_end, stderr=subprocess.PIPE,
                              timeout=60, cwd=tmp_path)
    finally:
        os.close(write_end)
    assert b"internal error" not in done.stderr and b"Traceback" not in done.stderr
    assert done.returncode == 141
