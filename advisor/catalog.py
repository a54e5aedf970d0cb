"""The model catalog: ids, speed labels, prices, limits and lifecycle, read from rules/models.yaml.

Model facts change every few months, so none of them live in code: rules ask the catalog
("is this id retired, what replaces it, how much does it cost, is it a slow tier?") and the
catalog answers from data a user can review and override.
"""

from __future__ import annotations

import datetime as _dt
import fnmatch
import functools
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from . import clock, model_ids, ruledata


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Tokenizer:
    """How one Claude tokenizer's counts relate to cl100k_base's, which counts offline."""

    name: str
    description: str
    factor: float  # Claude tokens per cl100k_base token
    low: float
    high: float


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class ModelInfo:
    """One model of the catalog: its speed label, prices, limits and lifecycle."""

    id: str
    family: str
    latency: str  # fastest | fast | moderate | slower
    latency_rank: int  # 0 = fastest
    input_price: float  # USD per million input tokens
    output_price: float  # USD per million output tokens
    context: int
    max_output: int
    status: str  # current | legacy | deprecated | retired
    tokenizer: str
    sampling: str  # full | defaults-only
    min_cache_tokens: int | None = None
    min_cache_tokens_verified: bool = True
    retires: _dt.date | None = None
    replacement: str | None = None
    verified: bool = True
    aliases: tuple[str, ...] = ()
    bedrock: str | None = None  # its Amazon Bedrock model id, where the catalog knows it
    vertex: str | None = None  # its Vertex AI model id, where it differs from the API id

    @property
    def usable(self) -> bool:
        return self.status != "retired"

    def cost_usd(self, input_tokens: float, output_tokens: float) -> float:
        return (input_tokens * self.input_price + output_tokens * self.output_price) / 1_000_000


