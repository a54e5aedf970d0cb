"""Whole example files for the rule documentation, built from shared parts.

Each rule documents an example that triggers it and a "use instead" that does not
(tests/test_docs.py lints every one). Most are the same small request config, web handler
or script with one thing changed, so they are written once here and each rule says only
what differs: the example and its fix then differ exactly where the advice does.
"""

from __future__ import annotations

CLIENT = "import anthropic\n\nclient = anthropic.Anthropic()\n"

WEB_APP = (
    "import anthropic\nfrom fastapi import FastAPI\nfrom fastapi.responses import StreamingResponse\n\n"
    "app = FastAPI()\nclient = anthropic.Anthropic()\n\n\n"
    '@app.post("/chat")\ndef chat(question: str):\n'
)

_CHAT_ARGUMENTS = 'model="claude-haiku-5-5", max_tokens=1024,\n{indent}messages=[{{"role": "user", "content": question}}],\n'

BLOCKING_REPLY = (
    "    reply = client.messages.create(\n        " + _CHAT_ARGUMENTS.format(indent="        ")
    + "    )\n    return reply.content[0].text"
)
BUFFERED_REPLY = (
    "    with client.messages.stream(\n        " + _CHAT_ARGUMENTS.format(indent="        ")
    + "    ) as stream:\n        message = stream.get_final_message()\n    return message.content[0].text"
)
STREAMED_REPLY = (
    "    def tokens():\n        with client.messages.stream(\n            " + _CHAT_ARGUMENTS.format(indent="            ")
    + "        ) as stream:\n            yield from stream.text_stream\n\n"
    '    return StreamingResponse(tokens(), media_type="text/plain")'
)


def request_config(
    *,
    model: str = "claude-haiku-5-5",
    max_tokens: int | None = 300,
    settings: str = "",
    system: str | None = "Answer the customer's question about their order.",
    user: str = '"{{ question }}"',
    max_tokens_comment: str = "",
) -> str:
    """A YAML request body: ``settings`` are extra lines (``thinking: …``) after
    ``max_tokens``."""
    lines = [f"model: {model}"]
    if max_tokens is not None:
        lines.append(f"max_tokens: {max_tokens}{max_tokens_comment}")
    lines += [line for line in settings.split("\n") if line]
    if system is not None:
        lines.append(f"system: {system}")
    lines += ["messages:", "  - role: user", f"    content: {user}"]
    return "\n".join(lines)


def script_call(arguments: str, content: str) -> str:
    """A module-level ``messages.create`` call: ``arguments`` are its lines before
    ``messages=`` (four spaces in), ``content`` the user turn's text."""
    return CLIENT + f'reply = client.messages.create(\n{arguments}    messages=[{{"role": "user", "content": "{content}"}}],\n)'


def support_function(style_file: str) -> str:
    """A helper whose system prompt is a style guide read from a file."""
    return CLIENT + (
        f'STYLE = open("prompts/{style_file}").read()\n\n\ndef answer(question: str):\n'
        '    return client.messages.create(\n        model="claude-haiku-5-5", max_tokens=300, system=STYLE,\n'
        '        messages=[{"role": "user", "content": question}],\n    )'
    )


def sentiment_function(model: str) -> str:
    """A one-word classification through ``model``."""
    return CLIENT + (
        f'\n\ndef sentiment(review: str) -> str:\n    reply = client.messages.create(\n        model="{model}",\n'
        '        max_tokens=10,\n        system="Classify the sentiment as positive or negative. Reply with one word.",\n'
        '        messages=[{"role": "user", "content": review}],\n    )\n    return reply.content[0].text'
    )


def policy_endpoint(system: str) -> str:
    """A web endpoint answering from a long policy document, sent as ``system``."""
    return (
        'import anthropic\nfrom fastapi import FastAPI\n\napp = FastAPI()\nclient = anthropic.Anthropic()\n'
        'POLICY = open("prompts/policy.md").read()\n\n\n@app.post("/ask")\ndef ask(question: str):\n'
        '    reply = client.messages.create(\n        model="claude-haiku-5-5", max_tokens=300, stream=False,\n'
        f'        system={system},\n        messages=[{{"role": "user", "content": question}}],\n    )\n'
        '    return reply.content[0].text'
    )
