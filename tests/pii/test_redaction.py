"""The redaction service (analytics.services.redaction.transcript_redact), the command and the benchmark command."""

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from analytics.models import CallTranscript
from analytics.services.redaction import transcript_redact
from security_app.models import AuditLog
from tests import factories as f

SECRETS = ("+44 20 7946 0958", "jane.doe@example.com", "4111 1111 1111 1111", "219-09-9999",
           "DE89 3704 0044 0532 0130 00", "14/03/1985", "7946", "4111")


def pii_transcript(**kwargs):
    turns = [
        {"speaker": "agent", "text": "Thanks for calling, can I have a callback number?", "start_ms": 0},
        {"speaker": "caller", "text": "Sure, it's +44 20 7946 0958, or email jane.doe@example.com.", "start_ms": 2000},
        {"speaker": "caller", "text": "Card 4111 1111 1111 1111. My SSN is 219-09-9999.",
         "alternatives": [{"text": "card 4111 1111 1111 1111", "confidence": 0.4}]},
        {"speaker": "caller", "text": "IBAN DE89 3704 0044 0532 0130 00, date of birth 14/03/1985."},
        {"speaker": "agent", "text": "Your order 58219034 comes to $49.99 at 10:30."},
    ]
    return f.CallTranscriptFactory(
        turns=turns, full_text="\n".join(t["text"] for t in turns),
        summary="Caller jane.doe@example.com paid with 4111 1111 1111 1111.", key_topics=["billing", "refund"],
        **kwargs,
    )


@pytest.fixture
def ops(db):
    return f.UserFactory(ops_staff=True)


def test_redacts_every_text_consistently_and_records_no_value(ops):
    transcript = transcript_redact(transcript=pii_transcript(), actor=ops, trigger="admin")
    row = CallTranscript.objects.get(pk=transcript.pk)
    assert row.turns[1]["text"] == "Sure, it's [PHONE_NUMBER], or email [EMAIL_ADDRESS]."
    assert row.turns[2]["text"] == "Card [CREDIT_CARD]. My SSN is [US_SSN]."
    assert row.turns[2]["alternatives"] == [{"text": "card [CREDIT_CARD]", "confidence": 0.4}]
    assert row.turns[3]["text"] == "IBAN [IBAN_CODE], date of birth [DATE_OF_BIRTH]."
    assert row.turns[4]["text"] == "Your order 58219034 comes to $49.99 at 10:30."  # hard negatives untouched
    assert row.turns[0] == {"speaker": "agent", "text": "Thanks for calling, can I have a callback number?",
                            "start_ms": 0}
    assert row.full_text == "\n".join(t["text"] for t in row.turns)
    assert row.summary == "Caller [EMAIL_ADDRESS] paid with [CREDIT_CARD]."
    assert row.redacted is True and row.redacted_by == ops
    assert timezone.now() - row.redacted_at < dt.timedelta(minutes=1)
    pii = row.pii_detected
    assert pii["counts"] == {"PHONE_NUMBER": 2, "EMAIL_ADDRESS": 3, "CREDIT_CARD": 4, "US_SSN": 2, "IBAN_CODE": 2,
                             "DATE_OF_BIRTH": 2}
    assert pii["total"] == 15 and len(pii["locations"]) == 15
    for location in pii["locations"]:  # each location points at its placeholder in the redacted text
        field = location["field"]
        text = row.full_text if field == "full_text" else row.summary if field == "summary" else None
        if field.startswith("turns"):
            index = int(field[len("turns["):field.index("]")])
            text = row.turns[index]["text"] if field.endswith(".text") and "alternatives" not in field \
                else row.turns[index]["alternatives"][0]["text"]
        assert text[location["start"]:location["end"]] == f"[{location['type']}]"
    stored = json.dumps(pii) + json.dumps(row.turns) + row.full_text + row.summary
    for secret in SECRETS:
        assert secret not in stored


def test_audit_row_says_what_was_redacted_never_the_text(ops):
    transcript = pii_transcript()
    before = AuditLog.objects.count()
    transcript_redact(transcript=transcript, actor=ops, trigger="admin")
    assert AuditLog.objects.count() == before + 1
    audit = AuditLog.objects.latest("timestamp")
    assert audit.action == "calltranscript.redact" and audit.resource_id == transcript.pk
    assert audit.tenant_id == transcript.call.tenant_id and audit.organization_id == transcript.call.organization_id
    assert audit.details["pii_counts"]["CREDIT_CARD"] == 4 and audit.details["trigger"] == "admin"
    dumped = json.dumps(audit.details)
    for secret in SECRETS:
        assert secret not in dumped


def test_idempotent_second_run_changes_nothing(ops):
    first = transcript_redact(transcript=pii_transcript(), actor=ops)
    row = CallTranscript.objects.get(pk=first.pk)
    audits = AuditLog.objects.count()
    again = transcript_redact(transcript=row, actor=f.UserFactory(ops_staff=True))
    fresh = CallTranscript.objects.get(pk=first.pk)
    assert (fresh.full_text, fresh.turns, fresh.pii_detected, fresh.redacted_at, fresh.redacted_by_id) == (
        row.full_text, row.turns, row.pii_detected, row.redacted_at, row.redacted_by_id)
    assert again.redacted_at == row.redacted_at
    assert AuditLog.objects.count() == audits


