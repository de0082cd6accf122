"""Where phone-number health gets recent call outcomes from.

Calls live in the analytics app, a layer above telephony, so telephony cannot import them. The
analytics app registers its reader here when it is ready (analytics/apps.py); telephony only knows
the shape of the answer. Without a registered reader, number health follows the trunk alone and says
so in its reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from datetime import datetime

from .thresholds import CallOutcomes

# reader(phone_number_ids=..., since=..., until=...) -> {phone_number_id: CallOutcomes}
Reader = Callable[..., dict[uuid.UUID, CallOutcomes]]

_reader: Reader | None = None


def register(reader: Reader) -> None:
    global _reader
    _reader = reader


def registered() -> Reader | None:
    return _reader


def read(*, phone_number_ids: Iterable[uuid.UUID], since: datetime, until: datetime) -> dict[uuid.UUID, CallOutcomes] | None:
    """Outcomes per number (numbers without calls map to CallOutcomes()); None if no reader is registered."""
    if _reader is None:
        return None
    ids = list(phone_number_ids)
    found = _reader(phone_number_ids=ids, since=since, until=until)
    return {number_id: found.get(number_id, CallOutcomes()) for number_id in ids}
