"""BLAKE2b, the one hash advisor uses (cache keys, seals, file digests, stored data).

``hashlib`` loads OpenSSL's library on import for its other constructors, about a tenth of
what a one-file pre-commit run costs before it reads a file; BLAKE2b itself is CPython's
own module, taken from there when it is present (always, in CPython), else from hashlib.
"""

from __future__ import annotations

try:
    from _blake2 import blake2b
except ImportError:  # another interpreter: hashlib has it
    from hashlib import blake2b

__all__ = ["blake2b"]
