import textwrap
import time

from advisor.loaders import yamljson
from advisor.model import CallApi, Role, RunsIn


def load(source, path="c.yaml"):
    return yamljson.load(path, textwrap.dedent(source))


def test_request_body_fields_and_spans():
    doc = load("""
        # comment
        model: claude-haiku-5-5
        max_tokens: 300
        stream: true
        temperature: 0.2
        output_config: {effort: low}
        system: You classify tickets.
        messages:
          - role: user
            content: "Ticket: {{ text }}"
          - role: assistant
            content: [{type: text, text: "Category:"}]
    """)
    (call,) = doc.calls
    assert call.api is CallApi.BODY
    assert call.model.value == "claude-haiku-5-5" and call.model.span.line == 3 and call.model.span.column == 8
    assert call.max_tokens.value == 300 and call.stream.value is True and call.temperature.value == 0.2
    assert call.effort.value == "low"
    assert [t.text for t in call.system] == ["You classify tickets."]
    assert call.system[0].role is Role.SYSTEM
    assert [(t.role, t.text) for t in call.messages] == [(Role.USER, "Ticket: {{ text }}"), (Role.ASSISTANT, "Category:")]
    user = call.messages[0]
    start = user.text.index("Ticket")
    span = user.span(start, start + 6)
    assert (span.line, span.column, span.end_column) == (11, 15, 21)


def test_block_scalar_lines_map_to_their_source_lines():
    doc = load("""
        model: m
        system: |
          first line
          second line has the phrase
    """)
    text = doc.calls[0].system[0]
    i = text.text.index("phrase")
    span = text.span(i, i + 6)
    assert (span.line, span.column) == (5, 23)


def test_escaped_json_string_falls_back_to_the_piece_around_the_escape():
    doc = load('{"model": "m", "system": "caf\\u00e9 then words here"}', path="c.json")
    text = doc.calls[0].system[0]
    assert text.text == "café then words here"
    i = text.text.index("words")
    span = text.span(i, i + 5)
    assert span.line == 1 and span.column >= 26


def test_several_documents_and_nested_bodies():
    doc = load("""
        cases:
          - request: {model: a, messages: []}
          - request: {model: b, system: s}
        ---
        model: c
        messages: []
    """)
    assert [c.model.value for c in doc.calls] == ["a", "b", "c"]


def test_templated_scalar_is_dynamic():
    doc = load("""
        model: "{{ model }}"
        max_tokens: "{{ budget }}"
        messages: []
    """)
    call = doc.calls[0]
    assert call.model.is_dynamic and call.max_tokens.is_dynamic


def test_cache_control_anywhere_in_the_body():
    doc = load("""
        model: m
        system:
          - type: text
            text: long
            cache_control: {type: ephemeral}
        messages: []
    """)
    assert doc.calls[0].cache_control.value is True
    assert doc.calls[0].cache_control.span.line == 6


def test_x_advisor_marks_where_the_call_runs():
    doc = load("""
        x-advisor: {runs-in: ui}
        model: m
        messages: []
    """)
    assert doc.calls[0].where.kind is RunsIn.UI
    assert "x-advisor" not in doc.calls[0].extra


def test_dynamic_messages_are_flagged():
    doc = load("""
        model: m
        messages: "{{ history }}"
    """)
    assert doc.calls[0].messages_dynamic


def test_not_a_request():
    assert load("name: ci\njobs: {build: {runs-on: ubuntu}}\n").calls == []


def test_python_tags_are_reported_never_constructed():
    doc = load("""
        model: m
        x: !!python/object/apply:os.system ["touch /tmp/advisor-pwned"]
        messages: []
    """)
    assert len(doc.calls) == 1
    assert "unsafe YAML tag !!python/object/apply:os.system" in doc.problems[0].message
    assert doc.problems[0].span.line == 3


def test_alias_bomb_is_read_in_linear_time():
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 30):
        refs = ", ".join([f"*a{i - 1}"] * 10)
        lines.append(f"a{i}: &a{i} [{refs}]")
    lines.append("model: m\nmessages: *a29")
    start = time.perf_counter()
    doc = load("\n".join(lines))
    assert time.perf_counter() - start < 5  # 10**30 nodes if expanded
    assert len(doc.calls) == 1 and doc.calls[0].messages_dynamic


def test_deep_nesting_is_a_problem_not_a_crash():
    doc = load("model: m\nmessages: " + "[" * 20000 + "]" * 20000)
    assert doc.problems and "nested too deeply" in doc.problems[0].message


