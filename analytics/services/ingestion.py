"""Ingestion from the voice platform: calls through their lifecycle, and bulk detailed metrics.

Calls are written only by the platform, through these services (the API,
benchmark_ingest). Call status transitions (CALL below; terminal states
accept no further change):

    initiated -> ringing | answered | completed | busy | failed | no-answer | cancelled
    ringing   -> answered | busy | failed | no-answer | cancelled
    answered  -> completed | failed

Bulk metrics are validated in plain Python (a DRF serializer per row would
cost ~100 us a row) and written with one COPY; any bad row refuses the whole
batch, naming the row and field, and writes nothing.
"""

from __future__ import annotations

import json
import math
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from psycopg.copy import QueuedLibpqWriter

from aybiza.api.parsers import bad_text
from aybiza.core.audit import audit_record, snapshot
from aybiza.core.db.rows import insert
from aybiza.core.db.timebounds import MESSAGE as TIME_RANGE_MESSAGE, in_range
from aybiza.core.errors import TransitionRefused
from aybiza.core.state import StateMachine
from telephony.e164 import caller_id, e164

from ..choices import MetricType
from ..models import Call, CallTranscript, DetailedMetric
from .redaction import transcript_redact

CALL = StateMachine("call", "status", {
    "ring": (["initiated"], "ringing"),
    "answer": (["initiated", "ringing"], "answered"),
    "complete": (["initiated", "answered"], "completed"),
    "fail": (["initiated", "ringing", "answered"], "failed"),
    "report busy": (["initiated", "ringing"], "busy"),
    "report no answer": (["initiated", "ringing"], "no-answer"),
    "cancel": (["initiated", "ringing"], "cancelled"),
})
VERB_TO = {transition.target: verb for verb, transition in CALL.transitions.items()}  # status -> verb
FIXED_AFTER_CREATE = ("call_sid", "direction", "start_time", "tenant", "organization")
MAX_METRICS = 10_000
METRIC_TYPES = frozenset(MetricType.values)
METRIC_COLUMNS = (
    "timestamp", "call_sid", "organization_id", "tenant_id", "agent_id", "agent_version_id", "phone_number_id",
    "metric_type", "metric_name", "metric_value", "metric_unit", "metadata", "edge_region", "aws_region",
)
CALL_SNAPSHOT = ["status", "start_time", "answer_time", "end_time", "duration_seconds", "cost_usd"]


def _check_numbers(call: Call) -> None:
    """from_number / to_number are real phone numbers, stored in E.164 (the caller's may be withheld)."""
    errors = {}
    for name in ("from_number", "to_number"):
        value = getattr(call, name)
        if value in (None, ""):
            continue
        try:
            setattr(call, name, caller_id(value, field=name) if name == "from_number" else e164(value, field=name))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _check_times(call: Call) -> None:
    _check_numbers(call)
    errors = {name: TIME_RANGE_MESSAGE for name in ("start_time", "answer_time", "end_time")
              if getattr(call, name) is not None and not in_range(getattr(call, name))}
    if errors:
        raise ValidationError(errors)
    if call.answer_time and call.answer_time < call.start_time:
        errors["answer_time"] = "Cannot be before start_time."
    if call.end_time and call.end_time < (call.answer_time or call.start_time):
        errors["end_time"] = "Cannot be before start_time or answer_time."
    if errors:
        raise ValidationError(errors)


@transaction.atomic(savepoint=False)  # nothing after a failure here goes on: its callers' transaction ends
def call_create(*, tenant, actor=None, api_key=None, request=None, **fields) -> Call:
    call = Call(tenant=tenant, organization_id=tenant.organization_id, **fields)
    _check_times(call)
    call.check_consistency()  # agent, version, number and tenant belong together (Call's rules)
    insert(call)  # = call.save(force_insert=True), planned once per connection: every resolve runs it
    audit_record(action="call.create", instance=call, actor=actor, api_key=api_key, request=request,
                 after=snapshot(call, CALL_SNAPSHOT))
    return call


