"""Jupyter notebooks: code cells linted as Python, positions shown by cell, fixes written
into the JSON, and broken notebooks reported rather than crashing the run."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.cli import cli
from advisor.config import Settings
from advisor.engine import Linter
from advisor.fixes import Edit, Fix
from advisor.loaders.notebook import cells_source, is_relevant, load
from advisor.output import github, json_format, sarif, text
from advisor.report.command import generate

TODAY = "2026-12-07"
CALL = (
    "import anthropic\n"
    "client = anthropic.Anthropic()\n"
    "reply = client.messages.create(\n"
    '    model="claude-haiku-5-5",\n'
    "    max_tokens=4096,\n"
    '    messages=[{"role": "user", "content": "Reply with one word: yes or no. Is it raining?"}],\n'
    ")\n"
)


def code(source, **extra):
    return {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": source, **extra}


def markdown(source):
    return {"cell_type": "markdown", "metadata": {}, "source": source}


def notebook(*cells, **top) -> str:
    data = {"cells": list(cells), "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
            "nbformat": 4, "nbformat_minor": 5, **top}
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def lines(text: str) -> list[str]:
    """A cell source in nbformat's list-of-lines form."""
    return text.splitlines(keepends=True)


def lint(make_repo, monkeypatch, files: dict[str, str], *args: str):
    root = make_repo(files)
    monkeypatch.chdir(root)
    return CliRunner().invoke(cli, ["lint", "--no-cache", "--isolated", "--today", TODAY, *args], catch_exceptions=False)


def result_of(make_repo, monkeypatch, files: dict[str, str]):
    root = make_repo(files)
    monkeypatch.chdir(root)
    linter = Linter(Settings(root=root, today=datetime.date(2026, 12, 7)), use_cache=False)
    return linter.lint_paths([root])


# -- reading ------------------------------------------------------------------------------


def test_code_cells_are_python_and_positions_name_the_cell(make_repo, monkeypatch):
    nb = notebook(markdown(["# Notes\n", "Use claude-3-opus-20240229 for everything.\n"]),
                  code(["%pip install anthropic\n"]),
                  code(lines("x = 1\n")),
                  code(lines("# the call\n" + CALL)))
    out = lint(make_repo, monkeypatch, {"nb.ipynb": nb}, "--select", "max-tokens-oversized", "nb.ipynb").output
    # the call is in the 4th cell (markdown counted), max_tokens on its 6th line, column 16
    assert "nb.ipynb:cell 4:6:16: warning max-tokens-oversized" in out
    assert "Found 1 finding" in out  # the markdown cell's model name is not a call


def test_cells_as_one_string_or_as_lines_read_the_same(make_repo, monkeypatch):
    for source in (CALL, lines(CALL)):
        out = lint(make_repo, monkeypatch, {"nb.ipynb": notebook(code(source))}, "--select", "O003", "nb.ipynb").output
        assert "nb.ipynb:cell 1:5:16:" in out


def test_magics_and_shell_lines_are_neutralised_in_place():
    cell_magic = "%%bash\necho sk-ant-not-python\nls -la\n"
    python_body = "%%time\nimport anthropic\n"
    mixed = ("files = !ls\n%matplotlib inline\nclient?\ny = 1  # why?\n"
             "P = '''\n!important: be brief\n%s\n'''\nfor i in range(2):\n    !echo {i}\n    print(i)\n")
    document = load("nb.ipynb", notebook(code(cell_magic), code(python_body), code(mixed)))
    assert document.problems == []
    source = document.source
    assert "#%bash\n#cho sk-ant-not-python\n#s -la\n" in source  # the whole cell is a comment
    assert "#%time\nimport anthropic\n" in source  # a timed cell's body stays Python
    assert "#iles = !ls\n#matplotlib inline\n#lient?\ny = 1  # why?\n" in source
    assert "P = '''\n!important: be brief\n%s\n'''" in source  # text inside a string is untouched
    assert "    #echo {i}\n    print(i)\n" in source
    assert len(source) == 1 + len(cell_magic) + len(python_body) + len(mixed)  # positions kept
    # the report quotes the cells as written
    assert "files = !ls\n%matplotlib inline" in cells_source(notebook(code(mixed)))