def test_without_pii_it_is_still_marked_redacted_with_zero_counts(db):
    transcript = transcript_redact(transcript=f.CallTranscriptFactory(), trigger="command")
    assert transcript.redacted and transcript.redacted_by is None
    assert transcript.pii_detected["counts"] == {} and transcript.pii_detected["total"] == 0
    assert transcript.full_text == f.CallTranscriptFactory.full_text


def test_unknown_trigger_is_refused_and_nothing_changes(db):
    transcript = pii_transcript()
    with pytest.raises(ValueError):
        transcript_redact(transcript=transcript, trigger="cron")
    assert CallTranscript.objects.get(pk=transcript.pk).redacted is False


# ---- redact_transcripts ---------------------------------------------------------------------


def _at(transcript, when):
    CallTranscript.objects.filter(pk=transcript.pk).update(created_at=when)


def test_command_redacts_the_tenant_and_period_only(db, capsys):
    mine = f.TenantFactory(slug="clinic")
    number = f.PhoneNumberFactory(tenant=mine)
    inside = [pii_transcript(call=f.CallFactory(phone_number=number)) for _ in range(3)]
    before_period = pii_transcript(call=f.CallFactory(phone_number=number))
    other_tenant = pii_transcript()
    for row in inside + [other_tenant]:
        _at(row, dt.datetime(2026, 3, 10, 12, tzinfo=dt.timezone.utc))
    _at(before_period, dt.datetime(2026, 2, 28, 23, 59, tzinfo=dt.timezone.utc))
    transcript_redact(transcript=inside[0])  # already redacted: skipped, not redone
    call_command("redact_transcripts", "--tenant", "clinic", "--since", "2026-03-01", "--until", "2026-03-31")
    out = capsys.readouterr()
    assert all(CallTranscript.objects.get(pk=t.pk).redacted for t in inside)
    assert CallTranscript.objects.get(pk=before_period.pk).redacted is False
    assert CallTranscript.objects.get(pk=other_tenant.pk).redacted is False
    assert "clinic: 3 transcript(s)" in out.out and "redacted 2, already redacted 1" in out.out
    assert "findings 30 (CREDIT_CARD 8, DATE_OF_BIRTH 4, EMAIL_ADDRESS 6, IBAN_CODE 4, PHONE_NUMBER 4, US_SSN 4)" in out.out
    assert "3/3" in out.err  # the progress bar
    assert AuditLog.objects.filter(action="calltranscript.redact", details__trigger="command").count() == 2


@pytest.mark.parametrize("args, message", [
    (["--tenant", "nobody", "--since", "2026-03-01", "--until", "2026-03-02"], "No tenant"),
    (["--tenant", "clinic", "--since", "yesterday", "--until", "2026-03-02"], "--since"),
    (["--tenant", "clinic", "--since", "2026-03-01T00:00:00", "--until", "2026-03-02"], "time zone"),
    (["--tenant", "clinic", "--since", "2026-03-05", "--until", "2026-03-01"], "after --since"),
    (["--tenant", "clinic", "--since", "2026-03-01", "--until", "2026-03-02", "--by", "ghost@x.example"], "No active"),
])
def test_command_refuses_bad_arguments(db, args, message):
    f.TenantFactory(slug="clinic")
    transcript = pii_transcript()
    with pytest.raises(CommandError, match=message):
        call_command("redact_transcripts", *args)
    assert CallTranscript.objects.get(pk=transcript.pk).redacted is False


def test_benchmark_command_runs_on_a_tiny_set(capsys):
    call_command("benchmark_pii", "--count", "40", "--seed", "7")
    out = capsys.readouterr().out
    assert out.startswith("PII benchmark: 40 utterances (seed 7;")
    for entity in ("PHONE_NUMBER", "EMAIL_ADDRESS", "CREDIT_CARD", "US_SSN", "IBAN_CODE", "DATE_OF_BIRTH"):
        assert f"\n{entity}" in out
    assert "utterances/s" in out and "transcripts/s" in out and "\ntargets " in out


def test_benchmark_set_is_deterministic_labelled_and_large_enough():
    from analytics.pii import benchmark

    first, second = benchmark.generate(600, 3), benchmark.generate(600, 3)
    assert [(u.text, u.spans) for u in first] == [(u.text, u.spans) for u in second]
    assert [u.text for u in benchmark.generate(50, 4)] != [u.text for u in first[:50]]
    negatives = [u for u in first if not u.spans]
    assert 120 < len(negatives) < 300
    for utterance in first:
        for entity, start, end in utterance.spans:
            value = utterance.text[start:end]
            assert value.strip() == value and value
            if entity == "CREDIT_CARD":
                assert benchmark.luhn_valid("".join(ch for ch in value if ch.isdigit()))


@pytest.mark.django_db(transaction=True)
def test_parallel_redactions_of_one_transcript_redact_it_once(clean_spec_tables):
    """Without the row lock the second run would see placeholders only and overwrite the counts with zeros."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    from analytics.pii.detection import analyzer

    analyzer()  # loaded before the race, so both threads reach the lock together
    transcript = pii_transcript()
    barrier = threading.Barrier(4)

    def run(_):
        try:
            barrier.wait()
            return transcript_redact(transcript=transcript, trigger="api").pii_detected["total"]
        finally:
            connections.close_all()

    with ThreadPoolExecutor(4) as pool:
        totals = list(pool.map(run, range(4)))
    assert totals == [15, 15, 15, 15]
    assert CallTranscript.objects.get(pk=transcript.pk).pii_detected["total"] == 15
    assert AuditLog.objects.filter(action="calltranscript.redact").count() == 1
