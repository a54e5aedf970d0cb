"""The anthropic pin a project declares, and the sampling rule judged by it."""

import json

import pytest

from advisor import sdk_pin
from advisor.sdk_pin import is_pre_1, project_pin

CALL = (
    "import anthropic\nclient = anthropic.Anthropic()\n"
    'r = client.messages.create(model="claude-haiku-4-5", max_tokens=100, temperature=0.2, messages=[])\n'
)


@pytest.mark.parametrize("spec,expected", [
    ("==0.34.2", True), ("<1", True), ("<1.0", True), ("~=0.40", True), ("^0.30", True), ("0.34.2", True),
    (">=0.30,<1", True), (">=1.2", False), ("==2.14.0", False), (">=0.30", False), ("", None),
])
def test_version_specifiers(spec, expected):
    assert is_pre_1(spec) is expected


@pytest.mark.parametrize("files,source,pre_1", [
    ({"requirements.txt": "flask\nanthropic==0.34.2  # pinned\n"}, "requirements.txt", True),
    ({"requirements-dev.txt": "anthropic>=1.3\n"}, "requirements-dev.txt", False),
    ({"requirements/base.txt": "flask\n", "requirements/main.txt": "-r base.txt\nanthropic==0.49.0\n"}, "requirements/main.txt", True),
    ({"pyproject.toml": '[project]\nname="x"\ndependencies=["anthropic-tools", "anthropic<1"]\n'}, "pyproject.toml", True),
    ({"pyproject.toml": '[tool.poetry.dependencies]\nanthropic = {version = "^0.25"}\n'}, "pyproject.toml", True),
    ({"uv.lock": '[[package]]\nname = "anthropic"\nversion = "2.14.0"\n', "requirements.txt": "anthropic<1\n"}, "uv.lock", False),
    ({"Pipfile.lock": json.dumps({"default": {"anthropic": {"version": "==0.20.0"}}})}, "Pipfile.lock", True),
])
def test_pins_are_found_walking_up_to_the_repository_root(make_repo, monkeypatch, files, source, pre_1):
    root = make_repo({**files, ".git/HEAD": "ref: refs/heads/main\n", "app/chat.py": CALL})
    monkeypatch.chdir(root)
    pin = project_pin("app/chat.py")
    assert pin is not None and pin.source == source and pin.pre_1 is pre_1


def test_no_pin_outside_the_repository(make_repo, monkeypatch):
    root = make_repo({"requirements.txt": "anthropic==0.34.2\n", "repo/.git/HEAD": "x", "repo/app/chat.py": CALL})
    monkeypatch.chdir(root / "repo")
    assert project_pin("app/chat.py") is None


def test_sampling_rule_follows_the_pin(make_repo, monkeypatch):
    from click.testing import CliRunner

    from advisor.cli import cli

    root = make_repo({".git/HEAD": "x", "app/chat.py": CALL})
    monkeypatch.chdir(root)

    def messages():
        result = CliRunner().invoke(cli, ["lint", "--no-cache", "--select", "unsupported-sampling-parameter", "--format", "json", "app/chat.py"])
        return [f["message"] for f in json.loads(result.output)["findings"]]

    (unpinned,) = messages()
    assert "TypeError" in unpinned and "no `anthropic` pin found" in unpinned
    (root / "requirements.txt").write_text("anthropic==0.34.2\n")
    sdk_pin.clear_cache()  # the cache lives for one run; this test edits the tree mid-way
    assert messages() == []  # SDK 0.x takes temperature= and claude-haiku-4-5 accepts it


def test_a_changed_pin_invalidates_the_cached_result(make_repo, monkeypatch):
    from click.testing import CliRunner

    from advisor.cli import cli

    root = make_repo({".git/HEAD": "x", "requirements.txt": "anthropic==0.34.2\n", "app/chat.py": CALL})
    monkeypatch.chdir(root)
    args = ["lint", "--select", "unsupported-sampling-parameter", "--format", "json", "app/chat.py"]
    assert json.loads(CliRunner().invoke(cli, args).output)["findings"] == []
    (root / "requirements.txt").write_text("anthropic==2.14.0\n")
    sdk_pin.clear_cache()
    (finding,) = json.loads(CliRunner().invoke(cli, args).output)["findings"]
    assert "anthropic==2.14.0 in requirements.txt" in finding["message"]


LANGCHAIN = (
    "from langchain_anthropic import ChatAnthropic\n"
    'llm = ChatAnthropic(model="claude-haiku-4-5")\n\n'
    "def essay(topic):\n"
    '    return llm.invoke("Write a ten-paragraph essay on the topic.\\n" + topic).content\n'
)


@pytest.mark.parametrize("files,source", [
    ({"requirements.txt": "langchain-anthropic==0.3.22\n"}, "requirements.txt"),
    ({"pyproject.toml": '[project]\nname="x"\ndependencies=["langchain_anthropic<1"]\n'}, "pyproject.toml"),
    ({"uv.lock": '[[package]]\nname = "langchain-anthropic"\nversion = "0.3.22"\n'}, "uv.lock"),
])
def test_a_wrappers_pin_is_found_like_the_sdks(make_repo, monkeypatch, files, source):
    root = make_repo({**files, ".git/HEAD": "x", "app/chain.py": LANGCHAIN})
    monkeypatch.chdir(root)
    pin = project_pin("app/chain.py", "langchain-anthropic")
    assert pin is not None and pin.source == source and pin.pre_1 and pin.package == "langchain-anthropic"
    assert project_pin("app/chain.py") is None  # the SDK itself is not pinned there


def test_langchain_default_budget_follows_its_pin(make_repo, monkeypatch):
    """langchain-anthropic 0.x sent max_tokens=1024 (a budget, too small for ten paragraphs);
    1.0 and later send the model's largest output (no budget at all)."""
    from click.testing import CliRunner

    from advisor.cli import cli

    root = make_repo({".git/HEAD": "x", "requirements.txt": "langchain-anthropic==0.3.22\n", "app/chain.py": LANGCHAIN})
    monkeypatch.chdir(root)
    args = ["lint", "--select", "missing-max-tokens,max-tokens-truncation-risk", "--format", "json", "app/chain.py"]

    def findings():
        return [(f["rule"], f["message"]) for f in json.loads(CliRunner().invoke(cli, args).output)["findings"]]

    [(rule, message)] = findings()
    assert rule == "max-tokens-truncation-risk"
    assert message.startswith("max_tokens=1024 (langchain-anthropic's default for langchain-anthropic==0.3.22 in requirements.txt")
    (root / "requirements.txt").write_text("langchain-anthropic>=1.0\n")
    sdk_pin.clear_cache()  # and the cached result depends on the pin file
    [(rule, message)] = findings()
    assert rule == "missing-max-tokens" and "64,000 tokens for `claude-haiku-4-5`" in message
