"""A synthetic prompt repository for benchmarks: N files of the four kinds advisor reads.

The mix follows what real prompt repositories look like: mostly prompt files and
templates, a good share of request configs, and application code calling the SDK. Content
is varied (seeded) so that caches inside the tokenizer or the regex engine do not make the
run look faster than a real one, and about a third of the files carry an anti-pattern.

    python benchmarks/synthetic.py OUT_DIR [N_FILES]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

WORDS = (
    "customer ticket billing outage refund invoice account password login error message product "
    "feature request summary answer question support agent policy escalation priority queue "
    "order shipment delivery return warranty subscription plan upgrade downgrade discount"
).split()

MODELS = ["claude-haiku-5-5", "claude-sonnet-5-5", "claude-opus-5-5", "claude-opus-4-8", "claude-haiku-4-5"]


SENTENCES = (
    "The {0} says that the {1} page shows an {2} when they try to change their {3}.",
    "If the {0} mentions a {1}, check the {2} first and explain what the {3} means.",
    "You should never promise a {0} before the {1} team has looked at the {2}.",
    "When the {0} is about a {1}, ask for the {2} number and the date of the {3}.",
    "Always answer in a friendly tone and keep the {0} separate from the {1}.",
    "Use the {0} history to decide whether this {1} is a known {2} or a new {3}.",
    "Do not include internal notes about the {0} or the {1} in your reply.",
)


def _sentence(rng: random.Random) -> str:
    """Prompt-like English: function words and all, as real prompts have them."""
    return rng.choice(SENTENCES).format(*rng.choices(WORDS, k=4))


def _paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(_sentence(rng) for _ in range(sentences))


def _length_request(rng: random.Random) -> str:
    return rng.choice(
        [
            f"Answer in no more than {rng.randint(40, 200)} words.",
            f"Answer in {rng.randint(2, 5)} sentences.",
            "Reply with the category name only.",
            f"Write {rng.randint(2, 4)} short paragraphs.",
            "Be concise.",
        ]
    )


def prompt_file(rng: random.Random) -> str:
    body = "\n\n".join(_paragraph(rng, rng.randint(3, 8)) for _ in range(rng.randint(2, 6)))
    return f"You are a support assistant.\n\n{body}\n\n{_length_request(rng)}\n\nTicket:\n{{ticket}}\n"


def template_file(rng: random.Random) -> str:
    body = "\n".join(_paragraph(rng, rng.randint(2, 5)) for _ in range(rng.randint(2, 5)))
    return (
        "{# generated template #}\n"
        "You help {{ customer_name }} with {{ product }}.\n"
        f"{body}\n"
        "{% if urgent %}This is urgent.{% endif %}\n"
        f"{_length_request(rng)}\n"
        "{{ message }}\n"
    )


def config_file(rng: random.Random) -> str:
    system = _paragraph(rng, rng.randint(3, 10))
    lines = [f"model: {rng.choice(MODELS)}"]
    if rng.random() < 0.8:
        lines.append(f"max_tokens: {rng.choice([16, 256, 1024, 4096])}")
    if rng.random() < 0.3:
        lines.append("x-advisor: {runs-in: ui}")
    lines.append("system: |")
    lines.extend("  " + line for line in (system + " " + _length_request(rng)).split(". "))
    lines.append("messages:")
    lines.append("  - role: user")
    lines.append('    content: "{{ ticket }}"')
    return "\n".join(lines) + "\n"


def python_file(rng: random.Random) -> str:
    model = rng.choice(MODELS)
    prompt = _paragraph(rng, rng.randint(2, 6)).replace('"', "'")
    handler = rng.random() < 0.5
    decorator = '@app.post("/ask")\n' if handler else ""
    stream = ", stream=True" if rng.random() < 0.3 else ""
    return (
        "import anthropic\n"
        "from fastapi import FastAPI\n\n"
        "app = FastAPI()\n"
        "client = anthropic.Anthropic()\n\n"
        f'SYSTEM_PROMPT = """{prompt}\n{_length_request(rng)}"""\n\n\n'
        f"{decorator}def ask(question: str):\n"
        "    return client.messages.create(\n"
        f'        model="{model}",\n'
        f"        max_tokens={rng.choice([16, 256, 1024])}{stream},\n"
        "        system=SYSTEM_PROMPT,\n"
        '        messages=[{"role": "user", "content": question}],\n'
        "    )\n"
    )


KINDS = (
    (0.35, "prompts/{i:05d}.txt", prompt_file),
    (0.25, "templates/{i:05d}.j2", template_file),
    (0.2, "configs/{i:05d}.yaml", config_file),
    (0.2, "app/module_{i:05d}.py", python_file),
)


def _pick(draw: float) -> tuple:
    """The (path pattern, text maker) of the kind a uniform draw in [0, 1) falls on."""
    cumulative = 0.0
    for share, pattern, make in KINDS:
        cumulative += share
        if draw <= cumulative:
            return pattern, make
    return KINDS[-1][1], KINDS[-1][2]


def make_repo(root: Path, n_files: int, seed: int = 7) -> list[Path]:
    """Write ``n_files`` files under ``root`` (spread over sub-directories of 100)."""
    rng = random.Random(seed)
    written = []
    for i in range(n_files):
        pattern, make = _pick(rng.random())
        relative = Path(pattern.format(i=i))
        path = root / f"part{i // 100:03d}" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(make(rng), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    print(f"{len(make_repo(target, count))} files written under {target}")