def test_automagic_commands_are_ipython_not_python():
    """`pip install x` in a code cell runs `%pip` (IPython's automagic): not a syntax error.
    A name followed by a keyword is still Python and stays."""
    cell = "pip install -U langchain-anthropic\ncd ../data\npip in installed or print(pip)\nimport anthropic\n"
    document = load("nb.ipynb", notebook(code(cell)))
    assert document.problems == []
    assert "#ip install -U langchain-anthropic\n#d ../data\npip in installed or print(pip)\nimport anthropic\n" in document.source


def test_a_prompt_constant_in_a_cell_keeps_its_exact_position(make_repo, monkeypatch):
    cell = ('import anthropic\nSYSTEM = "Answer in 3 sentences."\nclient = anthropic.Anthropic()\n'
            'client.messages.create(model="claude-haiku-5-5", max_tokens=4000, system=SYSTEM, messages=[])\n')
    result = result_of(make_repo, monkeypatch, {"nb.ipynb": notebook(markdown("intro"), code(cell))})
    [finding] = [f for f in result.findings if f.rule == "max-tokens-oversized"]
    cell_position = result.cell_of(finding)
    assert (cell_position.cell, cell_position.line) == (2, 4)
    assert finding.span.column == cell.splitlines()[3].index("4000") + 1


def test_sniff_follows_the_python_sniff_on_code_cells_only():
    assert is_relevant(notebook(code(["import anthropic\n"])))
    assert is_relevant(notebook(code("from anthropic import Anthropic")))
    assert not is_relevant(notebook(markdown(["import anthropic\n"]), code("import os")))
    assert not is_relevant(notebook(code("print('import anthropic')")))
    assert not is_relevant("{ not json")
    # a file that is not readable as a notebook is reported if it plainly uses the SDK
    assert is_relevant('{"cells": [{"cell_type": "code", "source": ["import anthropic\\n"]}], }')


def test_a_walk_lints_only_notebooks_that_import_the_sdk(make_repo, monkeypatch):
    out = lint(make_repo, monkeypatch, {"a/uses.ipynb": notebook(code(CALL)),
                                        "a/plots.ipynb": notebook(code("import pandas\nmodel = 'claude-3-opus'\n"))},
               "--select", "O003", ".").output
    assert "a/uses.ipynb:cell 1:5:16:" in out and "plots" not in out
    assert "in 1 file" in out


def test_a_notebook_in_another_language_is_not_read_as_python():
    document = load("r.ipynb", notebook(code("library(httr)\nx <- 1\n"),
                                        metadata={"language_info": {"name": "R"}}))
    assert document.problems == [] and document.calls == []


def test_inline_suppressions_work_in_a_cell(make_repo, monkeypatch):
    suppressed = CALL.replace("max_tokens=4096,", "max_tokens=4096,  # advisor: ignore[max-tokens-oversized]")
    out = lint(make_repo, monkeypatch, {"nb.ipynb": notebook(code(lines(suppressed)))},
               "--select", "O003,unused-suppression", "nb.ipynb").output
    assert "No findings in 1 file." in out


# -- broken notebooks -------------------------------------------------------------------


@pytest.mark.parametrize("content,message", [
    ("{ not json", "not a valid notebook: invalid JSON"),
    ("[1, 2]", "the top level is a list, not an object"),
    ("{}", 'no "cells" list'),
    ('{"cells": {"a": 1}}', '"cells" is an object, not a list'),
    ('{"worksheets": [], "nbformat": 3}', "nbformat 3"),
    ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
    ("", "invalid JSON"),
])
def test_a_file_that_is_not_a_notebook_is_one_parse_error(make_repo, monkeypatch, content, message):
    result = lint(make_repo, monkeypatch, {"bad.ipynb": content}, "bad.ipynb")
    assert result.exit_code == 1
    assert "parse-error" in result.output and message in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("broken,message", [
    ("just a string", "cell 1 is a string, not an object; skipped"),
    ({"cell_type": "code"}, "cell 1: its source is missing; skipped"),
    (code(42), "cell 1: its source is a number"),
    (code(["x = 1\n", None]), "cell 1: its source is a list, not text or a list of lines"),
    ({"source": "x = 1"}, "cell 1 has no cell_type; skipped"),
    (code("def f(:\n    pass\n"), "invalid Python syntax in cell 1"),
    (code("%%time\nfor x in y\n"), "invalid Python syntax in cell 1"),
])
def test_a_broken_cell_is_reported_and_the_others_are_linted(make_repo, monkeypatch, broken, message):
    out = lint(make_repo, monkeypatch, {"nb.ipynb": notebook(broken, code(CALL))}, "--select", "E,O003", "nb.ipynb").output
    assert message in out
    assert "nb.ipynb:cell 2:5:16: warning max-tokens-oversized" in out  # the good cell is still linted


