"""The Python loader: Messages API calls, their fields, prompt text maps and call contexts."""

from __future__ import annotations

import textwrap

import pytest

from advisor.loaders.python import load
from advisor.model import (
    CallApi,
    LineIndex,
    PromptText,
    Role,
    RunsIn,
    Span,
)

from helpers import load_py, only_call, source_span

CALL = 'client.messages.create(model="claude-haiku-5-5", max_tokens=256, messages=[{"role": "user", "content": "Hi"}])'


def phrase_span(text: PromptText, phrase: str) -> Span:
    start = text.text.index(phrase)
    return text.span(start, start + len(phrase))


# ---------------------------------------------------------------------------------------
# Which calls are found
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "x: (lambda: 0) = 1",  # a lambda in an annotation
        "y = [0 for a[(lambda: 1)()] in range(3)]",  # in a comprehension's target
        "x: [i for i in (lambda: [1])()] = 1",
        "def f(a: (lambda: 0) = 1) -> (lambda: 2): pass",
    ],
)
def test_a_lambda_where_names_are_not_bound_does_not_stop_the_analysis(line):
    """A lambda inside an annotation or an assignment target still has a scope of its own;
    such a file was once "could not analyse this Python file" as a whole."""
    call = only_call(f"import anthropic\nclient = anthropic.Anthropic()\n{line}\n{CALL}\n")  # loads cleanly
    assert call.model.value == "claude-haiku-5-5"


@pytest.mark.parametrize(
    ("callee", "api"),
    [
        ("client.messages.create", CallApi.CREATE),
        ("self.client.messages.create", CallApi.CREATE),
        ("anthropic.Anthropic().messages.create", CallApi.CREATE),
        ("client.beta.messages.create", CallApi.CREATE),
        ("client.messages.with_raw_response.create", CallApi.CREATE),
        ("client.messages.with_streaming_response.create", CallApi.CREATE),
        ("client.messages.stream", CallApi.STREAM),
        ("client.messages.count_tokens", CallApi.COUNT_TOKENS),
    ],
)
def test_call_forms(callee, api):
    call = only_call(f'{callee}(model="claude-haiku-5-5", max_tokens=10, messages=[])')
    assert call.api is api
    assert call.path == "app.py"
    assert call.model.value == "claude-haiku-5-5"
    assert call.span == Span(1, 1, 1, len(callee) + len('(model="claude-haiku-5-5", max_tokens=10, messages=[])') + 1)


@pytest.mark.parametrize(
    "source",
    [
        'client.messages.batches.create(requests=[{"custom_id": "a", "params": {}}])',
        'twilio.messages.create(body="hello", from_="+1", to="+2")',
        'client.chat.completions.create(model="gpt", messages=[])',
        'messages.create(model="claude-haiku-5-5", max_tokens=1)',
    ],
)
def test_calls_that_are_not_messages_api_requests(source):
    assert load_py(source).calls == []


def test_async_calls():
    document = load_py(
        """
        async def answer(client):
            await client.messages.create(model="m", max_tokens=1, messages=[])
            async with client.messages.stream(model="m", max_tokens=1, messages=[]) as stream:
                pass

        def sync(client):
            return client.messages.create(model="m", max_tokens=1, messages=[])

        result = client.messages.create(model="m", max_tokens=1, messages=[])
        """
    )
    assert [(call.function, call.is_async) for call in document.calls] == [
        ("answer", True),
        ("answer", True),
        ("sync", False),
        (None, False),
    ]


def test_function_names_are_qualified():
    document = load_py(
        """
        class ChatView:
            def post(self):
                def inner():
                    return self.client.messages.create(model="m", max_tokens=1)
                return inner()
        """
    )
    assert document.calls[0].function == "ChatView.post.inner"


# ---------------------------------------------------------------------------------------
# Scalar fields
# ---------------------------------------------------------------------------------------


def test_literal_fields_carry_the_span_of_the_value():
    source = """
        client.messages.create(model="claude-haiku-5-5", max_tokens=512, stream=True,
                               top_k=40, messages=[])
        """
    call = only_call(source)
    assert call.model.is_literal and call.model.span == source_span(source, '"claude-haiku-5-5"')
    assert call.max_tokens.value == 512 and call.max_tokens.span == source_span(source, "512")
    assert call.stream.value is True
    assert call.top_k.value == 40
    assert call.temperature.is_absent and call.top_p.is_absent and call.effort.is_absent


def test_module_constants_and_annotated_constants_are_literal():
    source = """
        from typing import Final
        MODEL = "claude-haiku-5-5"
        LIMIT: Final[int] = 300
        ALIAS = MODEL

        def ask(client):
            return client.messages.create(model=ALIAS, max_tokens=LIMIT, messages=[])
        """
    call = only_call(source)
    assert call.model.value == "claude-haiku-5-5"
    assert call.model.span == source_span(source, '"claude-haiku-5-5"')
    assert call.max_tokens.value == 300 and call.max_tokens.span == source_span(source, "300")


