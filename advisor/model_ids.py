"""How a Claude model id is spelt on each platform, and the API id behind each spelling.

The same model has one id per platform: ``claude-sonnet-4-5-20250929`` on the Messages API,
``anthropic.claude-sonnet-4-5-20250929-v1:0`` on Amazon Bedrock (``us.`` / ``eu.`` /
``global.`` … before it for a cross-region inference profile), ``claude-sonnet-4-5@20250929``
on Google Vertex AI. The catalog is keyed by API ids; rules judge the model behind whatever
spelling the code uses, and a fix must write its replacement in the spelling the code uses
(a Bedrock client given an API id fails), which only the catalog's per-model data can say.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .patterns import lazy

API, BEDROCK, VERTEX = "api", "bedrock", "vertex"
PLATFORM_NAMES = {API: "the Claude API", BEDROCK: "Amazon Bedrock", VERTEX: "Vertex AI"}

# ``us.anthropic.``, ``apac.anthropic.``, ``global.anthropic.``: a Bedrock inference profile.
# Most code names API ids, which hold neither ``anthropic.`` nor ``@``: the platform patterns
# are compiled when the first platform spelling is met.
_BEDROCK = lazy(r"^(?P<region>(?:[a-z]{2,6}\.)?)anthropic\.(?P<rest>claude.*)$")
_BEDROCK_VERSION = lazy(r"-v\d+(?::\d+)?$")  # ``-v1:0``, ``-v2:0``, ``-v1``
_VERTEX_DATE = lazy(r"^(?P<rest>claude[^@]*)@(?P<date>\d{8}|latest)$")


@dataclass(frozen=True, eq=False, repr=False, slots=True)  # internal: never compared or printed (cheaper to define)
class Spelling:
    """A model id as written: its platform, the API-style id it names, and for Bedrock the
    inference-profile prefix (``us.``) that a replacement keeps."""

    written: str
    platform: str
    base: str  # the id in Messages API form, with the date when the spelling has one
    region: str = ""


@functools.lru_cache(maxsize=1024)
def parse(model_id: str) -> Spelling:
    """The platform and API-style id of a written model id. Ids that are no platform
    spelling are API ids (the Vertex ids of current models are the API ids). Kept per id:
    the rules ask about the same few ids for every call of every file."""
    bedrock = _BEDROCK().match(model_id) if "anthropic." in model_id else None
    if bedrock is not None:
        rest = bedrock.group("rest")
        unversioned = _BEDROCK_VERSION().sub("", rest)
        # `anthropic.claude-v2:1` is Claude 2: the version is the model, keep it
        base = unversioned if unversioned != "claude" else rest.split(":", 1)[0]
        return Spelling(model_id, BEDROCK, base, bedrock.group("region"))
    vertex = _VERTEX_DATE().match(model_id) if "@" in model_id else None
    if vertex is not None:
        rest, date = vertex.group("rest"), vertex.group("date")
        # `claude-3-5-sonnet-v2@20241022` is the API's claude-3-5-sonnet-20241022
        rest = re.sub(r"-v\d+$", "", rest)
        return Spelling(model_id, VERTEX, rest if date == "latest" else f"{rest}-{date}")
    return Spelling(model_id, API, model_id)


def with_region(bedrock_id: str, region: str) -> str:
    """A Bedrock model id behind the same inference-profile prefix as the code's."""
    return f"{region}{bedrock_id}" if region and not bedrock_id.startswith(region) else bedrock_id
