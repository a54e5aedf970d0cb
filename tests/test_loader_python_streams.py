"""The Python loader: streamed calls whose output is collected before the user sees any of it."""

from __future__ import annotations

import pytest

from helpers import load_py, only_call, source_span

STREAM = 'client.messages.stream(model="m", max_tokens=1, messages=[])'
CREATE = 'client.messages.create(model="m", max_tokens=1, messages=[], stream=True)'


# ---------------------------------------------------------------------------------------
# Buffered: the whole stream is collected in the function that opens it
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expression"),
    [
        (
            f"""
            def ask(client):
                with {STREAM} as stream:
                    message = stream.get_final_message()
                return message.content[0].text
            """,
            "stream.get_final_message()",
        ),
        (
            f"""
            async def ask(client):
                async with {STREAM} as stream:
                    return await stream.get_final_text()
            """,
            "stream.get_final_text()",
        ),
        (
            f"""
            def ask(client):
                with {STREAM} as s:
                    s.until_done()
                    return s.current_message_snapshot
            """,
            "s.until_done()",
        ),
        (
            f"""
            def ask(client):
                with {STREAM} as stream:
                    return "".join(stream.text_stream)
            """,
            '"".join(stream.text_stream)',
        ),
        (
            f"""
            def ask(client):
                with {STREAM} as stream:
                    answer = "".join(chunk for chunk in stream.text_stream)
                return answer
            """,
            '"".join(chunk for chunk in stream.text_stream)',
        ),
        (
            f"""
            def ask(client):
                parts = []
                with {STREAM} as stream:
                    for text in stream.text_stream:
                        parts.append(text)
                return "".join(parts)
            """,
            "for text in stream.text_stream",
        ),
        (
            f"""
            def ask(client):
                response = {CREATE}
                text = ""
                for event in response:
                    if event.type == "content_block_delta":
                        text += event.delta.text
                return text
            """,
            "for event in response",
        ),
        (
            f"""
            def ask(client):
                text = ""
                for event in {CREATE}:
                    if isinstance(event, ContentBlockDelta):
                        text += event.delta.text.strip()
                return text
            """,
            f"for event in {CREATE}",
        ),
        (
            f"""
            import io
            def ask(client):
                buffer = io.StringIO()
                with {STREAM} as stream:
                    for text in stream.text_stream:
                        buffer.write(text)
                return buffer.getvalue()
            """,
            "for text in stream.text_stream",
        ),
        (
            f"""
            async def ask(client):
                answer = ""
                async with {STREAM} as stream:
                    async for text in stream.text_stream:
                        answer += text
                        print(".", end="", flush=True)  # progress dots: the text itself waits
                        await asyncio.sleep(0)
                return answer
            """,
            "async for text in stream.text_stream",
        ),
        (
            f"""
            def ask(client):
                manager = {STREAM}
                with manager as stream:
                    return stream.get_final_message()
            """,
            "stream.get_final_message()",
        ),
        (
            f"""
            with {STREAM} as stream:
                reply = stream.get_final_message()
            print(reply.content[0].text)
            """,
            "stream.get_final_message()",
        ),
    ],
    ids=["get_final_message", "get_final_text", "until_done", "join", "join-generator", "loop-append",
         "raw-events", "loop-over-call", "stringio", "async-loop-progress", "manager-alias", "module-level"],
)
def test_buffered_streams(source, expression):
    buffered = only_call(source).buffered
    assert buffered.is_literal and buffered.value is True
    assert buffered.span == source_span(source, expression)
    assert buffered.source == expression


def test_the_first_buffering_expression_is_reported():
    source = f"""
        def ask(client):
            parts = []
            with {STREAM} as stream:
                for event in stream:
                    parts.append(event)
                final = stream.get_final_message()
            return final
        """
    buffered = only_call(source).buffered
    assert buffered.source == "for event in stream"
    assert buffered.span.line == 5