def test_local_bound_once_is_literal_but_rebound_local_is_dynamic():
    call_once, call_twice = load_py(
        """
        def once(client):
            tokens = 128
            return client.messages.create(model="m", max_tokens=tokens)

        def twice(client, short):
            tokens = 128
            if not short:
                tokens = 4096
            return client.messages.create(model="m", max_tokens=tokens)
        """
    ).calls
    assert call_once.max_tokens.value == 128
    assert call_twice.max_tokens.is_dynamic and call_twice.max_tokens.source == "tokens"


def test_computed_values_are_dynamic_with_their_source():
    source = """
        MODEL = "claude-haiku-5-5"

        def ask(client, model, settings):
            global LIMIT
            LIMIT = 5
            return client.messages.create(model=settings.MODEL, max_tokens=LIMIT, temperature=model)

        LIMIT = 10
        """
    call = only_call(source)
    assert call.model.is_dynamic and call.model.source == "settings.MODEL"
    assert call.model.span == source_span(source, "settings.MODEL")
    assert call.max_tokens.is_dynamic  # rebound through `global`
    assert call.temperature.is_dynamic  # a parameter shadows nothing we can see


def test_parameter_shadows_a_module_constant():
    call = only_call(
        """
        model = "claude-haiku-5-5"

        def ask(client, model):
            return client.messages.create(model=model, max_tokens=1)
        """
    )
    assert call.model.is_dynamic


def test_literal_of_the_wrong_type_is_not_reported_as_a_value():
    call = only_call('client.messages.create(model="m", max_tokens="lots", stream=1)')
    assert call.max_tokens.is_dynamic and call.max_tokens.source == '"lots"'
    assert call.stream.is_dynamic


def test_a_number_written_as_a_string_is_read_as_in_a_config():
    # advisor.parameters: the same coercion as `max_tokens: "100"` in YAML
    call = only_call('client.messages.create(model="m", max_tokens="100", temperature="0.5")')
    assert call.max_tokens.is_literal and call.max_tokens.value == 100
    assert call.temperature.value == 0.5


def test_absent_fields():
    call = only_call('client.messages.create(model="m", messages=[])')
    assert call.max_tokens.is_absent and call.stream.is_absent and call.cache_control.is_absent
    assert call.system == [] and not call.system_dynamic and not call.messages_dynamic


# ---------------------------------------------------------------------------------------
# **kwargs, extra_body, output_config, extra
# ---------------------------------------------------------------------------------------


def test_kwargs_from_inline_constant_and_local_dicts():
    document = load_py(
        """
        BASE = {"model": "claude-haiku-5-5", "max_tokens": 200}
        PARAMS = {**BASE, "stream": True}

        def a(client):
            return client.messages.create(**{"model": "m1", "max_tokens": 1}, messages=[])

        def b(client):
            return client.messages.create(**PARAMS, messages=[])

        def c(client):
            options = dict(model="m3", max_tokens=3)
            return client.messages.create(**options, messages=[])
        """
    )
    a, b, c = document.calls
    assert (a.model.value, a.max_tokens.value) == ("m1", 1)
    assert (b.model.value, b.max_tokens.value, b.stream.value) == ("claude-haiku-5-5", 200, True)
    assert (c.model.value, c.max_tokens.value) == ("m3", 3)
    assert not a.system_dynamic and not b.messages_dynamic


def test_unresolvable_kwargs_make_missing_fields_dynamic_not_absent():
    source = """
        def ask(client, params):
            return client.messages.create(model="m", **params)
        """
    call = only_call(source)
    assert call.model.value == "m"
    assert call.max_tokens.is_dynamic and call.max_tokens.source == "**params"
    assert call.max_tokens.span == source_span(source, "**params")
    assert call.stream.is_dynamic and call.temperature.is_dynamic and call.effort.is_dynamic
    assert call.cache_control.is_dynamic
    assert call.system_dynamic and call.messages_dynamic


def test_a_dict_changed_after_it_is_written_is_not_trusted():
    call = only_call(
        """
        def ask(client, long):
            params = {"model": "m", "max_tokens": 100}
            if long:
                params["max_tokens"] = 8000
            return client.messages.create(**params, messages=[])
        """
    )
    assert call.max_tokens.is_dynamic and call.model.is_dynamic


def test_sampling_parameters_in_extra_body():
    source = """
        client.messages.create(model="m", max_tokens=1, extra_body={"temperature": 0.2, "top_p": 0.9})
        """
    call = only_call(source)
    assert call.temperature.value == 0.2 and call.temperature.span == source_span(source, "0.2")
    assert call.top_p.value == 0.9
    assert call.top_k.is_absent
    assert call.extra["extra_body"].value == {"temperature": 0.2, "top_p": 0.9}