def test_a_syntax_error_points_into_its_cell(make_repo, monkeypatch):
    out = lint(make_repo, monkeypatch, {"nb.ipynb": notebook(code("x = 1\n"), code("y = (\n"))}, "nb.ipynb").output
    assert "nb.ipynb:cell 2:1:5: error parse-error invalid Python syntax in cell 2: '(' was never closed" in out


def test_a_notebook_past_the_size_limit_is_skipped_with_a_note(make_repo, monkeypatch):
    big = notebook(code(CALL), code(["# padding\n"] * 20_000))
    root = make_repo({"big.ipynb": big, ".advisor.toml": "max-file-size = 100000\n"})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--today", TODAY, "big.ipynb"], catch_exceptions=False)
    assert "big.ipynb: skipped" in result.output and "Traceback" not in result.output


# -- outputs ----------------------------------------------------------------------------


def test_json_sarif_and_github_carry_the_cell(make_repo, monkeypatch):
    result = result_of(make_repo, monkeypatch, {"nb.ipynb": notebook(markdown("m"), code(lines(CALL))),
                                                "app.py": CALL})
    [nb_finding] = [f for f in json_format.as_dict(result)["findings"]
                    if f["rule"] == "max-tokens-oversized" and f["path"] == "nb.ipynb"]
    assert (nb_finding["cell"], nb_finding["end_cell"], nb_finding["line"], nb_finding["end_line"]) == (2, 2, 5, 5)
    assert nb_finding["column"] == 16
    [py_finding] = [f for f in json_format.as_dict(result)["findings"]
                    if f["rule"] == "max-tokens-oversized" and f["path"] == "app.py"]
    assert "cell" not in py_finding and py_finding["line"] == 5
    [entry] = [r for r in sarif.as_dict(result)["runs"][0]["results"]
               if r["ruleId"] == "max-tokens-oversized" and "cell" in r.get("properties", {})]
    assert entry["properties"] == {"cell": 2, "endCell": 2}
    assert entry["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    annotations = [line for line in github.render(result).splitlines() if "nb.ipynb" in line and "O003" in line]
    assert annotations and "line=5," in annotations[0] and "in cell 2" in annotations[0]
    assert "nb.ipynb:cell 2:5:16:" in text.render(result)


def test_the_result_cache_keeps_the_cell_index(make_repo, monkeypatch):
    root = make_repo({"nb.ipynb": notebook(markdown("m"), code(CALL))})
    monkeypatch.chdir(root)
    settings = Settings(root=root, today=datetime.date(2026, 12, 7), cache_dir=root / ".cache")
    first = Linter(settings).lint_paths([root])
    second = Linter(settings).lint_paths([root])
    assert first.files[0].cells is not None
    assert [second.cell_of(f) for f in second.findings] == [first.cell_of(f) for f in first.findings]
    assert any(second.cell_of(f) is not None for f in second.findings)


def test_the_report_quotes_the_cell(make_repo, monkeypatch):
    cell = ("import anthropic\nclient = anthropic.Anthropic()\n!echo calling\n"
            'reply = client.messages.create(model="claude-haiku-5-5", max_tokens=4096, '
            'messages=[{"role": "user", "content": "Reply with one word: yes or no."}])\n')
    root = make_repo({"nb.ipynb": notebook(markdown("m"), code(lines(cell)))})
    monkeypatch.chdir(root)
    result = Linter(Settings(root=root, today=datetime.date(2026, 12, 7)), use_cache=False).lint_paths([root])
    html = generate(result, paths=["."])
    assert "nb.ipynb:cell 2:4:" in html
    assert '<td class="ln">3</td><td class="code">!echo calling</td>' in html  # cell lines, as written
    assert "+++ b/nb.ipynb:cell 2" in html and "max_tokens=16" in html  # the fix as a diff of the cell
    assert "&#34;outputs&#34;" not in html  # never the JSON


def test_tokens_names_the_cell(make_repo, monkeypatch):
    root = make_repo({"nb.ipynb": notebook(markdown("m"), code(CALL))})
    monkeypatch.chdir(root)
    out = CliRunner().invoke(cli, ["tokens", "nb.ipynb"], catch_exceptions=False).output
    assert "nb.ipynb:cell 2:3 messages.create" in out
    explained = CliRunner().invoke(cli, ["tokens", "--explain", "--format", "json", "nb.ipynb"]).output
    [text_entry] = json.loads(explained)["files"][0]["texts"]
    assert (text_entry["cell"], text_entry["line"]) == (2, 6)  # the user message, line 6 of cell 2
    assert text_entry["length_requests"][0]["line"] == 6


# -- fixes ------------------------------------------------------------------------------


def _unchanged_outside(before: str, after: str, changed: str) -> None:
    """``after`` is ``before`` with only the region holding ``changed`` rewritten."""
    prefix = 0
    while before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while before[len(before) - 1 - suffix] == after[len(after) - 1 - suffix]:
        suffix += 1
    region = after[prefix:len(after) - suffix]
    assert len(region) < 80 and changed.startswith(region.strip("\\n\" ,")[:5]), region


@pytest.mark.parametrize("form", ["lines", "string"])
def test_fix_edits_only_the_cell_source_strings(make_repo, monkeypatch, form):
    cell = CALL.replace("Is it raining?", "Est-ce qu'il pleut ? \u00e9\\t")
    outputs = [{"output_type": "stream", "name": "stdout", "text": ["max_tokens=4096\n"]}]
    nb = notebook(markdown("m"), code(lines(cell) if form == "lines" else cell, outputs=outputs))
    nb = nb.replace("\u00e9", "\\u00e9")  # an escape written the other way must survive
    root = make_repo({"nb.ipynb": nb})
    monkeypatch.chdir(root)
    CliRunner().invoke(cli, ["lint", "--no-cache", "--isolated", "--fix", "--select", "O003", "nb.ipynb"])
    after = (root / "nb.ipynb").read_text()
    data = json.loads(after)
    source = data["cells"][1]["source"]
    fixed = "".join(source) if isinstance(source, list) else source
    assert fixed == cell.replace("max_tokens=4096", "max_tokens=16")
    assert isinstance(source, list) == (form == "lines")
    assert data["cells"][1]["outputs"] == outputs and data["cells"][0] == json.loads(nb)["cells"][0]
    assert after.replace('max_tokens=16', 'max_tokens=4096') == nb  # every other byte as it was
    assert "\\u00e9" in after


def test_an_inserted_line_becomes_a_new_string_of_the_list(make_repo, monkeypatch):
    cell = CALL.replace("    max_tokens=4096,\n", "")
    nb = notebook(code(lines(cell)))
    root = make_repo({"nb.ipynb": nb})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--isolated", "--today", TODAY, "--fix", "--unsafe-fixes",
                                      "--select", "missing-max-tokens", "nb.ipynb"])
    assert "Traceback" not in result.output
    after = (root / "nb.ipynb").read_text()
    source = json.loads(after)["cells"][0]["source"]
    assert all(line.endswith("\n") for line in source[:-1]) and all("\n" not in line[:-1] for line in source)
    assert any(line.strip().startswith("max_tokens=") for line in source)
    compile("".join(source), "cell", "exec")
    # the new string sits on its own line of the JSON, indented like its neighbours
    new_line = next(line for line in after.splitlines() if '"    max_tokens=' in line)
    neighbour = next(line for line in after.splitlines() if '"    model=' in line)
    assert len(new_line) - len(new_line.lstrip()) == len(neighbour) - len(neighbour.lstrip())