@transaction.atomic
def call_update(*, call: Call, changes: dict, actor=None, api_key=None, request=None) -> Call:
    """Apply `changes`; a status change must follow the lifecycle (TransitionRefused otherwise)."""
    call = Call.objects.select_for_update().get(pk=call.pk)
    fixed = sorted(set(changes) & set(FIXED_AFTER_CREATE))
    if fixed:
        raise ValidationError({name: "Cannot be changed once the call exists." for name in fixed})
    before = snapshot(call, CALL_SNAPSHOT)
    status = changes.get("status", call.status)
    if status != call.status:
        if status not in VERB_TO:
            raise TransitionRefused(f"A call that is {call.status} cannot become {status} again.", field="status")
        CALL.ensure(call, VERB_TO[status])
    for name, value in changes.items():
        setattr(call, name, value)
    _check_times(call)
    call.check_consistency()  # agent, version, number and tenant belong together (Call's rules)
    call.save()
    audit_record(action="call.update", instance=call, actor=actor, api_key=api_key, request=request,
                 before=before, after=snapshot(call, CALL_SNAPSHOT))
    return call


@transaction.atomic
def transcript_create(*, call: Call, actor=None, api_key=None, request=None, **fields) -> CallTranscript:
    """Attach a transcript to a call; redacted at once when the call's tenant has the `pii_redaction` feature.

    The unredacted text is never committed for such a tenant: both writes share one transaction.
    """
    transcript = CallTranscript(call=call, call_sid=call.call_sid, **fields)
    transcript.check_consistency()
    transcript.save(force_insert=True)
    # What was attached, never what was said: personal data stays in one place.
    summary = {"full_text_length": len(transcript.full_text or ""), "segment_count": len(transcript.turns or []),
               "summary_length": len(transcript.summary or "")}
    audit_record(action="calltranscript.create", instance=transcript, actor=actor, api_key=api_key, request=request,
                 after=snapshot(transcript, ["call", "call_sid", "word_count", "language_detected"]),
                 details={"transcript": summary})
    features = call.tenant.features if isinstance(call.tenant.features, dict) else {}
    if features.get("pii_redaction") is True:
        transcript = transcript_redact(transcript=transcript, actor=actor, api_key=api_key, request=request,
                                       trigger="ingestion")
    return transcript


# ---- bulk metrics -----------------------------------------------------------------------------


def _text(row, name, errors, index, *, max_length, required=True, default=None):
    value = row.get(name, default)
    if value is None:
        if required:
            errors[f"{index}.{name}"] = "This field is required."
        return None
    if not isinstance(value, str) or len(value) > max_length:
        errors[f"{index}.{name}"] = f"A string of at most {max_length} characters."
        return None
    if bad_text(value):
        errors[f"{index}.{name}"] = bad_text(value)
        return None
    return value


_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value) -> str:
    """A value as a COPY text-format field (\\N for NULL, escapes for backslash/tab/newline/CR)."""
    if value is None:
        return "\\N"
    value = str(value)
    return value.translate(_ESCAPES) if ("\\" in value or "\t" in value or "\n" in value or "\r" in value) else value


def check_batch(rows) -> None:
    if not isinstance(rows, list) or not rows:
        raise ValidationError({"metrics": "A non-empty list of metrics."})
    if len(rows) > MAX_METRICS:
        raise ValidationError({"metrics": f"At most {MAX_METRICS} metrics per request (got {len(rows)})."})


def owner_fields(calls: dict[str, tuple]) -> dict[str, str]:
    """call_sid -> its COPY fields (call_sid, organization, tenant, agent, version, number)."""
    return {sid: "\t".join([_copy_text(sid), *(_copy_text(v) for v in ids)]) for sid, ids in calls.items()}


