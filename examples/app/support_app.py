"""The support desk web app."""

import anthropic
from flask import Flask, request

app = Flask(__name__)
client = anthropic.Anthropic()

SYSTEM_PROMPT = (
    "You are a helpful support agent. Answer in a friendly tone, "
    "in under 150 words, and end with a question that checks the customer is unblocked."
)

TRIAGE_MODEL = "claude-opus-5-5"


def classify(ticket: str) -> str:
    """Pick the queue for a ticket."""
    response = client.messages.create(
        model=TRIAGE_MODEL,
        max_tokens=5,
        system="Is this ticket urgent? Answer yes or no.",
        messages=[{"role": "user", "content": ticket}],
    )
    return response.content[0].text


@app.post("/reply")
def reply():
    question = request.json["question"]
    answer = client.messages.create(
        model="claude-sonnet-5-5",
        max_tokens=1024,
        system=SYSTEM_PROMPT,
        messages=[{"role": "user", "content": question}],
    )
    return {"answer": answer.content[0].text, "queue": classify(question)}


@app.post("/reply/stream")
def reply_stream():
    question = request.json["question"]

    def generate():
        with client.messages.stream(
            model="claude-haiku-5-5",
            max_tokens=1024,
            system=SYSTEM_PROMPT,
            messages=[{"role": "user", "content": question}],
        ) as stream:
            yield from stream.text_stream

    return app.response_class(generate(), mimetype="text/plain")
