"""Counting short ASCII texts from the stored rank table gives exactly the encoder's count;
anything it cannot count exactly is left to the encoder."""

import os
import sqlite3
from pathlib import Path

import pytest

from advisor import derived, token_lookup, tokens
from advisor.catalog import load_catalog

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"

TRICKY = [
    "",
    " ",
    "   ",
    "word   ",
    "Summarise the ticket.\n\n\n",
    "I'll say we've seen they're 'S 'LL 'Ve don't",
    "x\x1cy \x1f z\x0b\x0c",  # \x1c-\x1f: Python calls them spaces, Unicode's White_Space does not
    "\t\tindented\r\n  crlf\r\n\r\n",
    "1234567 89 0.5 3,000,000",
    "a" * 60 + " " + "Supercalifragilisticexpialidocious antidisestablishmentarianism",
    "   leading and trailing   ",
    "ends with a newline\n",
    "\n",
    "!!!???... --- ### ```json\n{\"a\": [1, 2]}\n```",
    "camelCaseIdentifiers and snake_case_names and URLs like https://example.com/a?b=c",
    "{{ placeholder }} {% if x %}y{% endif %} <document>text</document>",
]


def _examples() -> list[str]:
    texts = []
    for path in sorted(EXAMPLES.rglob("*")):
        if path.is_file() and path.suffix in {".txt", ".md", ".j2", ".yaml", ".py", ".prompt"}:
            texts.append(path.read_text(encoding="utf-8"))
    return texts


@pytest.fixture
def counter(tmp_path, monkeypatch) -> token_lookup.LookupCounter:
    """A lookup counter over a rank table stored in a scratch folder."""
    monkeypatch.setenv(derived.CACHE_ENV, str(tmp_path))
    import tiktoken

    tiktoken.list_encoding_names()  # fills tiktoken's table of encoding constructors
    arguments = tiktoken.registry.ENCODING_CONSTRUCTORS[tokens.OFFLINE_ENCODING]()
    token_lookup.store_table("test", arguments["mergeable_ranks"], arguments["pat_str"])
    return token_lookup.LookupCounter("test")


def test_counts_are_the_encoders_on_prompts_code_and_edge_cases(counter):
    encode = tokens._encoder()[0]
    texts = TRICKY + _examples()
    pieces = [text[start:start + 400] for text in texts for start in range(0, len(text), 400)]
    counted = 0
    for text in texts + pieces:
        found = counter.count(text)
        if found is None:
            assert not text.isascii() or any(len(p) > token_lookup.MAX_PIECE for p in text.split()), repr(text[:60])
            continue
        assert found == encode(text), repr(text[:80])
        counted += 1
    assert counted > 50  # the examples are ASCII: nearly all of them were counted here


def test_what_it_cannot_count_exactly_is_left_to_the_encoder(counter, tmp_path):
    assert counter.count("Résumé the ticket.") is None  # not ASCII
    assert counter.count("x" * (token_lookup.MAX_PIECE + 1)) is None  # a piece with too many substrings
    assert counter.count("Summarise the ticket.") == tokens._encoder()[0]("Summarise the ticket.")


@pytest.mark.parametrize("damage", ["missing", "truncated", "other pattern", "not a database"])
def test_a_missing_or_damaged_table_is_never_used(counter, tmp_path, damage):
    path = token_lookup.table_path("test")
    assert path is not None and path.is_file()
    if damage == "missing":
        path.unlink()
    elif damage == "truncated":
        path.write_bytes(path.read_bytes()[:4096])
    elif damage == "other pattern":
        with sqlite3.connect(path) as connection:
            connection.execute("UPDATE complete SET pattern = 'x'")
    else:
        path.write_bytes(b"not a database at all" * 100)
    fresh = token_lookup.LookupCounter("test")
    assert fresh.count("Summarise the ticket.") is None
    assert not fresh.usable


def test_raw_count_uses_the_table_for_a_little_text_then_the_encoder(monkeypatch, tmp_path):
    """A run that counts little never builds the encoder; past the budget it does, and the
    counts are the same either way."""
    monkeypatch.setenv(derived.CACHE_ENV, str(tmp_path))
    tokens._encoder.cache_clear()
    tokens._encoder()  # builds the encoder once and stores the table
    assert list(tmp_path.glob("ranks-*.sqlite3"))
    texts = ["Summarise the ticket in three sentences.", *(text for text in _examples() if text.isascii())]
    expected = [tokens._encoder()[0](text) for text in texts]
    tokens._encoder.cache_clear()
    tokens._lookup.cache_clear()
    tokens._table_key.cache_clear()
    monkeypatch.setattr(tokens, "_lookup_spent", 0)
    first = texts[0]
    assert tokens.raw_count(first) == expected[0]
    assert tokens._encoder.cache_info().currsize == 0  # counted from the table
    assert tokens.counting_method() == "cl100k_base"
    assert [tokens.raw_count(text) for text in texts] == expected
    monkeypatch.setattr(tokens, "_lookup_spent", tokens.LOOKUP_BUDGET)
    tokens._encoder.cache_clear()
    assert tokens.raw_count(first) == expected[0]
    assert tokens._encoder.cache_info().currsize == 1  # past the budget: the encoder


def test_environments_with_the_same_tokenizer_data_share_its_stored_copies(monkeypatch, tmp_path):
    """Copies of the decoded ranks are named by the data file's bytes, not where it is, so
    two virtual environments do not each keep (and evict) their own; a file's digest is
    remembered by its path, size and time."""
    import shutil

    monkeypatch.setenv(derived.CACHE_ENV, str(tmp_path / "store"))
    bundled = tokens._data_file()
    assert bundled is not None
    first, second = tmp_path / "env1.tiktoken", tmp_path / "env2.tiktoken"
    shutil.copyfile(bundled, first)
    shutil.copyfile(bundled, second)
    os.utime(second, ns=(1_000_000_000, 1_000_000_000))
    names = []
    for data in (first, second):
        monkeypatch.setattr(tokens, "_data_file", lambda data=data: str(data))
        tokens._data_digest.cache_clear()
        tokens._table_key.cache_clear()
        import tiktoken

        names.append((tokens._table_key(), tokens._encoding_file(tiktoken)))
    assert names[0] == names[1] and names[0][0] is not None
    # remembered by path, size and time: same-size bytes under the same stamp are not hashed again
    status = second.stat()
    second.write_bytes(b"x" * status.st_size)
    os.utime(second, ns=(status.st_atime_ns, status.st_mtime_ns))
    tokens._data_digest.cache_clear()
    assert tokens._data_digest() == names[0][0]
    os.utime(second, ns=(status.st_atime_ns, status.st_mtime_ns + 1))  # touched: hashed again
    tokens._data_digest.cache_clear()
    assert tokens._data_digest() not in (None, names[0][0])
    tokens._data_digest.cache_clear()
    tokens._table_key.cache_clear()


def test_calibrated_tokens_is_the_estimates_count():
    """The finish and summarise stages take `calibrated_tokens`, not the whole estimate:
    the number must be the estimate's, for every tokenizer generation and rounding case."""
    catalog = load_catalog()
    models = [None, "unknown-model", *sorted(catalog.models)]
    factors = {catalog.tokenizer_for(model).factor for model in models}
    assert len(factors) > 1  # more than one generation is compared
    for model in models:
        for raw in [0, 1, 2, 3, 7, 10, 99, 128, 1_000, 4_097, 123_457]:
            assert tokens.calibrated_tokens(raw, model, catalog) == tokens.calibrate(raw, model, catalog).tokens
