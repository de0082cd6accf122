"""Recent call outcomes per phone number, for phone-number health (telephony/health/call_outcomes.py).

Registered with telephony when the app is ready (analytics/apps.py). Reads call_analytics.calls over
`idx_calls_phone_number (phone_number_id, start_time DESC)`: the hourly rollup is per tenant and
agent, not per number, and has no failure or no-answer counts.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db.models import Count, Q

from telephony.health.thresholds import CallOutcomes

from .choices import CallStatus
from .models import Call

ENDED = (CallStatus.COMPLETED, CallStatus.BUSY, CallStatus.FAILED, CallStatus.NO_ANSWER, CallStatus.CANCELLED)


def call_outcomes_by_number(*, phone_number_ids: list[uuid.UUID], since: datetime,
                            until: datetime) -> dict[uuid.UUID, CallOutcomes]:
    rows = (
        Call.objects.filter(phone_number_id__in=phone_number_ids, start_time__gte=since, start_time__lt=until,
                            status__in=ENDED)
        .values("phone_number_id")
        .annotate(total=Count("id"), failed=Count("id", filter=Q(status=CallStatus.FAILED)),
                  no_answer=Count("id", filter=Q(status__in=(CallStatus.NO_ANSWER, CallStatus.BUSY))))
    )
    return {row["phone_number_id"]: CallOutcomes(total=row["total"], failed=row["failed"], no_answer=row["no_answer"])
            for row in rows}
