"""`advisor tokens --exact`: the real SDK's count_tokens call against the fake API on
loopback (real HTTP), with the key from the environment and never in the output."""

import json

import pytest
from click.testing import CliRunner

from advisor.cli import cli
from advisor.live.fake_api import FakeMessagesServer, count_input_tokens

KEY = "sk-ant-api03-EXACTCOUNTKEYxxxxxxxxxxxxxxxxxxxxxxxx"


@pytest.fixture
def fake(monkeypatch):
    with FakeMessagesServer() as server:
        server.configure(api_key=KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        monkeypatch.setenv("ANTHROPIC_API_KEY", KEY)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.delenv(name, raising=False)
        yield server


def test_exact_counts_come_from_count_tokens(fake, make_repo, monkeypatch):
    root = make_repo({"configs/c.yaml": "model: claude-haiku-5-5\nmax_tokens: 10\nsystem: Be brief.\nmessages: [{role: user, content: Hello there}]\n"})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["tokens", "configs/c.yaml", "--exact", "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    counted = [r for r in fake.state.requests if r.path.startswith("/v1/messages/count_tokens")]
    assert len(counted) == 1  # its one call; the file is the sum of its calls
    call = data["files"][0]["calls"][0]
    assert call["exact"] is True and call["basis"] == "exact: count_tokens API"
    assert call["tokens"] == count_input_tokens(counted[0].body) == data["files"][0]["tokens"]
    assert counted[0].body["model"] == "claude-haiku-5-5" and counted[0].body["system"] == "Be brief."
    assert KEY not in result.output


def test_a_failed_exact_count_says_so_and_falls_back_to_estimates(fake, make_repo, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-api03-WRONGKEYxxxxxxxxxxxxxxxxxxxxxxxx")
    root = make_repo({"prompts/a.txt": "Summarize the ticket in 3 sentences.\n"})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["tokens", "prompts/a.txt", "--exact"], catch_exceptions=False)
    assert result.exit_code == 2
    assert "exact counts failed: the API refused the key (HTTP 401): check ANTHROPIC_API_KEY; showing offline estimates" in result.stderr
    assert "Error" not in result.stderr
    assert "~" in result.stdout and "estimate" in result.stdout
    assert "WRONGKEY" not in result.output
