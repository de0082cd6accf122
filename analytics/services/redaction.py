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

from collections import Counter
from dataclasses import dataclass, field
from importlib.metadata import version

from django.db import transaction
from django.utils import timezone

from aybiza.core.audit import audit_record, snapshot

from ..models import Call, CallTranscript
from ..pii.detection import ENTITIES, detect

TRIGGERS = ("ingestion", "api", "admin", "command")


def placeholder(entity_type: str) -> str:
    return f"[{entity_type}]"


@dataclass
class Redaction:
    """What redacting a transcript's texts found: per-type counts and placeholder positions."""

    counts: Counter = field(default_factory=Counter)
    locations: list = field(default_factory=list)

    def text(self, text: str, where: str) -> str:
        """`text` with each finding replaced by its placeholder; positions are recorded in the new text."""
        findings = detect(text)
        if not findings:
            return text
        out, cursor, shift = [], 0, 0
        for finding in findings:
            out.append(text[cursor:finding.start])
            token = placeholder(finding.entity_type)
            start = finding.start + shift
            out.append(token)
            shift += len(token) - (finding.end - finding.start)
            cursor = finding.end
            self.counts[finding.entity_type] += 1
            self.locations.append({"type": finding.entity_type, "field": where, "start": start,
                                   "end": start + len(token)})
        out.append(text[cursor:])
        return "".join(out)

    def json(self, value, where: str):
        """Every string inside a JSON value (keys kept) redacted; the same structure back."""
        if isinstance(value, str):
            return self.text(value, where)
        if isinstance(value, list):
            return [self.json(item, f"{where}[{i}]") for i, item in enumerate(value)]
        if isinstance(value, dict):
            return {key: self.json(item, f"{where}.{key}") for key, item in value.items()}
        return value

    def summary(self) -> dict:
        return {
            "detector": f"presidio-analyzer {version('presidio-analyzer')}",
            "types": sorted(self.counts),
            "counts": {t: self.counts[t] for t in ENTITIES if self.counts[t]},
            "total": sum(self.counts.values()),
            "locations": self.locations,
        }


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
