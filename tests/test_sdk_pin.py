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
