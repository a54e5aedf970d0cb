"""Fixtures for the live A/B tests: a fake Messages API on loopback (one per test module,
reconfigured per test) and an environment that points the real SDK at it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from advisor.live.fake_api import FakeMessagesServer

TEST_KEY = "sk-ant-test-7Qz9UNIQUEKEYxK2"
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")


@pytest.fixture(scope="module")
def fake_server():
    with FakeMessagesServer() as server:
        yield server


@pytest.fixture
def fake(fake_server: FakeMessagesServer, monkeypatch: pytest.MonkeyPatch) -> FakeMessagesServer:
    """The module's fake, reset to defaults, with the SDK's environment pointing at it
    (and never at a proxy: everything stays on loopback)."""
    fake_server.configure()
    monkeypatch.setenv("ANTHROPIC_BASE_URL", fake_server.base_url)
    monkeypatch.setenv("ANTHROPIC_API_KEY", TEST_KEY)
    monkeypatch.delenv("ANTHROPIC_AUTH_TOKEN", raising=False)
    monkeypatch.delenv("ANTHROPIC_CUSTOM_HEADERS", raising=False)
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return fake_server


@pytest.fixture
def api_key() -> str:
    """The key the tests' SDK uses; distinctive, so a test can grep every output for it."""
    return TEST_KEY


@pytest.fixture
def write_config(tmp_path: Path):
    """Writes a request config into the test's directory: ``write_config(name, **body)``;
    ``.json`` names are written as JSON, others as YAML."""

    def write(name: str, **body: Any) -> Path:
        body.setdefault("max_tokens", 256)
        body.setdefault("messages", [{"role": "user", "content": "What is the capital of France?"}])
        path = tmp_path / name
        if path.suffix == ".json":
            path.write_text(json.dumps(body), encoding="utf-8")
        else:
            with open(path, "w", encoding="utf-8") as handle:
                YAML(typ="safe", pure=True).dump(body, handle)
        return path

    return write
