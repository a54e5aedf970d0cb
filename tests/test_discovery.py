import os
from pathlib import Path

from advisor.config import Settings
from advisor.discovery import Discovery
from advisor.model import Kind


def _discover(root: Path, paths=None, *, force_exclude=False, cwd=None, **settings):
    discovery = Discovery(Settings(root=root, **settings), cwd=cwd or root, force_exclude=force_exclude)
    found = {c.display: c for c in discovery.candidates(paths or [root])}
    return found, discovery.notes


def test_default_include_and_kinds(make_repo):
    root = make_repo({
        "prompts/summary.txt": "x",
        "prompts/sub/notes.md": "x",
        "docs/guide.md": "x",
        "notes.txt": "x",
        "t/reply.j2": "x",
        "a.prompt": "x",
        "c/req.yaml": "x",
        "app.py": "x",
        "image.png": "x",
    })
    found, _ = _discover(root)
    assert set(found) == {"prompts/summary.txt", "prompts/sub/notes.md", "t/reply.j2", "a.prompt", "c/req.yaml", "app.py"}
    assert found["t/reply.j2"].kind is Kind.TEMPLATE
    assert found["c/req.yaml"].kind is Kind.CONFIG
    assert found["prompts/summary.txt"].kind is Kind.PROMPT


def test_skips_vcs_virtualenvs_node_modules_and_build_output(make_repo):
    root = make_repo({
        ".git/x.py": "x",
        "node_modules/p/x.py": "x",
        "build/lib/x.py": "x",
        "myenv/pyvenv.cfg": "home = /usr",
        "myenv/lib/x.py": "x",
        ".venv/x.py": "x",
        "src/ok.py": "x",
    })
    found, _ = _discover(root)
    assert set(found) == {"src/ok.py"}


def test_folders_left_out_by_their_own_files_in_the_order_they_were_always_listed(make_repo):
    """A walk reads a folder's markers (a virtualenv's pyvenv.cfg, an `advisor ab` run
    directory) and its own configuration off the folder's listing: the folders left out,
    and the subprojects in the order a walk deciding from the parent's listing gave."""
    from advisor.discovery import RUN_MARKER

    root = make_repo({
        "a/sub1/.advisor.toml": "",
        "a/sub1/p.prompt": "x",
        "a/x/sub2/pyproject.toml": "[tool.advisor]\n",
        "a/x/sub2/p.prompt": "x",
        "a/x/plain/pyproject.toml": "[project]\nname = 'not ours'\n",
        "a/x/plain/p.prompt": "x",
        "b/.advisor.toml": "",
        "b/p.prompt": "x",
        "env/pyvenv.cfg": "home = /usr",
        "env/sub/.advisor.toml": "",
        "env/p.prompt": "x",
        f"runs/1/{RUN_MARKER}": "",
        "runs/1/p.prompt": "x",
        "fake/pyvenv.cfg/p.prompt": "x",
        "top.prompt": "x",
    })
    discovery = Discovery(Settings(root=root), cwd=root, nested_configs=True)
    found = [c.display for c in discovery.candidates([root])]
    assert sorted(found) == ["a/x/plain/p.prompt", "fake/pyvenv.cfg/p.prompt", "top.prompt"]
    assert [p.relative_to(root).as_posix() for p in discovery.subprojects] == ["b", "a/sub1", "a/x/sub2"]


def test_gitignore_with_negation_and_nesting(make_repo):
    root = make_repo({
        ".git/HEAD": "ref",
        ".gitignore": "*.py\n!keep.py\ngenerated/\n",
        "drop.py": "x",
        "keep.py": "x",
        "generated/a.j2": "x",
        "sub/.gitignore": "local.j2\n",
        "sub/local.j2": "x",
        "sub/other.j2": "x",
    })
    found, _ = _discover(root)
    assert set(found) == {"keep.py", "sub/other.j2"}
    found, _ = _discover(root, respect_gitignore=False)
    assert {"drop.py", "generated/a.j2", "sub/local.j2"} <= set(found)


