"""Keeps credentials out of everything `advisor ab` writes.

advisor never reads the API key itself (the SDK takes it from its environment), but a key
can still leak into output by accident: pasted into a prompt variable, echoed in an error
message by a gateway. So every string that leaves the process (stdout, the JSONL log, the
plan and the summary) passes through :func:`Redactor.scrub`.
"""

from __future__ import annotations

import base64
import os
import urllib.parse
from typing import Any, Iterable

from ..secrets import redact as redact_key_shapes

SECRET_VARIABLES = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN")
MASK = "[redacted]"
_MIN_SECRET_LENGTH = 8  # shorter values are placeholders, and masking them would garble text


class Redactor:
    def __init__(self, secrets: Iterable[str]) -> None:
        self._secrets = sorted({s for s in secrets if len(s) >= _MIN_SECRET_LENGTH}, key=len, reverse=True)

    @classmethod
    def from_environment(cls) -> "Redactor":
        """The environment's keys, and the credentials a base URL carries
        (``https://user:secret@gateway``): as written, URL-decoded, and as the base64
        ``Authorization: Basic`` value a gateway may echo back in an error."""
        secrets = [os.environ.get(name, "") for name in SECRET_VARIABLES]
        secrets += _userinfo_secrets(os.environ.get("ANTHROPIC_BASE_URL", ""))
        for value in list(secrets):
            if value:
                secrets.append(base64.b64encode(value.encode()).decode())
        return cls(secrets)

    def text(self, value: str) -> str:
        """``value`` with the environment's secrets and any Anthropic-key-shaped string masked."""
        for secret in self._secrets:
            value = value.replace(secret, MASK)
        return redact_key_shapes(value)

    def scrub(self, value: Any) -> Any:
        """``value`` with every secret masked, in strings at any depth (and in keys)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.scrub(key): self.scrub(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.scrub(item) for item in value]
        return value


def _userinfo_secrets(url: str) -> list[str]:
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return []
    if "@" not in parts.netloc:
        return []
    userinfo = parts.netloc.rsplit("@", 1)[0]
    user, _, password = userinfo.partition(":")
    decoded = [urllib.parse.unquote(piece) for piece in (userinfo, user, password)]
    return [piece for piece in (userinfo, password, *decoded, f"{decoded[1]}:{decoded[2]}") if piece] + (
        [user, decoded[1]] if password == "" else [])