def test_diff_of_a_notebook_writes_nothing(make_repo, monkeypatch):
    nb = notebook(code(lines(CALL)))
    root = make_repo({"nb.ipynb": nb})
    monkeypatch.chdir(root)
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--isolated", "--diff", "--select", "O003", "nb.ipynb"])
    assert '-    "    max_tokens=4096,\\n",' in result.output and '+    "    max_tokens=16,\\n",' in result.output
    assert (root / "nb.ipynb").read_text() == nb


def test_an_edit_on_a_magic_line_is_refused_not_written():
    nb = notebook(code(lines("%time x = 1\ny = 2\n")))
    document = load("nb.ipynb", nb)
    magic = document.source.index("#time")
    fix, reason = document.container.file_fix(Fix("edit", "safe", (Edit(magic, magic + 5, "%timeit"),)))
    assert fix is None and "IPython" in reason
    later = document.source.index("y = 2")
    fix, _ = document.container.file_fix(Fix("edit", "safe", (Edit(later, later + 1, "z"),)))
    assert fix is not None
    [edit] = fix.edits
    assert json.loads(nb[:edit.start] + edit.replacement + nb[edit.end:])["cells"][0]["source"][1] == "z = 2\n"


def test_a_refused_fix_says_so_in_the_finding():
    from advisor.model import Finding, Severity, Span

    document = load("nb.ipynb", notebook(code(lines("%time x = 1\n"))))
    magic = document.source.index("#time")
    finding = Finding("r", "X1", Severity.WARNING, "nb.ipynb", Span(2, 1, 2, 2), "m", "do this",
                      fix=Fix("edit", "safe", (Edit(magic, magic + 1, "%"),)))
    [carried] = document.container.carry_fixes([finding])
    assert carried.fix is None and carried.suggestion.startswith("do this (not fixed automatically in a notebook")