def test_direct_temperature_and_dynamic_extra_body():
    direct = only_call('client.messages.create(model="m", max_tokens=1, temperature=1)')
    assert direct.temperature.value == 1
    computed = only_call('client.messages.create(model="m", max_tokens=1, extra_body=body)')
    assert computed.temperature.is_dynamic and computed.temperature.source == "body"


def test_sampling_via_extra_body_names_what_extra_body_writes():
    document = load_py(
        """
        BODY = {"top_k": 5}
        def ask(client, t, body):
            client.messages.create(model="m", max_tokens=1, extra_body={"temperature": 0.2, "top_p": 0.9})
            client.messages.create(model="m", max_tokens=1, temperature=0.2, top_k=3)
            client.messages.create(model="m", max_tokens=1, extra_body=BODY)
            client.messages.create(model="m", max_tokens=1, **{"extra_body": {"temperature": t}})
            client.messages.create(model="m", max_tokens=1, temperature=0.5, extra_body={"temperature": 0.1})
            client.messages.create(model="m", max_tokens=1, extra_body=body)
            client.messages.create(model="m", max_tokens=1, extra_body={"metadata": {}})
        """
    )
    assert [call.sampling_via_extra_body for call in document.calls] == [
        frozenset({"temperature", "top_p"}),
        frozenset(),  # direct keyword arguments: the SDK raises TypeError
        frozenset({"top_k"}),
        frozenset({"temperature"}),  # written in extra_body, value computed
        frozenset(),  # the direct argument is the one that counts
        frozenset(),  # computed extra_body: whether it holds one is unknown
        frozenset(),
    ]
    kwargs_call, direct_wins, computed = document.calls[3], document.calls[4], document.calls[5]
    assert kwargs_call.temperature.is_dynamic and kwargs_call.temperature.source == "t"
    assert direct_wins.temperature.value == 0.5
    assert computed.temperature.is_dynamic and computed.temperature.source == "body"


def test_effort_from_output_config():
    document = load_py(
        """
        FAST = {"effort": "low"}
        client.messages.create(model="m", max_tokens=1, output_config={"effort": "medium"})
        client.messages.create(model="m", max_tokens=1, output_config=FAST)
        client.messages.create(model="m", max_tokens=1, output_config=config)
        client.messages.create(model="m", max_tokens=1, output_config={"format": {}})
        """
    )
    inline, constant, computed, without = document.calls
    assert inline.effort.value == "medium"
    assert constant.effort.value == "low" and constant.effort.span.line == 2
    assert computed.effort.is_dynamic
    assert without.effort.is_absent


def test_other_keyword_arguments_are_kept_as_extra():
    call = only_call(
        """
        TOOLS = [{"name": "lookup", "input_schema": {"type": "object"}}]
        client.messages.create(model="m", max_tokens=1, tools=TOOLS, thinking={"type": "adaptive"},
                               speed="fast", metadata=make_metadata())
        """
    )
    assert call.extra["tools"].value == [{"name": "lookup", "input_schema": {"type": "object"}}]
    assert call.extra["thinking"].value == {"type": "adaptive"}
    assert call.extra["speed"].value == "fast"
    assert call.extra["metadata"].is_dynamic
    assert "model" not in call.extra


# ---------------------------------------------------------------------------------------
# cache_control
# ---------------------------------------------------------------------------------------


def test_cache_control_keyword():
    source = 'client.messages.create(model="m", max_tokens=1, cache_control={"type": "ephemeral"})'
    call = only_call(source)
    assert call.cache_control.value is True
    assert call.cache_control.span == source_span(source, 'cache_control={"type": "ephemeral"}')


def test_cache_control_in_system_blocks():
    source = """
        SYSTEM = [{"type": "text", "text": "You are a careful assistant.", "cache_control": {"type": "ephemeral"}}]
        client.messages.create(model="m", max_tokens=1, system=SYSTEM)
        """
    call = only_call(source)
    assert call.cache_control.value is True
    assert call.cache_control.span == source_span(source, '"cache_control"')


def test_cache_control_in_message_content_blocks():
    call = only_call(
        """
        client.messages.create(model="m", max_tokens=1, messages=[
            {"role": "user", "content": [{"type": "text", "text": doc, "cache_control": {"type": "ephemeral"}}]},
        ])
        """
    )
    assert call.cache_control.value is True


