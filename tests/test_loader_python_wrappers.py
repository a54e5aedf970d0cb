"""The Python loader: calls sent through LangChain, LiteLLM and the Claude Agent SDK."""

from __future__ import annotations

import pytest

from advisor.loaders.python import imports_anthropic
from advisor.model import CallApi, Role, RunsIn

from helpers import load_py, only_call, source_span

# ---------------------------------------------------------------------------------------
# LangChain
# ---------------------------------------------------------------------------------------

FLASK_CHAT = """
    from flask import Flask
    from langchain_anthropic import ChatAnthropic
    from langchain_core.messages import HumanMessage, SystemMessage

    app = Flask(__name__)
    llm = ChatAnthropic(model_name="claude-haiku-5-5", max_tokens_to_sample=400, temperature=0.3)

    @app.route("/chat")
    def chat(question):
        reply = llm.invoke([SystemMessage(content="You are a concise support agent."), HumanMessage(question)])
        return reply.content
"""


def test_chat_anthropic_invoke_is_a_call_where_the_invoke_runs():
    call = only_call(FLASK_CHAT)
    assert call.api is CallApi.CREATE and call.streams is False
    assert call.where.kind is RunsIn.UI and "chat" in call.where.reason
    assert call.span == source_span(FLASK_CHAT, "llm.invoke([SystemMessage(content=\"You are a concise support agent.\"), HumanMessage(question)])")
    # the aliases are the API's parameters, with the spans of the constructor's values
    assert call.model.get() == "claude-haiku-5-5" and call.model.span == source_span(FLASK_CHAT, '"claude-haiku-5-5"')
    assert call.max_tokens.get() == 400 and call.max_tokens.span == source_span(FLASK_CHAT, "400")
    assert call.temperature.get() == 0.3
    assert call.via is not None and call.via.name == "langchain-anthropic"
    assert call.via.settings == source_span(FLASK_CHAT, 'ChatAnthropic(model_name="claude-haiku-5-5", max_tokens_to_sample=400, temperature=0.3)')
    assert [text.text for text in call.system] == ["You are a concise support agent."]
    assert call.system_dynamic is False and call.messages_dynamic is True  # the question is computed


def test_a_chain_with_a_prompt_template_gives_the_templates_texts_with_fields_as_slots():
    source = """
        from langchain_anthropic import ChatAnthropic
        from langchain_core.output_parsers import StrOutputParser
        from langchain_core.prompts import ChatPromptTemplate

        SYSTEM = "Summarize the ticket in 2 sentences."
        prompt = ChatPromptTemplate.from_messages([("system", SYSTEM), ("human", "Ticket: {ticket}")])
        chain = prompt | ChatAnthropic(model="claude-sonnet-5-5", max_tokens=200).bind(stop=["END"]) | StrOutputParser()

        async def handle(ticket):
            async for chunk in chain.astream({"ticket": ticket}):
                yield chunk
    """
    call = only_call(source)
    assert call.api is CallApi.STREAM and call.streams is True and call.is_async
    assert [text.text for text in call.system] == ["Summarize the ticket in 2 sentences."]
    [human] = call.messages
    assert human.role == Role.USER and human.text == "Ticket: {{ ticket }}" and [slot.expression for slot in human.slots] == ["ticket"]
    assert call.buffered.is_absent  # each chunk is passed on


def test_a_stream_collected_in_full_is_buffered():
    source = """
        from langchain_anthropic import ChatAnthropic

        llm = ChatAnthropic(model="claude-haiku-5-5", max_tokens=300)

        def answer(question):
            parts = []
            for chunk in llm.stream(question):
                parts.append(chunk.content)
            return "".join(parts)
    """
    call = only_call(source)
    assert call.api is CallApi.STREAM and call.buffered.get() is True


def test_a_model_built_but_not_used_here_is_one_call_at_the_constructor_with_streaming_unknown():
    source = """
        from langchain_anthropic import ChatAnthropic

        llm = ChatAnthropic(model="claude-opus-5-5")
    """
    call = only_call(source)
    assert call.span == source_span(source, 'ChatAnthropic(model="claude-opus-5-5")')
    assert call.streams is None and call.max_tokens.is_absent


def test_streaming_true_leaves_invoke_undecided():
    source = """
        from langchain_anthropic import ChatAnthropic

        llm = ChatAnthropic(model="claude-haiku-5-5", max_tokens=300, streaming=True)

        def answer(question):
            return llm.invoke(question).content
    """
    call = only_call(source)
    assert call.streams is None and "streaming" not in call.extra


def test_a_model_id_from_a_variable_is_dynamic_and_still_a_call():
    source = """
        import os
        from langchain_anthropic import ChatAnthropic

        llm = ChatAnthropic(model=os.environ["CLAUDE_MODEL"], max_tokens=300)

        def answer(question):
            return llm.invoke(question).content
    """
    call = only_call(source)
    assert call.model.is_dynamic and call.model.source == 'os.environ["CLAUDE_MODEL"]'


