"""Compliance controls over the call tables (registered with security_app.controls in AnalyticsConfig.ready())."""

from __future__ import annotations

import re

from django.db.models import Q

from security_app.controls import SAMPLE, control, result
from telephony.models import PhoneNumber

from .models import Call, CallTranscript

# 13-19 digits, optionally grouped by single spaces or dashes, not inside a longer digit run.
CARD_CANDIDATE = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def card_numbers(text: str) -> int:
    """How many Luhn-valid 13-19 digit card numbers `text` holds (the numbers themselves are never kept)."""
    found = 0
    for match in CARD_CANDIDATE.finditer(text or ""):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and luhn_valid(digits):
            found += 1
    return found


@control("pci_unredacted_cards", "No unredacted card numbers in transcripts",
         pci_dss="3.3.1 / 3.4.1", soc2="C1.1", hipaa="164.312(a)(1)", gdpr="Art. 32(1)(a)")
def pci_unredacted_cards(ctx):
    transcripts = CallTranscript.objects.filter(ctx.scope("call__"), created_at__gte=ctx.start,
                                                created_at__lt=ctx.end, redacted=False)
    scanned = offending = numbers = 0
    ids = []
    for pk, text, turns in transcripts.values_list("id", "full_text", "turns").iterator(chunk_size=500):
        scanned += 1
        parts = [text or ""] + [t.get("text", "") for t in (turns or []) if isinstance(t, dict)]
        n = max(card_numbers(text or ""), card_numbers("\n".join(parts[1:])))
        if n:
            offending += 1
            numbers += n
            if len(ids) < SAMPLE:
                ids.append(str(pk))
    return result(None if not scanned else not offending,
                  {"unredacted_transcripts_scanned": scanned, "with_card_numbers": offending,
                   "card_numbers_found": numbers, "check": "Luhn-valid 13-19 digit runs", "sample": ids},
                  "Redact these transcripts (POST /api/v1/call-transcripts/{id}/redact/) and turn on the "
                  "tenant's pii_redaction feature.")


@control("data_residency", "Call and number data stay in the organization's residency region",
         gdpr="Art. 44", soc2="C1.1", hipaa="164.308(b)(1)")
def data_residency(ctx):
    region = ctx.organization.data_residency_region
    calls = Call.objects.filter(ctx.scope(), start_time__gte=ctx.start, start_time__lt=ctx.end)
    stray_calls = calls.filter(aws_region__isnull=False).exclude(aws_region=region)
    numbers = PhoneNumber.objects.filter(ctx.scope())
    stray_numbers = numbers.exclude(Q(region=region))
    checked = calls.filter(aws_region__isnull=False).count() + numbers.count()
    return result(None if not checked else not (stray_calls.exists() or stray_numbers.exists()),
                  {"data_residency_region": region, "calls_with_region": calls.filter(aws_region__isnull=False).count(),
                   "calls_outside_region": stray_calls.count(),
                   "calls_outside_sample": [str(v) for v in stray_calls.values_list("id", flat=True)[:SAMPLE]],
                   "phone_numbers": numbers.count(), "phone_numbers_outside_region": stray_numbers.count(),
                   "phone_numbers_outside_sample": [str(v) for v in stray_numbers.values_list("id", flat=True)[:SAMPLE]]},
                  "Move the rows to the residency region (or correct data_residency_region if the "
                  "organization agreed to another region).")
