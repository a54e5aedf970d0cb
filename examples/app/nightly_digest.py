"""Nightly job: a digest of yesterday's tickets for the support leads."""

import anthropic

DIGEST_PROMPT = """Write the daily digest of the tickets below for the support leads.
Group them by product area, and give each group a short paragraph with the main themes,
then a list of the three most urgent tickets with one sentence each."""


def main(tickets: list[str]) -> str:
    client = anthropic.Anthropic()
    message = client.messages.create(
        model="claude-sonnet-5-5",
        max_tokens=2000,
        system=DIGEST_PROMPT,
        messages=[{"role": "user", "content": "\n\n".join(tickets)}],
    )
    return message.content[0].text


if __name__ == "__main__":
    import sys

    print(main(sys.stdin.read().split("\n\n")))