def test_the_example_notebook_is_linted_with_cells(monkeypatch):
    root = Path(__file__).resolve().parent.parent
    monkeypatch.chdir(root)
    out = CliRunner().invoke(cli, ["lint", "--no-cache", "--today", TODAY, "examples/notebooks"]).output
    assert "examples/notebooks/triage_experiments.ipynb:cell " in out


def test_a_key_is_reported_once_in_a_cell_and_once_outside_the_cells(make_repo, monkeypatch):
    key_in_code = "sk-ant-api03-" + "C" * 60
    key_in_output = "sk-ant-api03-" + "D" * 60
    outputs = [{"output_type": "stream", "name": "stdout", "text": [f"{key_in_code}\n", f"{key_in_output}\n"]}]
    nb = notebook(markdown("setup"), code(lines(f'import anthropic\nKEY = "{key_in_code}"\n'), outputs=outputs))
    result = lint(make_repo, monkeypatch, {"nb.ipynb": nb}, "--select", "hardcoded-api-key", "nb.ipynb")
    out = result.output
    assert "nb.ipynb:cell 2:2:8: error hardcoded-api-key Anthropic API key in the file" in out
    assert "nb.ipynb:1:1: error hardcoded-api-key Anthropic API key in the notebook outside its code cells" in out
    assert "Found 2 findings" in out and "CCCCCCCCCC" not in out and "DDDDDDDDDD" not in out


def test_a_baseline_keeps_a_notebook_finding_known_when_outputs_change(make_repo, monkeypatch):
    outputs = [{"output_type": "stream", "name": "stdout", "text": ["one\n"]}]
    root = make_repo({"nb.ipynb": notebook(markdown("m"), code(lines(CALL), outputs=outputs))})
    monkeypatch.chdir(root)
    run = CliRunner()
    base = ["lint", "--no-cache", "--isolated", "--today", TODAY, "--select", "O003"]
    assert "wrote 1 finding" in run.invoke(cli, [*base, "--write-baseline", "b.json", "nb.ipynb"]).stderr
    [entry] = json.loads((root / "b.json").read_text())["findings"]
    assert entry["text"] == "4096"  # the entry remembers the cell's code at the span, not the JSON there
    # re-running the notebook adds output lines above the next cells: the finding is still known
    outputs[0]["text"] = ["one\n"] * 30
    (root / "nb.ipynb").write_text(notebook(markdown("m"), code(lines(CALL), outputs=outputs)))
    again = run.invoke(cli, [*base, "--baseline", "b.json", "nb.ipynb"])
    assert "1 known finding in the baseline" in again.stderr and "max-tokens-oversized" not in again.stdout


