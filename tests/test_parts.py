"""The instruction/data split: what each part is, and why (advisor.parts)."""

import textwrap

from advisor import parts
from advisor.analysis import text_parts, text_requests
from advisor.loaders import load_document
from advisor.loaders.text import load as load_prompt
from advisor.model import Kind, PromptText, Role


def text(body: str) -> PromptText:
    """A plain prompt file's text, as the text loader makes it."""
    (loaded,) = load_prompt("prompts/p.txt", body).texts
    return loaded


def kinds(body: str) -> list[tuple[str, str]]:
    t = text(body)
    return [(t.text[p.start:p.end].strip(), p.kind) for p in text_parts(t) if t.text[p.start:p.end].strip()]


def test_tagged_material_is_data_and_instruction_tags_are_not():
    got = kinds("Summarize it.\n<document>Two hundred words here.</document>\n<instructions>Be brief.</instructions>")
    assert ("Two hundred words here.", parts.DATA) in got
    assert any(kind == parts.INSTRUCTION and "Be brief." in chunk for chunk, kind in got)


def test_introduced_block_ends_at_the_blank_line():
    body = "Rewrite the email.\n\nHere is the email:\nDear team, in 300 words...\n\nKeep it to 2 sentences."
    t = text(body)
    data = [p for p in text_parts(t) if p.kind == parts.DATA]
    assert [t.text[p.start:p.end] for p in data] == ["Dear team, in 300 words..."]
    assert "here is the email" in data[0].reason.lower()
    assert [t.text[r.start:r.end] for r in text_requests(t)] == ["to 2 sentences"]


def test_label_with_the_material_on_the_same_line():
    t = text("Transcript: {{ transcript }}\nAnswer in one word.")
    (data,) = [p for p in text_parts(t) if p.kind == parts.DATA]
    assert t.text[data.start:data.end] == "{{ transcript }}"


def test_json_schema_fields_are_data():
    body = 'Return JSON:\n{\n  "summary": "Brief summary in under 50 words",\n  "tags": []\n}\n'
    t = text(body)
    assert text_requests(t) == []
    assert any(p.kind == parts.DATA and "JSON" in p.reason for p in text_parts(t))


def test_only_the_trailing_assistant_turn_is_a_prefill():
    document = load_document(Kind.PYTHON, "app.py", textwrap.dedent('''
        import anthropic
        client = anthropic.Anthropic()
        client.messages.create(model="claude-haiku-5-5", max_tokens=5, messages=[
            {"role": "user", "content": "Great film!"},
            {"role": "assistant", "content": "positive"},
            {"role": "user", "content": "Dull."},
            {"role": "assistant", "content": "Label:"},
        ])
    '''))
    turns = [t for t in document.calls[0].messages if t.role == Role.ASSISTANT]
    assert [t.earlier_turn for t in turns] == [True, False]
    assert text_parts(turns[0])[0].kind == parts.DATA
    assert text_parts(turns[1])[0].kind == parts.INSTRUCTION


def test_plain_prompt_is_one_instruction_part():
    t = text("Answer in 3 sentences.")
    assert text_parts(t) == (parts.Part(0, len(t.text), parts.INSTRUCTION, "written as an instruction"),)


def test_line_patterns_find_what_finditer_finds():
    """parts.LinePattern tries a ^-anchored pattern only after line breaks; its matches
    and where they start must be re.finditer's, on the first line, on consecutive lines
    and across lines."""
    import re

    bodies = [
        '"name": "x"\n"summary": "Brief summary"\n  - "tags": []\n\nText: "a": b\n',
        "```python\nprint(1)\n```\nafter\n~~~\nx\n~~~",
        "Here is the article:\nSome text.\n\n1. Example output: yes\n\nQuestion: {{ q }}",
        "",
        "\n\n",
        "no match at all",
    ]
    sources = [
        (r'^[ \t]*[-*]?[ \t]*"[^"\n]{1,80}"[ \t]*:', 0),
        (r"^[ \t]*(```|~~~)[^\n]*\n.*?^[ \t]*\1[ \t]*$", re.DOTALL),
        (r"^[ \t]*(?:\d+[.)][ \t]*)?(?:here is|example|question)[^\n:]{0,60}:[ \t]*(?P<rest>[^\n]*)$", 0),
    ]
    for source, flags in sources:
        line_pattern = parts.LinePattern(source, flags)
        plain = re.compile(source, flags | re.MULTILINE)
        for body in bodies:
            expected = [(m.start(), m.end(), m.groups()) for m in plain.finditer(body.lower())]
            got = [(start, m.end(), m.groups()) for start, m in line_pattern.finditer(body.lower())]
            assert got == expected, (source, body)
    assert len(list(parts.LinePattern(sources[0][0]).finditer(bodies[0]))) == 3


def test_fenced_blocks_end_at_the_first_closing_fence_as_a_character_by_character_search_finds():
    """The fence pattern skips the block a line at a time; its matches are those of the
    pattern that looked for the closing fence at every character."""
    import random
    import re

    by_character = re.compile(r"^[ \t]*(```|~~~)[^\n]*\n.*?^[ \t]*\1[ \t]*$", re.DOTALL | re.MULTILINE)
    rng = random.Random(1)
    pieces = ["```", "```py", "~~~", "  ```", "code x", "", " ``` ", "```\t", "~~~~", "text ```", "\t~~~ x", "a\r"]
    for _ in range(3000):
        body = "\n".join(rng.choices(pieces, k=rng.randint(1, 12))) + rng.choice(["", "\n"])
        expected = [(m.start(), m.end()) for m in by_character.finditer(body)]
        assert [(start, m.end()) for start, m in parts._FENCE.finditer(body)] == expected, body