def parse_chunk(rows, start: int, stop: int, owners: dict[str, str], errors: dict) -> list[str]:
    """Validate rows[start:stop] into COPY text lines; problems go into `errors` ("<index>.<field>": message).

    Timestamps are checked with fromisoformat (time zone required) and written in normalised ISO 8601.
    """
    out = []
    dumps, isfinite, fromiso = json.dumps, math.isfinite, datetime.fromisoformat
    for index in range(start, stop):
        row = rows[index]
        if not isinstance(row, dict):
            errors[str(index)] = "Each metric is an object."
            continue
        try:
            when = fromiso(row.get("timestamp"))
            if when.tzinfo is None:
                raise ValueError
            if not in_range(when):
                raise OverflowError
            stamp = when.isoformat()  # normalised: PostgreSQL reads every form Python's parser accepts as this
        except (TypeError, ValueError):
            errors[f"{index}.timestamp"] = "An ISO 8601 timestamp with a time zone."
        except OverflowError:
            errors[f"{index}.timestamp"] = TIME_RANGE_MESSAGE
        sid = row.get("call_sid")
        owner = owners.get(sid) if isinstance(sid, str) else None
        if owner is None:
            errors[f"{index}.call_sid"] = "No call of yours has this call_sid."
        metric_type = row.get("metric_type")
        if metric_type.__class__ is not str or metric_type not in METRIC_TYPES:
            errors[f"{index}.metric_type"] = f"One of: {', '.join(sorted(METRIC_TYPES))}."
        name = _text(row, "metric_name", errors, index, max_length=100)
        value = row.get("metric_value")
        try:
            number_ok = value.__class__ in (int, float) and isfinite(value)
        except OverflowError:  # an integer too large for a double
            number_ok = False
        if not number_ok:
            errors[f"{index}.metric_value"] = "A finite number."
        unit = _text(row, "metric_unit", errors, index, max_length=20, default="ms")
        edge = _text(row, "edge_region", errors, index, max_length=50, required=False)
        aws = _text(row, "aws_region", errors, index, max_length=50, required=False)
        metadata = row.get("metadata")
        if metadata is not None and metadata.__class__ is not dict:
            errors[f"{index}.metadata"] = "An object."
        if errors:
            if len(errors) >= 50:
                break
            continue
        out.append("\t".join((stamp, owner, metric_type, _copy_text(name), repr(float(value)), _copy_text(unit),
                               _copy_text(dumps(metadata) if metadata else "{}"), _copy_text(edge), _copy_text(aws))))
    return out


def parse_metrics(rows, calls: dict[str, tuple]) -> list[str]:
    """Validate a whole batch into COPY text lines (ValidationError naming rows and fields)."""
    check_batch(rows)
    errors = {}
    lines = parse_chunk(rows, 0, len(rows), owner_fields(calls), errors)
    if errors:
        raise ValidationError({"metrics": [f"{k}: {v}" for k, v in errors.items()]})
    return lines


def calls_by_sid(call_sids, queryset) -> dict[str, tuple]:
    rows = queryset.filter(call_sid__in=set(call_sids)).values_list(
        "call_sid", "organization_id", "tenant_id", "agent_id", "agent_version_id", "phone_number_id")
    return {row[0]: row[1:] for row in rows}


def copy_metrics(lines: list[str]) -> int:
    """COPY validated text lines into detailed_metrics (in the caller's transaction)."""
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY call_analytics.detailed_metrics ({', '.join(METRIC_COLUMNS)}) FROM STDIN"
        ) as copy:
            chunk = 2000
            for i in range(0, len(lines), chunk):
                copy.write("\n".join(lines[i:i + chunk]) + "\n")
    return len(lines)


CHUNK = 1000


@transaction.atomic
def metrics_ingest(*, rows, call_queryset, actor=None, api_key=None, request=None) -> int:
    """Validate and write a batch of metrics of calls visible in `call_queryset`; one audit row.

    Rows are validated a chunk at a time and streamed into one COPY as they pass, so PostgreSQL
    inserts chunk n while Python checks chunk n+1 (QueuedLibpqWriter sends from its own thread).
    A bad row anywhere aborts the COPY (CopyFail): nothing of the batch is written.
    """
    check_batch(rows)
    sids = {row["call_sid"] for row in rows if isinstance(row, dict) and isinstance(row.get("call_sid"), str)}
    calls = calls_by_sid(sids, call_queryset)
    owners, errors = owner_fields(calls), {}
    with connection.cursor() as cursor:
        raw = cursor.cursor
        with raw.copy(f"COPY call_analytics.detailed_metrics ({', '.join(METRIC_COLUMNS)}) FROM STDIN",
                      writer=QueuedLibpqWriter(raw)) as copy:
            for start in range(0, len(rows), CHUNK):
                lines = parse_chunk(rows, start, min(start + CHUNK, len(rows)), owners, errors)
                if len(errors) >= 50:
                    break
                if not errors:
                    copy.write("\n".join(lines) + "\n")
            if errors:
                raise ValidationError({"metrics": [f"{k}: {v}" for k, v in errors.items()]})
    count = len(rows)
    sid = rows[0]["call_sid"]
    organization_id, tenant_id = calls[sid][:2]
    batch = DetailedMetric(organization_id=organization_id, tenant_id=tenant_id, call_sid=sid,
                           metric_name="bulk", metric_value=count)
    audit_record(action="detailed_metric.bulk_create", instance=batch, actor=actor, api_key=api_key,
                 request=request, details={"rows": count, "call_sids": sorted(calls)[:100]})
    return count
