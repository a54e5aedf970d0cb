"""Money: spend from reported usage, and the worst case the budget guard reserves."""

from __future__ import annotations

import pytest

from advisor.catalog import load_catalog
from advisor.live.cost import estimate_arm, format_usd, request_text, usage_cost

BODY = {"model": "claude-sonnet-5-5", "max_tokens": 1000, "system": "Be brief.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Capital of France?"}]}]}


def test_usage_cost_prices_cache_writes_and_reads():
    info = load_catalog().get("claude-sonnet-5-5")  # $2 in, $10 out per MTok
    usage = {"input_tokens": 1000, "output_tokens": 100, "cache_creation_input_tokens": 4000, "cache_read_input_tokens": 10000}
    assert usage_cost(info, usage) == pytest.approx((1000 + 1.25 * 4000 + 0.1 * 10000) * 2e-6 + 100 * 10e-6)
    one_hour = {**usage, "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 4000}}
    assert usage_cost(info, one_hour) == pytest.approx((1000 + 2 * 4000 + 0.1 * 10000) * 2e-6 + 100 * 10e-6)


def test_worst_case_is_max_tokens_and_the_high_input_estimate():
    catalog = load_catalog()
    plain = estimate_arm(BODY, catalog)
    assert plain.trial_usd_max == pytest.approx(plain.input_tokens_high * 2e-6 + 1000 * 10e-6)
    cached = dict(BODY, system=[{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}])
    assert estimate_arm(cached, catalog).trial_usd_max == pytest.approx(plain.input_tokens_high * 2 * 2e-6 + 1000 * 10e-6)
    assert estimate_arm(dict(BODY, model="claude-unknown-9"), catalog).trial_usd_max is None


def test_request_text_collects_system_and_message_text():
    assert request_text(BODY) == "Be brief.\nCapital of France?"


def test_format_usd():
    assert format_usd(1) == "$1.00" and format_usd(0.25) == "$0.25" and format_usd(0.002) == "$0.002"


def test_images_and_documents_count_at_their_most():
    catalog = load_catalog()
    plain = estimate_arm(BODY, catalog)
    pdf = "JVBERi0" + "A" * 400_000  # a 300 KB PDF, base64
    content = [{"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": pdf}},
               {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBOR"}},
               {"type": "text", "text": "Capital of France?"}]
    with_files = estimate_arm(dict(BODY, messages=[{"role": "user", "content": content}]), catalog)
    extra = with_files.trial_usd_max - plain.trial_usd_max
    assert extra >= (len(pdf) + 6_000) * 2e-6 * 0.99  # was $0: the PDF was left out of the worst case
    by_url = [{"type": "document", "source": {"type": "url", "url": "https://example.invalid/a.pdf"}}]
    assert estimate_arm(dict(BODY, messages=[{"role": "user", "content": by_url}]), catalog).trial_usd_max is None