def test_a_span_maps_to_the_characters_of_the_json_that_hold_it():
    from advisor.loaders.notebook import span_in_file
    from advisor.model import LineIndex

    cell = 'x = "caf\u00e9 \\"q\\""; y = "target"\n'
    nb = notebook(markdown("m"), code(["import os\n", cell])).replace("\u00e9", "\\u00e9")
    document = load("nb.ipynb", nb)
    start = document.source.index("target")
    span = document.lines.span(start, start + len("target"))
    in_file = span_in_file(nb, span)
    lines = LineIndex(nb)
    assert nb[lines.offset(in_file.line, in_file.column):lines.offset(in_file.end_line, in_file.end_column)] == "target"
    assert span_in_file("{ not json", span) == span  # not a notebook: positions are the file's


def test_the_full_terminal_form_quotes_the_cell_numbered_within_it(make_repo, monkeypatch):
    nb = notebook(markdown("m"), code(lines("!pip install anthropic\n" + CALL)))
    out = lint(make_repo, monkeypatch, {"nb.ipynb": nb}, "--select", "O003", "--output-format", "full",
               "--show-fixes", "nb.ipynb").output
    assert "--> nb.ipynb:cell 2:6:16" in out
    assert "4 | reply = client.messages.create(" in out and "6 |     max_tokens=4096," in out
    assert "cell 2:6:16 O003 (max-tokens-oversized) [*]" in out  # --show-fixes


def _scanner_by_character():
    """The statement-start scanner read one character at a time, as first written: the
    loader's scanner with its two jumps (to the next character that matters, and to a
    string's closing quote) replaced by steps of one character, the reference it must
    agree with."""
    from advisor.loaders.notebook import _LineScanner

    class ByCharacter(_LineScanner):
        @staticmethod
        def _next_stop(line, index):
            return index

        @staticmethod
        def _closing(line, index, quote):
            while index < len(line):
                if line[index] == "\\":
                    index += 2
                    continue
                if line.startswith(quote, index):
                    return index + len(quote)
                index += 1
            return None

    return ByCharacter()


def test_statement_scanner_agrees_with_reading_character_by_character():
    """Whether a line starts a statement decides which `%magic` lines become comments."""
    import random

    from advisor.loaders.notebook import _LineScanner

    rng = random.Random(12)
    alphabet = ["a", " ", "#", "'", '"', "'''", '"""', "\\", "(", ")", "[", "]", "{", "}", "x = ", "%time"]
    for _ in range(400):
        fast, slow = _LineScanner(), _scanner_by_character()
        for _ in range(rng.randint(1, 8)):
            line = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 14)))
            fast.feed(line)
            slow.feed(line)
            assert (fast.depth, fast.quote, fast.continued) == (slow.depth, slow.quote, slow.continued), line


def test_the_sniff_reads_a_notebook_only_when_its_text_could_import_the_sdk(monkeypatch):
    """A notebook that never spells a package name is dropped unread; one that writes the
    import with JSON escapes is still read, and found."""
    from advisor.loaders import notebook as module

    plain = notebook(code(lines(CALL)), markdown("# Notes\n"))
    escaped = plain.replace("import anthropic", "import \\u0061nthropic")
    assert "import anthropic" not in escaped and "import \\u0061nthropic" in escaped
    analysis = notebook(code("import pandas as pd\ndf = pd.read_csv('x.csv')\n"), code("print('\\u001b[0m done')\n"))
    module.read_notebook.cache_clear()
    assert is_relevant(plain) and is_relevant(escaped)
    reads = []
    monkeypatch.setattr(module, "read_notebook", lambda text: reads.append(text) or pytest.fail("read"))
    assert not is_relevant(analysis)
    assert not is_relevant(notebook(markdown("About Claude, without code.\n")))
    assert reads == []