def test_explicit_file_is_linted_as_its_extension_says(make_repo):
    root = make_repo({"README.md": "x", "notes.txt": "x", ".gitignore": "notes.txt\n"})
    found, _ = _discover(root, [root / "README.md", root / "notes.txt"])
    assert set(found) == {"README.md", "notes.txt"}
    assert found["README.md"].explicit and found["README.md"].kind is Kind.PROMPT


def test_force_exclude_applies_excludes_to_explicit_files(make_repo):
    root = make_repo({"vendor/a.py": "x", "b.py": "x"})
    found, _ = _discover(root, [root / "vendor" / "a.py", root / "b.py"], force_exclude=True,
                         extend_exclude=("vendor/",))
    assert set(found) == {"b.py"}
    found, _ = _discover(root, [root / "vendor" / "a.py"], extend_exclude=("vendor/",))
    assert set(found) == {"vendor/a.py"}


def test_unknown_extension_named_explicitly_gets_a_note(make_repo):
    root = make_repo({"data.csv": "x"})
    found, notes = _discover(root, [root / "data.csv"])
    assert not found
    assert notes[0].path == "data.csv" and "not a file type" in notes[0].reason


def test_missing_path_gets_a_note(make_repo):
    root = make_repo({"a.py": "x"})
    found, notes = _discover(root, [root / "nope.txt"])
    assert not found and "no such file" in notes[0].reason