def test_syntax_error_names_line_and_column():
    doc = load("model: m\nmessages: [a, b\nsystem: x\n")
    (problem,) = doc.problems
    assert problem.message.startswith("invalid YAML/JSON") and problem.span.line == 3


def test_looks_like_request_config_needs_keys():
    assert yamljson.looks_like_request_config('{"model": "x", "messages": []}')
    assert not yamljson.looks_like_request_config("# this model sends messages\nname: x\n")


def test_the_sniffs_substring_pretests_decide_as_the_patterns_alone():
    """The sniff tests for "model" and "anthropic:" before running its patterns over the
    file: it must decide every file as the patterns alone do."""
    def by_patterns(source):
        if yamljson._PROMPTFOO().search(source) and "anthropic:" in source:
            return True
        return bool(yamljson._MODEL_KEY.search(source) and yamljson._PROMPT_KEY.search(source))

    sources = [
        "", "{}", '{"name": "app", "dependencies": {"react": "^18"}}', "model: x\nmessages: []\n",
        '{"model": "claude", "system": "hi"}', "'model' : x\n'system': y", "models: [a]\nsystem: x\n",
        "providers:\n  - id: anthropic:messages:claude-haiku-5-5\n", "providers: [openai:gpt]\n",
        "jobs:\n  build:\n    steps: [{run: model}]\n", "x:\n  model:\n  messages:\n",
        "{ model:1, messages:2 }", "# model: in a comment\nmessages: x\n", "MODEL: x\nMESSAGES: y\n",
    ]
    for source in sources:
        assert yamljson.looks_like_request_config(source) == by_patterns(source), source
    assert yamljson.looks_like_request_config('{"model": "claude", "system": "hi"}')
    assert not yamljson.looks_like_request_config('{"name": "app", "dependencies": {"react": "^18"}}')


def test_c_and_pure_composers_read_bodies_identically(monkeypatch):
    source = textwrap.dedent("""
        # comment é
        model: claude-haiku-5-5
        max_tokens: 300
        system: |
          Première ligne.
          Second line in 50 words.
        messages:
          - {role: user, content: "Ticket: {{ text }}"}
          - role: assistant
            content: [{type: text, text: "Category:", cache_control: {type: ephemeral}}]
    """)

    def snapshot():
        (call,) = yamljson.load("c.yaml", source).calls
        return (
            call.model, call.max_tokens, call.cache_control,
            [(t.text, t.span()) for t in call.texts],
        )

    fast = snapshot()
    monkeypatch.setattr(yamljson, "_fast_yaml", yamljson._pure_yaml())
    assert snapshot() == fast


def test_scalar_tags_are_those_ruamel_yaml_resolves():
    """The C composer resolves plain scalars from a table taken once (`_IMPLICIT`), with
    shared tags: every scalar gets the tag ruamel.yaml's own safe loader gives it."""
    from ruamel.yaml import YAML

    scalars = ["", "~", "null", "Null", "NULL", "nul", "true", "True", "TRUE", "tRue", "yes", "on", "false", "no",
               "0", "-1", "+7", "0o17", "0x1F", "0b101", "1_000", "017", "3.5", "-.5", ".inf", "-.Inf", ".nan",
               "1e3", "6.02e+23", "1.", "12:30", "2026-06-01", "2026-06-01T10:00:00Z", "2026-6-1 1:02:03", "<<",
               "claude-haiku-5-5", "=", "=x", "+", ".", "a b", "a!x&y*z", "300 words", "'quoted'", '"3"']
    source = "".join(f"k{n}: {value}\n" if value else f"k{n}:\n" for n, value in enumerate(scalars))
    source += "list: [1, two, 3.0, null, true, '5']\nmerge: {<<: {a: 1}}\n"

    def tags(root):
        found = []
        stack = [root]
        while stack:
            node = stack.pop()
            found.append((node.start_mark.index, node.end_mark.index, node.tag, node.value if isinstance(node.value, str) else None))
            if isinstance(node.value, list):
                for item in node.value:
                    stack.extend(item if isinstance(item, tuple) else (item,))
        return sorted(found)

    (ours,) = yamljson._compose_all(source)
    (theirs,) = YAML(typ="safe").compose_all(source)
    assert tags(ours) == tags(theirs)
    assert {tag for _, _, tag, _ in tags(ours)} >= {
        "tag:yaml.org,2002:null", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:merge", "tag:yaml.org,2002:str"}


def test_deeply_nested_flow_goes_to_the_pure_composer():
    assert yamljson._composer("a: " + "[" * 600 + "]" * 600) is yamljson._pure_yaml()
    assert yamljson._composer("a: [[1], {b: 2}]") is yamljson._fast_yaml
