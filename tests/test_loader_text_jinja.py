import textwrap

from advisor.loaders import jinja, text
from advisor.model import Role


def test_jinja_literal_text_keeps_exact_columns_and_tags_become_slots():
    source = "{# c #}Hi {{ user.name }}, write in {{ n }} words.\n{% if x %}Be brief.{% endif %}\n"
    doc = jinja.load("t.j2", source)
    (prompt,) = doc.texts
    assert prompt.text == "Hi {{ user.name }}, write in {{ n }} words.\nBe brief.\n"
    assert [s.expression for s in prompt.slots] == ["user.name", "n"]
    i = prompt.text.index("words")
    assert prompt.span(i, i + 5).column == source.index("words") + 1
    slot = prompt.slots[1]
    span = prompt.span(slot.start, slot.end)
    assert (span.column, span.end_column) == (source.index("{{ n }}") + 1, source.index("{{ n }}") + 8)
    i = prompt.text.index("Be brief")
    assert prompt.span(i, i + 8).line == 2


def test_raw_blocks_are_literal_text():
    doc = jinja.load("t.j2", "{% raw %}{{ not a tag }}{% endraw %} after")
    assert doc.texts[0].text == "{{ not a tag }} after"
    assert doc.texts[0].slots == ()


def test_sample_variables_fill_slots_in_the_sandbox():
    doc = jinja.load("t.j2", "in {{ n }} words, {{ name | upper }}", variables={"n": 50, "name": "ann"})
    assert doc.texts[0].text == "in 50 words, ANN"


def test_hostile_expressions_are_never_run():
    source = "{{ ''.__class__.__mro__[1].__subclasses__() }} and {{ cycler.__init__.__globals__.os.system('touch /tmp/x') }}"
    doc = jinja.load("t.j2", source, variables={"n": 1})
    assert doc.texts[0].text.count("{{") == 2  # stayed placeholders


def test_syntax_error_has_line():
    doc = jinja.load("t.j2", "ok\n{% for x in %}\n")
    assert doc.problems[0].span.line == 2


def test_statements_add_no_text_and_no_placeholder():
    doc = jinja.load("t.j2", "{% include 'parts/header.j2' %}Answer briefly.{% if x %} Be kind.{% endif %}")
    assert doc.texts[0].text == "Answer briefly. Be kind."
    assert not doc.texts[0].slots and not doc.problems


def test_plain_text_with_format_fields():
    doc = text.load("p.txt", "Summarize {ticket} in {n} words. JSON: {\"a\": 1}\n")
    prompt = doc.texts[0]
    assert prompt.text == "Summarize {{ ticket }} in {{ n }} words. JSON: {\"a\": 1}\n"
    assert [s.expression for s in prompt.slots] == ["ticket", "n"]
    assert prompt.role is Role.PROMPT


def test_plain_text_with_jinja_is_read_as_a_template():
    doc = text.load("p.prompt", "Use {{ tone }} tone. {% if x %}x{% endif %}")
    assert doc.texts[0].text == "Use {{ tone }} tone. x"
    assert doc.problems == []


def test_plain_text_with_stray_braces_is_not_an_error():
    doc = text.load("p.txt", "Return {{ or }} as you like, {% not jinja")
    assert doc.problems == []
    assert "not jinja" in doc.texts[0].text


def test_static_text_drops_slots():
    doc = jinja.load("t.j2", textwrap.dedent("A {{ x }} B"))
    assert doc.texts[0].static_text == "A  B"


def test_markdown_sniff_decides_as_every_pattern_on_the_whole_text():
    """The sniff runs a pattern only where the text holds its starting characters and counts
    links once: it must call the same pages documentation as running every pattern does."""
    from pathlib import Path

    def by_every_pattern(source):
        front_matter = bool(text._FRONT_MATTER.match(source))
        signals = int(front_matter)
        signals += len(text._MARKDOWN_LINK.findall(source)) >= 3
        signals += len(text._FENCE_LINE.findall(source)) >= 2
        signals += text._TABLE_RULE.search(source) is not None
        signals += len(text._HEADING_LINE.findall(source)) >= 6
        return signals >= 3 or (front_matter and signals >= 2) or len(text._MARKDOWN_LINK.findall(source)) >= 8

    page = "---\ntitle: Guide\n---\n# Setup\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```sh\nrun\n```\n\n```py\nx\n```\n"
    links = "".join(f"- [page {n}](./p{n}.md)\n" for n in range(9))
    samples = ["", "You are a helpful assistant.", page, links, page + links, "# A\n## B\n### C\n#### D\n##### E\n###### F\n",
               "Answer in ```json``` only.\n", "Score: ---| not a table\n", "[one](http://x) [two](#y) [three](/z)\n"]
    repo = Path(__file__).resolve().parent.parent
    samples += [path.read_text(encoding="utf-8") for path in sorted(repo.glob("**/*.md"))[:80]]
    called = 0
    for source in samples:
        called += by_every_pattern(source)
        assert text.looks_like_documentation(source, "prompts/notes.md") == by_every_pattern(source)
    assert 0 < called < len(samples)  # both answers are compared
