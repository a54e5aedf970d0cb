"""The one date a run judges models by.

Whether a model is deprecated or already retired depends on the day the linter runs, so the
same file can pass on Monday and fail on Tuesday. Every part of advisor that asks "what day
is it" (the catalog's statuses, the lifecycle rules' messages, the report's "as of" line)
asks here, so a run can be pinned to one date: ``--today`` on the command line (or the
``ADVISOR_TODAY`` environment variable, which click reads for that option) wins over
``today`` in the configuration, which wins over the machine's date. Tests and CI pin it so a
result never depends on when they happen to run.
"""

from __future__ import annotations

import datetime as _dt
import os

ENVIRONMENT_VARIABLE = "ADVISOR_TODAY"


class DateError(ValueError):
    """A date that is not an ISO calendar date (``YYYY-MM-DD``)."""


def parse_date(value: object) -> _dt.date:
    """An ISO date from a string or a TOML date; :class:`DateError` names what is wrong."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    if isinstance(value, str):
        try:
            return _dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise DateError(f"{value!r} is not a date of the form YYYY-MM-DD")


def today(pinned: _dt.date | None = None) -> _dt.date:
    """``pinned`` when a run fixed its date, else ``ADVISOR_TODAY``, else the real date.

    A malformed ``ADVISOR_TODAY`` raises :class:`DateError` rather than silently falling
    back to the machine's date, which would make a pinned CI job drift unnoticed.
    """
    if pinned is not None:
        return pinned
    value = os.environ.get(ENVIRONMENT_VARIABLE, "").strip()
    if value:
        try:
            return parse_date(value)
        except DateError as error:
            raise DateError(f"{ENVIRONMENT_VARIABLE}: {error}") from None
    return _dt.date.today()