@pytest.mark.parametrize(
    ("build", "model"),
    [
        ('init_chat_model("anthropic:claude-haiku-4-5", max_tokens=100)', "claude-haiku-4-5"),
        ('init_chat_model("claude-haiku-4-5", model_provider="anthropic", max_tokens=100)', "claude-haiku-4-5"),
        ('init_chat_model(model="claude-haiku-4-5", max_tokens=100)', "claude-haiku-4-5"),
    ],
)
def test_init_chat_model_with_an_anthropic_model(build, model):
    source = f"""
        from langchain.chat_models import init_chat_model

        llm = {build}

        def answer(question):
            return llm.invoke(question).content
    """
    call = only_call(source)
    assert call.model.get() == model and call.max_tokens.get() == 100
    # the span is the whole literal: a fix replaces only the id inside it, keeping `anthropic:`
    assert source_span(source, model).line == call.model.span.line


@pytest.mark.parametrize(
    "source",
    [
        # another provider through the same entry points
        'from langchain.chat_models import init_chat_model\nllm = init_chat_model("openai:gpt-4o")\nllm.invoke("hi")',
        'from langchain.chat_models import init_chat_model\nllm = init_chat_model("gpt-4o")\nllm.invoke("hi")',
        'from langchain.chat_models import init_chat_model\nllm = init_chat_model("claude-x", model_provider="bedrock")\n',
        # a provider decided at run time
        'from langchain.chat_models import init_chat_model\nllm = init_chat_model(MODEL)\nllm.invoke("hi")',
        # a ChatAnthropic that is not LangChain's, and an .invoke on something else
        'import langchain\nfrom mylib import ChatAnthropic\nllm = ChatAnthropic(model="claude-haiku-5-5")\nllm.invoke("hi")',
        'import langchain_anthropic\ntool.invoke("hi")',
        # LiteLLM with another provider's model, or one computed at run time
        'from litellm import completion\ncompletion(model="gpt-4o", messages=[])',
        'import litellm\nlitellm.completion(model="openai/gpt-4o", messages=[])',
        'import litellm\nlitellm.completion(model="openrouter/anthropic/claude-3.5-sonnet", messages=[])',
        'import litellm\nlitellm.completion(model=settings.MODEL, messages=[])',
        # a completion() that is not LiteLLM's
        'import litellm\nfrom openai_helpers import completion\ncompletion(model="claude-haiku-5-5", messages=[])',
    ],
)
def test_what_is_not_a_claude_call_through_a_wrapper(source):
    assert load_py(source).calls == []


def test_a_module_alias_is_followed():
    source = """
        import langchain_anthropic as la

        llm = la.ChatAnthropic(model="claude-haiku-5-5", max_tokens=50)
        print(llm.batch(["a", "b"]))
    """
    call = only_call(source)
    assert call.api is CallApi.CREATE and call.messages_dynamic  # batch inputs are computed
    assert call.in_loop and call.streams is None  # several requests, nothing to stream instead


# ---------------------------------------------------------------------------------------
# LiteLLM
# ---------------------------------------------------------------------------------------


def test_litellm_completion_reads_the_openai_shape():
    source = """
        from litellm import acompletion

        async def classify(ticket):
            return await acompletion(
                model="anthropic/claude-haiku-4-5",
                messages=[{"role": "system", "content": "Reply with one word."}, {"role": "user", "content": ticket}],
                max_completion_tokens=5,
                stream=True,
            )
    """
    call = only_call(source)
    assert call.model.get() == "claude-haiku-4-5"
    assert call.model.span == source_span(source, '"anthropic/claude-haiku-4-5"')
    assert call.max_tokens.get() == 5 and call.streams is True and call.is_async
    assert [text.text for text in call.system] == ["Reply with one word."] and call.messages == []
    assert call.via is not None and call.via.name == "litellm" and "acompletion" in call.via.label


