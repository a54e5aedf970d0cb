import textwrap

from advisor.model import Document, Finding, Kind, LineIndex, Severity, Span
from advisor.suppress import apply_suppressions, find_suppressions

from helpers import lint_text


def _doc(kind, source):
    source = textwrap.dedent(source)
    return Document("f", kind, source, LineIndex(source))


def _finding(line, rule="word-count-limit", end_line=None, code="O001"):
    return Finding(rule, code, Severity.WARNING, "f", Span(line, 1, end_line or line, 5), "m")


def test_python_trailing_and_own_line_comments():
    doc = _doc(Kind.PYTHON, """
        x = 1  # advisor: ignore[word-count-limit]
        # advisor: ignore[missing-max-tokens, O001]

        y = 2
        s = "# advisor: ignore[word-count-limit] inside a string is not a comment"
    """)
    found = find_suppressions(doc)
    assert [(s.line, s.rules) for s in found] == [(2, ("word-count-limit",)), (5, ("missing-max-tokens", "O001"))]


def test_yaml_comments_and_file_wide():
    doc = _doc(Kind.CONFIG, """
        # advisor: ignore-file[oversized-model]
        model: x  # advisor: ignore
        url: http://example.com/#advisor: ignore[not-a-comment]
    """)
    found = find_suppressions(doc)
    assert found[0].file_wide and found[0].rules == ("oversized-model",)
    assert found[1].line == 3 and found[1].rules == ()
    assert len(found) == 2


def test_jinja_comments():
    doc = _doc(Kind.TEMPLATE, """
        {# advisor: ignore[word-count-limit] #}
        Write in 50 words.
        Reply in 80 words. {#- advisor: ignore -#}
    """)
    found = find_suppressions(doc)
    assert [(s.line, s.rules) for s in found] == [(3, ("word-count-limit",)), (4, ())]


def test_a_plain_prompt_has_no_comments_but_a_templated_one_does():
    # the model receives a plain .txt as it is: "{# advisor: ignore #}" would be prompt text
    plain = _doc(Kind.PROMPT, """
        {# advisor: ignore[word-count-limit] #}
        Write in 50 words.
    """)
    assert find_suppressions(plain) == []
    templated = _doc(Kind.PROMPT, """
        {# advisor: ignore[word-count-limit] #}
        Write in 50 words about {{ topic }}.
    """)
    assert [(s.line, s.rules) for s in find_suppressions(templated)] == [(3, ("word-count-limit",))]


def test_apply_matches_rule_by_name_or_code_and_lines_within_span():
    doc = _doc(Kind.PYTHON, """
        call(  # advisor: ignore[O001]
        )
    """)
    sups = find_suppressions(doc)
    result = apply_suppressions([_finding(2, end_line=3), _finding(4), _finding(2, rule="other", code="X999")], sups)
    assert [f.span.line for f in result.suppressed] == [2]
    assert [(f.rule, f.span.line) for f in result.kept] == [("word-count-limit", 4), ("other", 2)]
    assert result.unused == []


def test_unused_suppressions_are_reported():
    doc = _doc(Kind.PYTHON, "x = 1  # advisor: ignore[word-count-limit]\n")
    result = apply_suppressions([], find_suppressions(doc))
    assert len(result.unused) == 1


def test_json_has_no_comments_so_a_hash_in_a_value_suppresses_nothing():
    # `#` inside a JSON string is text the API receives, not a comment; the same body as
    # YAML with a real comment is suppressed, so the difference is the format alone
    json_body = '{"model": "claude-opus-4-1", "system": "Summarise. # advisor: ignore-file",\n'
    json_body += ' "messages": [{"role": "user", "content": "Summarise the text in 50 words."}]}\n'
    yaml_body = "# advisor: ignore-file\nmodel: claude-opus-4-1\nsystem: Summarise.\n"
    yaml_body += "messages:\n  - role: user\n    content: Summarise the text in 50 words.\n"
    assert find_suppressions(Document("req.json", Kind.CONFIG, json_body, LineIndex(json_body))) == []
    json_findings = lint_text("req.json", json_body, dedent=False)
    yaml_findings = lint_text("req.yaml", yaml_body, dedent=False)
    assert json_findings, "the JSON request should have findings to suppress"
    assert yaml_findings == []
    assert {f.rule for f in json_findings} >= {"missing-max-tokens"}


def test_typescript_line_and_block_comments_but_never_strings():
    source = textwrap.dedent("""
        const a = 1; // advisor: ignore[word-count-limit]
        /* advisor: ignore[missing-max-tokens, O001] */

        const b = 2;
        const s = "// advisor: ignore[word-count-limit] inside a string is not a comment";
        const t = `/* advisor: ignore */ nor inside a template literal`;
        const r = /\\/\\/ advisor: ignore/;
        /**
         * advisor: ignore-file[oversized-model]
         */
    """)
    found = find_suppressions(Document("src/a.ts", Kind.TYPESCRIPT, source, LineIndex(source)))
    assert [(s.line, s.rules, s.file_wide) for s in found[:2]] == [
        (2, ("word-count-limit",), False), (5, ("missing-max-tokens", "O001"), False)]
    assert len(found) == 3 and found[2].file_wide and found[2].rules == ("oversized-model",)


def test_a_typescript_suppression_silences_the_finding_on_the_next_line():
    source = """
        import Anthropic from "@anthropic-ai/sdk";
        const client = new Anthropic();
        // advisor: ignore[missing-max-tokens]
        await client.messages.create({ model: "claude-haiku-5-5", messages: [] });
        await client.messages.create({ model: "claude-haiku-5-5", messages: [] }); /* advisor: ignore[oversized-model] */
    """
    findings = lint_text("src/a.ts", source, select=["missing-max-tokens", "oversized-model", "unused-suppression"])
    assert [(f.rule, f.span.line) for f in findings] == [("missing-max-tokens", 6), ("unused-suppression", 6)]