def test_symlinks_out_of_the_tree_are_not_followed(make_repo, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.py").write_text("x")
    (outside / "dir").mkdir()
    (outside / "dir" / "b.py").write_text("x")
    root = make_repo({"inside.py": "x"})
    os.symlink(outside / "secret.py", root / "link.py")
    os.symlink(outside / "dir", root / "linkdir")
    os.symlink(root / "inside.py", root / "alias.py")
    found, notes = _discover(root)
    assert "link.py" not in found and not any(name.startswith("linkdir") for name in found)
    assert {"inside.py", "alias.py"} <= set(found)
    reasons = {n.path: n.reason for n in notes}
    assert "symbolic link to outside" in reasons["link.py"]
    assert "symbolic link to outside" in reasons["linkdir"]


def test_paths_are_relative_to_the_working_directory(make_repo):
    root = make_repo({"proj/prompts/a.txt": "x"})
    found, _ = _discover(root / "proj", [root / "proj"], cwd=root)
    assert set(found) == {"proj/prompts/a.txt"}


def test_repository_root_gitignore_applies_when_linting_a_subdirectory(make_repo):
    root = make_repo({
        ".git/HEAD": "ref",
        ".gitignore": "generated/\n*.tmp.j2\n",
        "proj/generated/a.j2": "x",
        "proj/b.tmp.j2": "x",
        "proj/c.j2": "x",
    })
    found, _ = _discover(root, [root / "proj"])
    assert set(found) == {"proj/c.j2"}


def test_ab_run_directories_are_skipped(make_repo):
    root = make_repo({
        "reports/ab-1/.advisor-run": "x",
        "reports/ab-1/plan.json": '{"model": "m", "messages": []}',
        "configs/a.json": "{}",
    })
    found, _ = _discover(root)
    assert set(found) == {"configs/a.json"}


def test_templates_of_web_pages_are_not_prompts(make_repo):
    root = make_repo({"templates/page.html.j2": "x", "templates/query.sql.j2": "x", "prompts/reply.j2": "x"})
    found, _ = _discover(root)
    assert set(found) == {"prompts/reply.j2"}


def test_markdown_pages_for_people_in_a_prompts_folder_are_not_prompts(make_repo, monkeypatch):
    import json

    from click.testing import CliRunner

    from advisor.cli import cli

    root = make_repo({
        "prompts/overview.md": "---\ntitle: Prompts\n---\n# Our prompts\nSee [a](a.md), [b](./b.md), [c](#c).\n\n```\nx\n```\n\n```\ny\n```\n",
        "prompts/README.md": "Keep the answer under 300 words.\n",
        "prompts/task.md": "Reply in under 90 words.\n",
        "src/agents/summary_prompt.md": "Summarize the page in no more than 120 words.\n",
        "src/agents/htr_system_prompt.txt": "Answer in under 200 words.\n",
        "docs/notes.md": "Reply in under 90 words.\n",
    })
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--isolated", "--format", "json"])
    linted = sorted(f["path"] for f in json.loads(result.output)["files"])
    assert linted == ["prompts/task.md", "src/agents/htr_system_prompt.txt", "src/agents/summary_prompt.md"]
    # named on the command line, a page is still linted: the user asked for it
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--isolated", "--format", "json", "prompts/README.md"])
    assert [f["path"] for f in json.loads(result.output)["files"]] == ["prompts/README.md"]


def test_the_walk_fast_path_excludes_exactly_what_the_full_check_does(make_repo):
    """Walked files are checked by name (and their walk's top once) where the patterns
    allow it; the files found must be the ones the full three-way check finds."""
    root = make_repo({
        "prompts/a.txt": "x",
        "prompts/page.html.j2": "x",
        "t/reply.j2": "x",
        "t/mail.sql.j2": "x",
        "build/prompts/b.txt": "x",
        "vendor.pyc/c.prompt": "x",
        "deep/cache/d.prompt": "x",
        "deep/keep/e.prompt": "x",
    })
    cases = [
        ((), [root]),
        ((), [root / "build"]),
        (("*.pyc", "cache/"), [root]),
        (("*.pyc", "cache/"), [root / "deep"]),
        (("*.pyc",), [root / "vendor.pyc"]),
        (("deep/keep/",), [root]),
        (("!t/mail.sql.j2",), [root]),
    ]
    for extra, paths in cases:
        settings = Settings(root=root, extend_exclude=extra)
        fast = Discovery(settings, cwd=root)
        full = Discovery(settings, cwd=root)
        full._walked_files_by_name = False
        assert [c.display for c in fast.candidates(paths)] == [c.display for c in full.candidates(paths)], (extra, paths)
    found, _ = _discover(root)
    assert "prompts/page.html.j2" not in found and "t/reply.j2" in found and "build/prompts/b.txt" not in found


def test_the_combined_include_pattern_answers_as_pathspec_does():
    import pathspec

    from advisor.config import DEFAULT_INCLUDE
    from advisor.discovery import _any_of

    paths = ["build/", "build/x.js", "a/build/", "app.min.js", "a.prompt", "prompts/x.txt", "deep/My_Prompts/sub/y.md", "notes.txt", "x/prompt.txt", "app.py",
             "t/reply.j2", "c/req.yaml", "c/req.yml.bak", "PROMPTS/a.txt", "./prompts/x.txt", "image.png", "a/b/c.json",
             # the `*.ext` shortcut: a folder named like a file, endings in other case, a bare ending
             "lib.py/inner.txt", "lib.py/", "APP.PY", "a.PROMPT", ".py", "x/.env", "x/y.env", "z.env/w.md"]
    for lines in (DEFAULT_INCLUDE, (*DEFAULT_INCLUDE, "*.cfg", "extra/**", "# a comment", ""),
                  (*DEFAULT_INCLUDE, "!app.py"), ("/top.prompt",), ("build/", "*.min.js"), (),
                  ("*.txt", " *.md", "*.json ", "*\\.py", "*.p[y]", "*.")):
        spec = pathspec.PathSpec.from_lines("gitignore", lines)
        fast = _any_of(lines, lambda spec=spec: spec)
        assert [fast(p) for p in paths + ["top.prompt", "x/top.prompt"]] == \
            [spec.match_file(p) for p in paths + ["top.prompt", "x/top.prompt"]], lines