def test_cache_control_set_by_subscript_in_the_function():
    source = """
        def ask(client, blocks):
            blocks[-1]["cache_control"] = {"type": "ephemeral"}
            return client.messages.create(model="m", max_tokens=1, system=blocks)

        def other(client, blocks):
            return client.messages.create(model="m", max_tokens=1, system=blocks)
        """
    cached, uncached = load_py(source).calls
    assert cached.cache_control.value is True
    assert cached.cache_control.span == source_span(source, 'blocks[-1]["cache_control"]')
    assert uncached.cache_control.is_absent


# ---------------------------------------------------------------------------------------
# system and messages
# ---------------------------------------------------------------------------------------


def test_system_string_and_blocks():
    source = """
        client.messages.create(model="m", max_tokens=1, system="Be brief and precise.")
        client.messages.create(model="m", max_tokens=1, system=[
            {"type": "text", "text": "First block of instructions."},
            {"type": "text", "text": "Second block.", "cache_control": {"type": "ephemeral"}},
        ])
        """
    plain, blocks = load_py(source).calls
    assert [text.text for text in plain.system] == ["Be brief and precise."]
    assert plain.system[0].role is Role.SYSTEM
    assert [text.text for text in blocks.system] == ["First block of instructions.", "Second block."]
    assert not blocks.system_dynamic
    assert blocks.system[1].span() == source_span(source, "Second block.")


def test_computed_system_is_dynamic():
    document = load_py(
        """
        client.messages.create(model="m", max_tokens=1, system=build_system())
        client.messages.create(model="m", max_tokens=1, system=[{"type": "text", "text": "Static."}, *extra])
        client.messages.create(model="m", max_tokens=1, system="You help with " + topic + " questions.")
        """
    )
    computed, partly_blocks, concatenated = document.calls
    assert computed.system == [] and computed.system_dynamic
    assert [text.text for text in partly_blocks.system] == ["Static."] and partly_blocks.system_dynamic
    [text] = concatenated.system
    assert text.text == "You help with {{ topic }} questions."
    assert concatenated.system_dynamic
    assert text.slots[0].expression == "topic"


def test_messages_with_text_and_list_content():
    source = """
        client.messages.create(model="m", max_tokens=1, messages=[
            {"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "data": data}},
                {"type": "text", "text": "Describe the picture."},
            ]},
            {"role": "assistant", "content": "The picture shows"},
        ])
        """
    call = only_call(source)
    assert [(text.text, text.role) for text in call.messages] == [
        ("Describe the picture.", Role.USER),
        ("The picture shows", Role.ASSISTANT),
    ]
    assert not call.messages_dynamic
    assert call.messages[1].span() == source_span(source, "The picture shows")


def test_messages_from_a_local_list_and_from_history():
    document = load_py(
        """
        def local(client, question):
            msgs = [{"role": "user", "content": "Answer in one sentence."}]
            return client.messages.create(model="m", max_tokens=1, messages=msgs)

        def history(client, history):
            return client.messages.create(model="m", max_tokens=1, messages=history)

        def spread(client, history):
            return client.messages.create(model="m", max_tokens=1,
                                          messages=[*history, {"role": "user", "content": "Summarise."}])

        def appended(client, question):
            msgs = [{"role": "user", "content": "Start."}]
            msgs.append({"role": "user", "content": question})
            return client.messages.create(model="m", max_tokens=1, messages=msgs)
        """
    )
    local, history, spread, appended = document.calls
    assert [text.text for text in local.messages] == ["Answer in one sentence."] and not local.messages_dynamic
    assert history.messages == [] and history.messages_dynamic
    assert [text.text for text in spread.messages] == ["Summarise."] and spread.messages_dynamic
    assert [text.text for text in appended.messages] == ["Start."] and appended.messages_dynamic


def test_message_with_computed_content_is_dynamic():
    call = only_call('client.messages.create(model="m", max_tokens=1, messages=[{"role": "user", "content": ask()}])')
    assert call.messages == [] and call.messages_dynamic


# ---------------------------------------------------------------------------------------
# Text and source maps
# ---------------------------------------------------------------------------------------


def test_fstring_fields_become_slots_mapped_to_their_columns():
    source = """
        def ask(client, name, n):
            return client.messages.create(model="m", max_tokens=1, messages=[
                {"role": "user", "content": f"Hello {name}, answer in {n!r:>{width}} words. {{literal}}"}])
        """
    [text] = only_call(source).messages
    assert text.text == "Hello {{ name }}, answer in {{ n }} words. {literal}"
    assert [slot.expression for slot in text.slots] == ["name", "n"]
    first, second = text.slots
    assert text.span(first.start, first.end) == source_span(source, "{name}")
    assert text.span(second.start, second.end) == source_span(source, "{n!r:>{width}}")
    assert phrase_span(text, "words.") == source_span(source, "words.")
    assert phrase_span(text, "literal") == source_span(source, "literal")
    assert text.static_text == "Hello , answer in  words. {literal}"


