"""Redaction of call transcripts: the one service behind every entry point.

    transcript_redact(*, transcript, actor=None, api_key=None, request=None, trigger="api")

Callers: transcript ingestion when the tenant's `pii_redaction` feature is on
(analytics.services.ingestion.transcript_create), POST /api/v1/call-transcripts/{id}/redact/,
the ops-console action (permission analytics.redact_calltranscript) and the
`redact_transcripts` command.

Each finding is replaced by its type in brackets ([PHONE_NUMBER], [EMAIL_ADDRESS],
[CREDIT_CARD], [US_SSN], [IBAN_CODE], [DATE_OF_BIRTH]) in `full_text`, in every
string inside `turns` (each turn's text, and any other string a turn carries), and
in `summary` and `key_topics` (derived from the same words). `pii_detected`
records types, counts and where each placeholder now sits (field, start, end in
the redacted text), never a value. Idempotent: a transcript already redacted is
returned unchanged, with no new audit row.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from aybiza.core.audit import audit_record, snapshot

from ..models import Call, CallTranscript
from ..pii.redaction import Redaction

TRIGGERS = ("ingestion", "api", "admin", "command")


def redact_fields(transcript: CallTranscript) -> Redaction:
    """Redact the transcript's texts in memory (not saved); what was found is returned."""
    redaction = Redaction()
    if transcript.full_text:
        transcript.full_text = redaction.text(transcript.full_text, "full_text")
    transcript.turns = redaction.json(transcript.turns, "turns")
    if transcript.summary:
        transcript.summary = redaction.text(transcript.summary, "summary")
    transcript.key_topics = redaction.json(transcript.key_topics, "key_topics")
    return redaction


@transaction.atomic
def transcript_redact(*, transcript: CallTranscript, actor=None, api_key=None, request=None,
                      trigger: str = "api") -> CallTranscript:
    """Replace the PII in a transcript by placeholders and record what was found (not the values).

    Locks the row; an already redacted transcript is returned as it is (idempotent).
    One audit row `calltranscript.redact` with the counts per type, never the text.
    """
    if trigger not in TRIGGERS:
        raise ValueError(f"trigger must be one of {TRIGGERS}")
    transcript = CallTranscript.objects.select_for_update().get(pk=transcript.pk)
    if transcript.redacted:
        return transcript
    redaction = redact_fields(transcript)
    transcript.pii_detected = redaction.summary()
    transcript.redacted = True
    transcript.redacted_at = timezone.now()
    transcript.redacted_by = actor if actor is not None and getattr(actor, "pk", None) else None
    transcript.save(update_fields=["full_text", "turns", "summary", "key_topics", "pii_detected", "redacted",
                                   "redacted_at", "redacted_by"])
    # The transcript has no tenant columns: the audit row takes its call's (audit_record reads these attributes).
    call = Call.objects.only("organization_id", "tenant_id").get(pk=transcript.call_id)
    transcript.organization_id, transcript.tenant_id = call.organization_id, call.tenant_id
    audit_record(
        action="calltranscript.redact", instance=transcript, actor=actor, api_key=api_key, request=request,
        before={"redacted": False}, after=snapshot(transcript, ["redacted", "redacted_at", "redacted_by"]),
        details={"trigger": trigger, "pii_counts": transcript.pii_detected["counts"],
                 "pii_total": transcript.pii_detected["total"]},
    )
    return transcript