@pytest.mark.parametrize(
    ("model", "read"),
    [
        ("claude-haiku-4-5", "claude-haiku-4-5"),
        ("bedrock/us.anthropic.claude-haiku-4-5-20251001-v1:0", "us.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("bedrock/converse/anthropic.claude-opus-4-7", "anthropic.claude-opus-4-7"),
        ("vertex_ai/claude-haiku-4-5@20251001", "claude-haiku-4-5@20251001"),
    ],
)
def test_litellm_model_spellings(model, read):
    call = only_call(f'import litellm\nlitellm.completion(model="{model}", messages=[], max_tokens=5)')
    assert call.model.get() == read


# ---------------------------------------------------------------------------------------
# The Claude Agent SDK
# ---------------------------------------------------------------------------------------


def test_agent_sdk_query_reads_model_system_prompt_and_task_only():
    source = """
        from claude_agent_sdk import ClaudeAgentOptions, query

        options = ClaudeAgentOptions(model="claude-sonnet-5-5", system_prompt="You review diffs.", max_turns=3)

        async def review(diff):
            async for message in query(prompt="Review this diff.", options=options):
                print(message)
    """
    call = only_call(source)
    assert call.model.get() == "claude-sonnet-5-5"
    assert [text.text for text in call.system] == ["You review diffs."]
    assert [text.text for text in call.messages] == ["Review this diff."]
    # the agent loop decides the output cap, streaming and caching: nothing to judge
    assert call.max_tokens.is_absent and call.streams is None and call.cache_control.is_dynamic
    assert call.span == source_span(source, 'query(prompt="Review this diff.", options=options)')


def test_agent_sdk_options_without_a_query_here_and_a_preset_system_prompt():
    source = """
        from claude_agent_sdk import ClaudeAgentOptions, ClaudeSDKClient

        options = ClaudeAgentOptions(model="claude-opus-5-5", system_prompt={"type": "preset", "preset": "claude_code"})
        client = ClaudeSDKClient(options=options)
    """
    call = only_call(source)
    assert call.model.get() == "claude-opus-5-5" and call.system == [] and call.system_dynamic


# ---------------------------------------------------------------------------------------
# The relevance sniff
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "relevant"),
    [
        ("from langchain_anthropic import ChatAnthropic\n", True),
        ("import litellm\n", True),
        ("from litellm import completion\n", True),
        ("from claude_agent_sdk import query\n", True),
        ("from langchain.chat_models import init_chat_model\n", True),
        ("from anthropic import AnthropicBedrock\n", True),
        ("from langchain_openai import ChatOpenAI\n", False),
        ("import litellm_helpers\n", False),
        ("import anthropic_bedrock_tools\n", False),
    ],
)
def test_the_sniff_accepts_files_that_import_a_wrapper(source, relevant):
    assert imports_anthropic(source) is relevant


def test_the_sniffs_substring_pretest_never_rejects_an_import_the_pattern_accepts():
    """The sniff skips its pattern when no package word occurs in the file: every package
    the pattern names must contain one of those words, whatever the list grows to."""
    import re

    from advisor.loaders import python

    packages = re.search(r"\(\?:([^)]*)\)", python._CLAUDE_PACKAGES).group(1).split("|")
    assert "anthropic" in packages and "litellm" in packages
    for package in packages:
        assert any(word in package for word in python._PACKAGE_WORDS), package
        for source in (f"import {package}\n", f"  from {package}.x import y\n", f"x = 1\nimport {package} as p\n"):
            assert imports_anthropic(source)


def test_the_json_output_names_the_wrapper_of_each_call(tmp_path, monkeypatch):
    import json

    from click.testing import CliRunner

    from advisor.cli import cli

    (tmp_path / "chain.py").write_text(
        "import anthropic\nimport litellm\n"
        'anthropic.Anthropic().messages.create(model="claude-haiku-5-5", max_tokens=5, messages=[])\n'
        'litellm.completion(model="anthropic/claude-haiku-5-5", max_tokens=5, messages=[])\n'
    )
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--isolated", "--format", "json", "chain.py"])
    calls = json.loads(result.stdout)["calls"]
    assert [(call["line"], call["via"]) for call in calls] == [(3, None), (4, "litellm")]


def test_call_time_settings_override_the_constructors():
    source = """
        from langchain_anthropic import ChatAnthropic

        llm = ChatAnthropic(model="claude-haiku-5-5")
        short = llm.bind(max_tokens=20)

        def label(ticket):
            return short.invoke(ticket).content

        def summary(ticket):
            return llm.invoke(ticket, max_tokens=300).content

        def essay(topic):
            return llm.invoke(topic).content
    """
    label, summary, essay = load_py(source).calls
    assert label.max_tokens.get() == 20 and label.max_tokens.span == source_span(source, "20")
    assert summary.max_tokens.get() == 300
    assert essay.max_tokens.is_absent


def test_a_missing_budget_is_an_error_only_where_the_call_fails(make_repo, monkeypatch):
    """The anthropic SDK refuses a request without max_tokens (an error); a wrapper or the
    AI SDK fills in the model's largest output, so the call works and may run long (a
    warning)."""
    from advisor.config import Settings
    from advisor.engine import Linter

    root = make_repo({
        "app/sdk.py": "import anthropic\nclient = anthropic.Anthropic()\n"
                      "client.messages.create(model='claude-haiku-5-5', messages=[{'role': 'user', 'content': 'hi'}])\n",
        "app/chain.py": "from langchain_anthropic import ChatAnthropic\n"
                        "llm = ChatAnthropic(model='claude-haiku-5-5')\nprint(llm.invoke('hi').content)\n",
        "web/route.ts": 'import { anthropic } from "@ai-sdk/anthropic";\nimport { generateText } from "ai";\n'
                        'export const run = (q: string) => generateText({ model: anthropic("claude-haiku-5-5"), prompt: q });\n',
    })
    monkeypatch.chdir(root)
    result = Linter(Settings(root=root), use_cache=False).lint_paths(["."])
    severities = {f.path: f.severity.value for f in result.findings if f.rule == "missing-max-tokens"}
    assert severities == {"app/sdk.py": "error", "app/chain.py": "warning", "web/route.ts": "warning"}