def test_fstring_debug_field_and_nested_call():
    [text] = only_call('client.messages.create(model="m", max_tokens=1, system=f"{x=} and {d.get(\'k\', \'}\')}")').system
    assert [slot.expression for slot in text.slots] == ["x", "d.get('k', '}')"]
    assert text.text == "{{ x }} and {{ d.get('k', '}') }}"


def test_non_ascii_text_before_a_phrase_maps_to_character_columns():
    source = 'PROMPT = "Réponds en français, sans détour — réponds en moins de 50 mots."\n'
    document = load_py(source)
    [text] = document.texts
    # columns count characters (ast counts UTF-8 bytes): 'moins' is the 57th character
    assert phrase_span(text, "moins de 50 mots") == Span(1, 57, 1, 73)
    assert source[56:72] == "moins de 50 mots"


def test_non_ascii_in_a_call_on_a_later_line():
    source = """
        client.messages.create(model="m", max_tokens=1, system="Ünïcödé ✓ — keep it under 100 words")
        """
    [text] = only_call(source).system
    assert phrase_span(text, "under 100 words") == source_span(source, "under 100 words")


def test_non_ascii_before_a_node_on_the_same_line():
    # ast reports UTF-8 byte columns; everything after "Réponds brièvement" would drift by 2.
    source = """
        client.messages.create(system="Réponds brièvement" + " — en moins de 50 mots", model="claude-haiku-5-5")
        """
    call = only_call(source)
    assert call.model.span == source_span(source, '"claude-haiku-5-5"')
    [text] = call.system
    assert text.text == "Réponds brièvement — en moins de 50 mots"
    assert phrase_span(text, "moins de 50 mots") == source_span(source, "moins de 50 mots")
    assert call.span == source_span(source, textwrap.dedent(source).strip())


def test_backslash_before_a_brace_in_a_raw_fstring():
    [text] = load_py('SYSTEM_PROMPT = rf"Read C:\\data\\{name} and reply briefly."\n').texts
    assert text.text == "Read C:\\data\\{{ name }} and reply briefly."
    assert [slot.expression for slot in text.slots] == ["name"]
    # not raw: "\{" is no escape, so the brace still opens a field
    [text] = load_py('SYSTEM_PROMPT = f"Read C:\\{name} and reply briefly."\n').texts
    assert [slot.expression for slot in text.slots] == ["name"]


def test_escapes_are_decoded_and_text_after_them_maps_exactly():
    source = r"""
        SYSTEM_PROMPT = "Line one\nSay \"hi\" then\tanswer in three sentences."
        """
    [text] = load_py(source).texts
    assert text.text == 'Line one\nSay "hi" then\tanswer in three sentences.'
    assert phrase_span(text, "Line one") == source_span(source, "Line one")
    # the line holding escapes maps to its raw source as a whole, never to a wrong column
    assert phrase_span(text, "three sentences") == source_span(source, r'\nSay \"hi\" then\tanswer in three sentences.')


def test_implicit_concatenation_maps_each_piece():
    source = """
        SYSTEM_PROMPT = (
            "You are a support assistant. "  # role
            'Answer in two sentences.'
            r" No \\markdown."
        )
        """
    [text] = load_py(source).texts
    assert text.text == "You are a support assistant. Answer in two sentences. No \\markdown."
    assert phrase_span(text, "two sentences") == source_span(source, "two sentences")
    assert phrase_span(text, "markdown") == source_span(source, "markdown")


def test_triple_quoted_and_dedented_prompts():
    source = '''
        import textwrap
        SYSTEM_PROMPT = textwrap.dedent("""
            You are terse.
            Reply in one paragraph.
        """)
        '''
    [text] = load_py(source).texts
    assert text.text == "\nYou are terse.\nReply in one paragraph.\n"
    assert phrase_span(text, "one paragraph") == source_span(source, "one paragraph")


def test_format_on_a_constant_makes_slots_and_shares_the_text():
    source = """
        SUMMARY_TEMPLATE = "Summarise {document} in {n} sentences. Use {{braces}} literally."

        def ask(client, doc):
            return client.messages.create(model="m", max_tokens=1,
                messages=[{"role": "user", "content": SUMMARY_TEMPLATE.format(document=doc, n=3)}])
        """
    document = load_py(source)
    [constant] = document.texts
    assert constant.text == "Summarise {{ document }} in {{ n }} sentences. Use {braces} literally."
    assert [slot.expression for slot in constant.slots] == ["document", "n"]
    assert document.calls[0].messages[0] is constant
    assert phrase_span(constant, "sentences") == source_span(source, "sentences")


def test_percent_formatting_on_a_constant():
    document = load_py(
        """
        QUESTION_PROMPT = "Answer %s in %(count)d words, 100%% sure."
        text = QUESTION_PROMPT % args
        """
    )
    [text] = document.texts
    assert text.text == "Answer {{ %s }} in {{ count }} words, 100% sure."