@dataclass(frozen=True, eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class RetiredModel:
    """A retired model the catalog no longer describes: an id pattern, its family and what replaces it."""

    pattern: str
    family: str
    replacement: str


@dataclass(eq=False, repr=False)  # internal: never compared or printed (cheaper to define)
class Catalog:
    """The models, tokenizers and lifecycle facts of rules/models.yaml, and the questions rules ask of them."""

    models: dict[str, ModelInfo]
    tokenizers: dict[str, Tokenizer]
    latency_order: list[str]
    successors: dict[str, str | None]
    retired: list[RetiredModel] = field(default_factory=list)
    _aliases: dict[str, str] = field(default_factory=dict)
    # Answers of `get` and `retired_entry` by the id asked: every rule asks about the same
    # few ids of every call. A catalog is not changed once made (`with_overrides` copies).
    _found: dict[str, ModelInfo | None] = field(default_factory=dict, init=False)
    _retired_found: dict[str, RetiredModel | None] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._aliases = {alias: info.id for info in self.models.values() for alias in info.aliases}
        for info in self.models.values():  # platform ids name their model exactly
            for platform_id in (info.bedrock, info.vertex):
                if platform_id:
                    self._aliases.setdefault(platform_id, info.id)

    # -- lookups ---------------------------------------------------------------------

    def get(self, model_id: str) -> ModelInfo | None:
        """The catalog entry for an id, one of its dated aliases, or its Bedrock / Vertex
        spelling (``us.anthropic.claude-haiku-4-5-20251001-v1:0``, ``claude-haiku-4-5@20251001``)."""
        if model_id in self._found:
            return self._found[model_id]
        found = None
        for key in (model_id, model_ids.parse(model_id).base):
            found = self.models.get(self._aliases.get(key, key))
            if found is not None:
                break
        self._found[model_id] = found
        return found

    def retired_entry(self, model_id: str) -> RetiredModel | None:
        if model_id in self._retired_found:
            return self._retired_found[model_id]
        base = model_ids.parse(model_id).base
        found = next((entry for entry in self.retired if fnmatch.fnmatchcase(model_id, entry.pattern)
                      or fnmatch.fnmatchcase(base, entry.pattern)), None)
        self._retired_found[model_id] = found
        return found

    def respell(self, new_id: str, like: str) -> str | None:
        """``new_id`` (an API id) spelt for the platform ``like`` is written for, keeping a
        Bedrock inference-profile prefix; None when the catalog has no such spelling of it
        (a fix must then not be offered: the platform would reject the API id)."""
        spelling = model_ids.parse(like)
        info = self.get(new_id)
        if spelling.platform == model_ids.API:
            return new_id
        if info is None:
            return None
        if spelling.platform == model_ids.BEDROCK:
            return model_ids.with_region(info.bedrock, spelling.region) if info.bedrock else None
        return info.vertex

    def is_known(self, model_id: str) -> bool:
        return self.get(model_id) is not None or self.retired_entry(model_id) is not None

    def known_ids(self) -> list[str]:
        """The API ids and dated aliases (platform spellings are reached through `get`)."""
        return sorted({*self.models, *(alias for info in self.models.values() for alias in info.aliases)})

    def closest(self, model_id: str) -> str | None:
        """The known API id nearest in spelling to the model a (possibly platform) id names,
        for `unknown-model` suggestions; dots read as the dashes the API spells versions with."""
        import difflib  # only for an unknown model's suggestion

        base = model_ids.parse(model_id).base
        for candidate in (base.replace(".", "-"), base):
            matches = difflib.get_close_matches(candidate, self.known_ids(), n=1, cutoff=0.6)
            if matches:
                return matches[0]
        return None

    def successor(self, model_id: str) -> str | None:
        info = self.get(model_id)
        if info is not None:
            return info.replacement or self.successors.get(info.family)
        retired = self.retired_entry(model_id)
        return retired.replacement if retired else None

    def family_of(self, model_id: str) -> str | None:
        info = self.get(model_id)
        if info is not None:
            return info.family
        retired = self.retired_entry(model_id)
        return retired.family if retired else None

    def fastest_current(self) -> ModelInfo:
        current = [m for m in self.models.values() if m.status == "current" and m.verified]
        return min(current, key=lambda m: (m.latency_rank, m.input_price))

    def tokenizer_for(self, model_id: str | None) -> Tokenizer:
        """The calibration for a model; unknown or absent models get the newest tokenizer,
        since new code is most likely written for current models."""
        info = self.get(model_id) if model_id else None
        name = info.tokenizer if info else "claude-2026"
        return self.tokenizers[name]

    def with_overrides(self, overrides: Mapping[str, Mapping[str, Any]]) -> "Catalog":
        """A copy with per-model fields replaced (``[tool.advisor.models.<id>]``)."""
        models = dict(self.models)
        for model_id, fields in overrides.items():
            base = models.get(model_id)
            if base is None:
                models[model_id] = _model_from_data(model_id, dict(fields), self.latency_order)
            else:
                models[model_id] = replace(base, **_normalise_fields(dict(fields), self.latency_order))
        return Catalog(models, self.tokenizers, self.latency_order, self.successors, self.retired)


def _normalise_fields(data: dict[str, Any], latency_order: list[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "price":
            out["input_price"] = float(value["input"])
            out["output_price"] = float(value["output"])
        elif key == "latency":
            out["latency"] = value
            out["latency_rank"] = latency_order.index(value)
        elif key == "aliases":
            out["aliases"] = tuple(value)
        elif key == "retires" and isinstance(value, str):
            out["retires"] = _dt.date.fromisoformat(value)
        elif key in {"price_note"}:
            continue
        else:
            out[key] = value
    return out


def _model_from_data(model_id: str, data: dict[str, Any], latency_order: list[str]) -> ModelInfo:
    fields = _normalise_fields(data, latency_order)
    return ModelInfo(id=model_id, **fields)


def _apply_dates(info: ModelInfo, today: _dt.date) -> ModelInfo:
    if info.status == "deprecated" and info.retires is not None and info.retires <= today:
        return replace(info, status="retired")
    return info


@functools.cache
def _builtin(today: _dt.date) -> Catalog:
    data = ruledata.load("models.yaml")
    order = list(data["latency_order"])
    tokenizers = {
        name: Tokenizer(name, t["description"], float(t["factor"]), float(t["low"]), float(t["high"]))
        for name, t in data["tokenizers"].items()
    }
    models = {
        model_id: _apply_dates(_model_from_data(model_id, dict(entry), order), today)
        for model_id, entry in data["models"].items()
    }
    successors = {family: entry.get("successor") for family, entry in data["families"].items()}
    retired = [RetiredModel(r["id"], r["family"], r["replacement"]) for r in data["retired"]]
    return Catalog(models, tokenizers, order, successors, retired)


def load_catalog(today: _dt.date | None = None) -> Catalog:
    """The built-in catalog, with statuses as of ``today`` (a deprecated model whose
    retirement date has passed is reported as retired); the run's date by default
    (see :mod:`advisor.clock`)."""
    return _builtin(clock.today(today))

