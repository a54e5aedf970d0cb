"""The model catalog (rules/models.yaml) against what the installed anthropic SDK knows."""

import datetime as dt
import re
import typing

import anthropic
from anthropic._data.deprecated_models import DEPRECATED_MODELS
from anthropic.types import Model

from advisor.catalog import load_catalog

TODAY = dt.date(2026, 11, 25)


def _sdk_ids() -> set[str]:
    literal = next(arg for arg in typing.get_args(Model) if typing.get_origin(arg) is typing.Literal)
    return set(typing.get_args(literal))


def _sdk_date(text: str) -> dt.date:
    cleaned = re.sub(r"(\d+)(st|nd|rd|th)", r"\1", text)
    return dt.datetime.strptime(cleaned, "%B %d, %Y").date()


def test_every_model_the_sdk_knows_is_in_the_catalog():
    catalog = load_catalog(TODAY)
    missing = sorted(model for model in _sdk_ids() if not catalog.is_known(model))
    assert not missing, f"anthropic {anthropic.__version__} knows models the catalog does not: {missing}"


def test_deprecation_dates_agree_with_the_sdk():
    catalog = load_catalog(TODAY)
    for model, retires in DEPRECATED_MODELS.items():
        info = catalog.get(model)
        assert info is not None, model
        assert info.retires == _sdk_date(retires), model
        expected = "retired" if info.retires <= TODAY else "deprecated"
        assert info.status == expected, model


def test_catalog_entries_are_complete_and_consistent():
    catalog = load_catalog(TODAY)
    for info in catalog.models.values():
        assert info.latency in catalog.latency_order
        assert info.input_price > 0 and info.output_price > info.input_price
        assert info.max_output <= info.context
        assert info.tokenizer in catalog.tokenizers
        assert info.sampling in {"full", "defaults-only"}
        assert info.min_cache_tokens and info.min_cache_tokens >= 512
        if info.replacement:
            assert catalog.get(info.replacement) is not None and catalog.get(info.replacement).status == "current"
    for family, successor in catalog.successors.items():
        assert successor is None or catalog.get(successor).status == "current", family
    for entry in catalog.retired:
        assert catalog.get(entry.replacement).status == "current"


def test_status_follows_the_calendar():
    before = load_catalog(dt.date(2026, 11, 29)).get("claude-sonnet-4-5-20250929")
    after = load_catalog(dt.date(2026, 12, 1)).get("claude-sonnet-4-5-20250929")
    assert before.status == "deprecated" and after.status == "retired"


def test_lookups():
    catalog = load_catalog(TODAY)
    assert catalog.fastest_current().id == "claude-haiku-5-5"
    assert catalog.successor("claude-3-opus-20240229") == "claude-opus-5-5"
    assert catalog.closest("claude-sonet-5-5") == "claude-sonnet-5-5"
    assert catalog.tokenizer_for("claude-haiku-4-5").factor < catalog.tokenizer_for("claude-haiku-5-5").factor