def test_inline_format_string():
    [text] = only_call('client.messages.create(model="m", max_tokens=1, system="Hi {name}".format(name=n))').system
    assert text.text == "Hi {{ name }}" and text.slots[0].expression == "name"


def test_braces_of_a_constant_never_formatted_stay_text():
    [text] = load_py('JSON_PROMPT = \'Reply as {"answer": "..."}\'\n').texts
    assert text.text == 'Reply as {"answer": "..."}' and text.slots == ()


# ---------------------------------------------------------------------------------------
# Prompt constants
# ---------------------------------------------------------------------------------------


def test_prompt_constants_by_name():
    document = load_py(
        """
        SYSTEM_PROMPT = "You are a helpful assistant."
        review_template = f"Review {{code}} carefully: {LANG}"
        Instructions: str = "Always cite sources."
        GREETING = "Hello there, how can I help you today?"
        MAX_PROMPT_TOKENS = 100
        ALIAS_PROMPT = SYSTEM_PROMPT

        def f():
            LOCAL_PROMPT = "not module level"
        """
    )
    assert [(text.name, text.role) for text in document.texts] == [
        ("SYSTEM_PROMPT", Role.SYSTEM),
        ("review_template", Role.PROMPT),
        ("Instructions", Role.PROMPT),
    ]
    assert document.texts[1].text == "Review {code} carefully: {{ LANG }}"


def test_every_string_constant_of_prompts_py():
    document = load_py(
        '''
        """Prompts for the summariser: this docstring is not a prompt."""
        SUMMARISE = "Summarise the following article in three bullet points."
        LABEL = "short label"
        SYSTEM = "You are an editor who writes plainly."
        RETRIES = 3
        ''',
        path="pkg/prompts.py",
    )
    assert [(text.name, text.role) for text in document.texts] == [
        ("SUMMARISE", Role.PROMPT),
        ("SYSTEM", Role.SYSTEM),
    ]
    assert document.texts[0].path == "pkg/prompts.py"


def test_calls_reuse_the_constant_text_object():
    document = load_py(
        """
        SYSTEM_PROMPT = "You are a precise assistant."
        GREETING = "Please greet the user warmly."

        def a(client):
            return client.messages.create(model="m", max_tokens=1, system=SYSTEM_PROMPT,
                                          messages=[{"role": "user", "content": GREETING}])

        def b(client):
            return client.messages.create(model="m", max_tokens=1,
                                          system=[{"type": "text", "text": SYSTEM_PROMPT}],
                                          messages=[{"role": "user", "content": GREETING}])
        """
    )
    [constant] = document.texts
    a, b = document.calls
    assert a.system[0] is constant and b.system[0] is constant
    assert a.messages[0] is b.messages[0]  # a non-prompt constant is still shared
    assert a.messages[0].name == "GREETING"
    assert list(document.all_texts()) == [constant, a.messages[0]]  # each once, standalone texts first


# ---------------------------------------------------------------------------------------
# Where the call runs
# ---------------------------------------------------------------------------------------


def where_of(source: str, path: str = "app.py", index: int = 0):
    return load_py(source, path).calls[index].where


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            f"""
            from flask import Flask
            @app.route("/chat", methods=["POST"])
            def chat():
                return {CALL}
            """,
            "Flask route `chat`",
        ),
        (
            f"""
            from fastapi import FastAPI
            @app.post("/chat")
            async def chat():
                return await {CALL}
            """,
            "FastAPI endpoint `chat`",
        ),
        (
            f"""
            from fastapi import APIRouter, WebSocket
            @router.websocket("/ws")
            async def ws(socket):
                await {CALL}
            """,
            "FastAPI websocket endpoint `ws`",
        ),
        (
            f"""
            async def stream(websocket: WebSocket):
                await {CALL}
            """,
            "websocket handler `stream`",
        ),
        (
            f"""
            from flask_sock import Sock
            @sock.route("/echo")
            def echo(ws):
                {CALL}
            """,
            "flask-sock websocket route `echo`",
        ),
        (
            f"""
            @socketio.on("message")
            def on_message(data):
                {CALL}
            """,
            "Socket.IO handler `on_message`",
        ),
        (
            f"""
            from aiohttp import web
            @routes.get("/")
            async def handle(request):
                await {CALL}
            """,
            "aiohttp handler `handle`",
        ),
        (
            f"""
            from starlette.routing import Route
            async def homepage(request):
                await {CALL}
            routes = [Route("/", homepage)]
            """,
            "Starlette route `homepage`",
        ),
        (
            f"""
            from django.views import View
            class ChatView(View):
                def post(self, request):
                    return {CALL}
            """,
            "Django class-based view `ChatView.post`",
        ),
        (
            f"""
            from rest_framework.decorators import api_view
            @api_view(["POST"])
            def chat(request):
                return {CALL}
            """,
            "Django REST framework view `chat`",
        ),
        (
            f"""
            from channels.generic.websocket import WebsocketConsumer
            class ChatConsumer(WebsocketConsumer):
                def receive(self, text_data=None):
                    {CALL}
            """,
            "Django Channels consumer `ChatConsumer.receive`",
        ),
        (
            f"""
            import gradio as gr
            def respond(message, history):
                return {CALL}
            gr.ChatInterface(fn=respond).launch()
            """,
            "Gradio interface function `respond`",
        ),
        (
            f"""
            import gradio as gr
            with gr.Blocks() as demo:
                def summarise(text):
                    return {CALL}
                button.click(summarise, inputs=[box], outputs=[out])
            """,
            "Gradio event handler `summarise`",
        ),
        (
            f"""
            import chainlit as cl
            @cl.on_message
            async def main(message):
                await {CALL}
            """,
            "Chainlit handler `main`",
        ),
        (
            f"""
            from shiny import render, ui
            @render.text
            def answer():
                return {CALL}
            """,
            "Shiny reactive function `answer`",
        ),
        (
            f"""
            from shiny import App
            def server(input, output, session):
                def helper():
                    return {CALL}
            """,
            "Shiny server function `server`",
        ),
    ],
)
def test_ui_contexts(source, reason):
    where = where_of(source)
    assert where.kind is RunsIn.UI
    assert where.reason == reason
    assert where.span is not None