# ---------------------------------------------------------------------------------------
# Not buffered: the text reaches someone as it arrives
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        f"""
        def ask(client):
            with {STREAM} as stream:
                for text in stream.text_stream:
                    yield text
        """,
        f"""
        def ask(client):
            with {STREAM} as stream:
                for text in stream.text_stream:
                    yield text
                final = stream.get_final_message()  # finalised after forwarding: still streamed
            log_usage(final.usage)
        """,
        f"""
        def respond(message, history):
            partial = ""
            with {STREAM} as stream:
                for text in stream.text_stream:
                    partial += text
                    yield partial
        """,
        f"""
        def ask(client):
            with {STREAM} as stream:
                yield from stream.text_stream
        """,
        f"""
        def ask(client):
            return {STREAM}
        """,
        f"""
        def ask(client):
            stream = {CREATE}
            return stream
        """,
        f"""
        async def ask(client):
            async with {STREAM} as stream:
                return (text async for text in stream.text_stream)
        """,
        f"""
        def ask(client):
            stream = {CREATE}
            return StreamingResponse(stream, media_type="text/event-stream")
        """,
        f"""
        import streamlit as st
        with {STREAM} as stream:
            answer = st.write_stream(stream.text_stream)
        """,
        f"""
        def ask(client):
            with {STREAM} as stream:
                return EventSourceResponse(stream)
        """,
        f"""
        async def ask(client, websocket):
            full = ""
            async with {STREAM} as stream:
                async for text in stream.text_stream:
                    full += text
                    await websocket.send_text(text)
            return full
        """,
        f"""
        def ask(client):
            with {STREAM} as stream:
                for text in stream.text_stream:
                    socketio.emit("token", {{"text": text}})
        """,
        f"""
        def ask(client):
            with {STREAM} as stream:
                for text in stream.text_stream:
                    print(text, end="", flush=True)
                return stream.get_final_message()
        """,
        f"""
        import streamlit as st
        placeholder = st.empty()
        full = ""
        with {STREAM} as stream:
            for text in stream.text_stream:
                full += text
                placeholder.markdown(full + "▌")
        """,
        f"""
        def ask(client, on_token):
            parts = []
            with {STREAM} as stream:
                for text in stream.text_stream:
                    parts.append(text)
                    on_token(text)
        """,
        f"""
        import sys
        def ask(client):
            with {STREAM} as stream:
                for text in stream.text_stream:
                    sys.stdout.write(text)
        """,
        f"""
        async def ask(client, message):
            async with {STREAM} as stream:
                async for text in stream.text_stream:
                    message.content += text
                    await message.update()
        """,
        f"""
        def chat(client):
            def generate():
                with {STREAM} as stream:
                    for text in stream.text_stream:
                        yield text
            return StreamingResponse(generate())
        """,
    ],
    ids=["yield", "yield-then-final", "gradio-partial", "yield-from", "return-manager", "return-raw",
         "return-generator", "streaming-response", "st-write-stream", "event-source", "websocket", "socketio",
         "print-then-final", "streamlit-placeholder", "callback", "stdout", "awaited-update", "nested-generator"],
)
def test_forwarded_streams_are_not_buffered(source):
    assert only_call(source).buffered.is_absent


@pytest.mark.parametrize(
    "source",
    [
        'client.messages.create(model="m", max_tokens=1, messages=[])',  # not streamed
        'reply = client.messages.create(model="m", max_tokens=1, messages=[], stream=flag)',  # decided at run time
        'client.messages.count_tokens(model="m", messages=[])',
        f"with {STREAM} as stream:\n    pass\n",  # opened, nothing collected
        f"with {STREAM} as stream:\n    for event in stream:\n        pass\n",
    ],
    ids=["create", "stream-flag", "count-tokens", "unused", "drained"],
)
def test_calls_that_collect_nothing_are_not_buffered(source):
    assert only_call(source).buffered.is_absent


def test_a_stream_handed_to_an_unknown_function_is_dynamic():
    source = f"""
        def ask(client):
            with {STREAM} as stream:
                return consume(stream)
        """
    buffered = only_call(source).buffered
    assert buffered.is_dynamic
    assert buffered.span == source_span(source, "consume(stream)")
    assert buffered.source == "consume(stream)"


def test_each_stream_of_a_function_is_judged_on_its_own():
    first, second = load_py(
        f"""
        def ask(client):
            with {STREAM} as stream:
                summary = stream.get_final_message()
            with {STREAM} as stream:
                for text in stream.text_stream:
                    yield text
        """
    ).calls
    assert first.buffered.is_literal and first.buffered.source == "stream.get_final_message()"
    assert second.buffered.is_absent


def test_a_nested_function_with_its_own_stream_name_does_not_count():
    call = only_call(
        f"""
        def ask(client):
            with {STREAM} as stream:
                final = stream.get_final_message()

            def relay(stream):
                for text in stream.text_stream:
                    yield text
            return final, relay
        """
    )
    assert call.buffered.is_literal and call.buffered.span.line == 4