def test_django_function_view_needs_views_py():
    source = f"""
        def chat(request):
            return {CALL}
        """
    where = where_of(source, path="chat/views.py")
    assert (where.kind, where.reason) == (RunsIn.UI, "Django view `chat`")
    assert where_of(source, path="chat/utils.py").kind is RunsIn.UNKNOWN


def test_streamlit_makes_the_whole_module_ui():
    source = f"""
        import streamlit as st

        def main():
            st.write({CALL})

        if __name__ == "__main__":
            main()
        """
    where = where_of(source)
    assert (where.kind, where.reason) == (RunsIn.UI, "Streamlit app")
    assert where.span == source_span(source, "import streamlit as st")


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            f"""
            import click
            @click.command()
            @click.option("--n")
            def run(n):
                {CALL}
            """,
            "click command `run`",
        ),
        (
            f"""
            import typer
            app = typer.Typer()
            @app.command()
            def run():
                {CALL}
            """,
            "Typer command `run`",
        ),
        (
            f"""
            from celery import shared_task
            @shared_task
            def summarise(doc_id):
                {CALL}
            """,
            "Celery task `summarise`",
        ),
        (
            f"""
            from celery import Celery
            app = Celery()
            @app.task(bind=True)
            def summarise(self):
                {CALL}
            """,
            "Celery task `summarise`",
        ),
        (
            f"""
            import schedule
            def job():
                {CALL}
            schedule.every(10).minutes.do(job)
            """,
            "scheduled job `job`",
        ),
        (
            f"""
            def main():
                {CALL}
            """,
            "`main()` function",
        ),
        (
            f"""
            import argparse
            def cli():
                parser = argparse.ArgumentParser()
                {CALL}
            """,
            "argparse command-line entry point `cli`",
        ),
        (
            f"""
            def run():
                {CALL}

            if __name__ == "__main__":
                run()
            """,
            'function `run` called from the `if __name__ == "__main__"` block',
        ),
    ],
)
def test_batch_contexts(source, reason):
    where = where_of(source)
    assert (where.kind, where.reason) == (RunsIn.BATCH, reason)


def test_call_inside_the_main_guard():
    source = f"""
        if __name__ == "__main__":
            for item in items:
                {CALL}
        {CALL}
        """
    guarded, bare = load_py(source).calls
    assert guarded.where.kind is RunsIn.BATCH
    assert guarded.where.reason == '`if __name__ == "__main__"` block'
    assert guarded.where.span == source_span(source, '__name__ == "__main__"')
    assert guarded.in_loop
    assert bare.where.kind is RunsIn.UNKNOWN and not bare.in_loop


def test_async_main_run_from_the_guard():
    where = where_of(
        f"""
        import asyncio
        async def go():
            await {CALL}
        if __name__ == "__main__":
            asyncio.run(go())
        """
    )
    assert where.kind is RunsIn.BATCH and "`go`" in where.reason


def test_helper_called_from_a_route_is_ui():
    source = f"""
        from flask import Flask

        def ask(question):
            return {CALL}

        @app.post("/chat")
        def chat():
            return ask(request.json["q"])
        """
    where = where_of(source)
    assert (where.kind, where.reason) == (RunsIn.UI, "called from Flask route `chat`")
    assert where.span == source_span(source, 'ask(request.json["q"])')


def test_method_helper_called_through_self():
    where = where_of(
        f"""
        from django.views import View

        class ChatView(View):
            def ask(self):
                return self.client.{CALL.replace("client.", "", 1)}

            def post(self, request):
                return self.ask()
        """
    )
    assert (where.kind, where.reason) == (RunsIn.UI, "called from Django class-based view `ChatView.post`")


def test_ui_wins_over_batch_for_a_shared_helper():
    where = where_of(
        f"""
        from fastapi import FastAPI

        def ask():
            return {CALL}

        def main():
            ask()

        @app.get("/")
        def index():
            return ask()
        """
    )
    assert (where.kind, where.reason) == (RunsIn.UI, "called from FastAPI endpoint `index`")


def test_only_one_level_of_helpers_is_followed():
    where = where_of(
        f"""
        def inner():
            return {CALL}

        def middle():
            return inner()

        @app.get("/")
        def index():
            return middle()
        """
    )
    assert where.kind is RunsIn.UNKNOWN


def test_helper_called_from_main_is_batch():
    where = where_of(
        f"""
        def ask():
            return {CALL}

        def main():
            ask()
        """
    )
    assert (where.kind, where.reason) == (RunsIn.BATCH, "called from `main()` function")


def test_no_evidence_is_unknown():
    where = where_of(
        f"""
        def ask():
            return {CALL}
        """
    )
    assert where == where.unknown()


# ---------------------------------------------------------------------------------------
# Loops
# ---------------------------------------------------------------------------------------


def test_in_loop():
    document = load_py(
        """
        def f(client, docs):
            for chunk in client.messages.create(model="m", max_tokens=1, stream=True):
                client.messages.create(model="m", max_tokens=1)
            while pending:
                client.messages.create(model="m", max_tokens=1)
            results = [client.messages.create(model="m", max_tokens=1, system=d) for d in docs]
            for doc in docs:
                def later():
                    return client.messages.create(model="m", max_tokens=1)
            else:
                client.messages.create(model="m", max_tokens=1)
        """
    )
    assert [call.in_loop for call in document.calls] == [False, True, True, True, False, False]


# ---------------------------------------------------------------------------------------
# Files that cannot be read
# ---------------------------------------------------------------------------------------


def test_syntax_error_is_a_problem_at_the_error():
    document = load("bad.py", 'x = "é"\ny = (1,\n')
    [problem] = document.problems
    assert problem.message.startswith("invalid Python syntax: ")
    assert problem.span.line == 2 and problem.span.column == 5
    assert document.calls == [] and document.texts == []


@pytest.mark.parametrize(
    "source",
    [
        "(" * 100_000,
        "x = " + "1 + " * 5_000 + "1\n",
        "x = " + "-" * 5_000 + "1\n",
        "x = 1\0\n",
        "def f(:\n",
        "\udcff = 1\n",
    ],
    ids=["parentheses", "deep-expression", "deep-unary", "nul", "bad-def", "surrogate"],
)
def test_unreadable_code_is_a_problem_not_an_exception(source):
    document = load("bad.py", source)
    assert len(document.problems) == 1
    assert document.calls == []


def test_byte_order_mark_and_carriage_returns_keep_positions():
    source = '\ufeffSYSTEM_PROMPT = "Be brief."\r\nx = 1\rOTHER_PROMPT = "Stay calm."\n'
    document = load("a.py", source)
    assert document.problems == []
    first, second = document.texts
    assert first.span() == LineIndex(source).span(source.index("Be brief."), source.index("Be brief.") + 9)
    assert second.text == "Stay calm."
    assert source[LineIndex(source).offset(second.span().line, second.span().column):].startswith("Stay calm.")


def test_document_shape():
    document = load_py(f"{CALL}\n", path="src/app.py")
    assert document.path == "src/app.py"
    assert document.kind.value == "python"
    assert document.calls[0].path == "src/app.py"
    assert document.calls[0].messages[0].path == "src/app.py"


def test_node_walk_is_ast_walk_without_contexts_and_operators():
    """`nodes.walk` replaces `ast.walk` where a whole function or module is searched: the
    same nodes in the same (breadth-first) order, less the childless contexts and operators
    (`Load`, `Add`, `Eq`) that no question asks about."""
    import ast
    from pathlib import Path

    import advisor
    from advisor.loaders.python import nodes

    skipped = (ast.expr_context, ast.operator, ast.boolop, ast.unaryop, ast.cmpop)
    sources = sorted(Path(advisor.__file__).parent.rglob("*.py"))[:60]
    assert len(sources) >= 40
    for path in sources:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        expected = [node for node in ast.walk(tree) if not isinstance(node, skipped)]
        assert list(nodes.walk(tree)) == expected, path
