"""Personal-data sources of the call tables and the automation logs (registered in AnalyticsConfig.ready()).

A subject's calls are those where their number is the caller or the callee; their transcripts,
analytics, detailed metrics (hypertable) and detections follow by call_sid. Transcripts of other
calls that mention the number or e-mail are found by text, and redacted in place.
"""

from __future__ import annotations

from django.db.models import Q

from automation.models import ExecutionLog, NodeExecution
from security_app.personal_data import ERASED, Source, Subject, as_text, register, resolver, scrub_json, scrub_text
from telephony.models import PortingRequest

from .models import Call, CallAnalytics, CallTranscript, DetailedMetric


def _subject_calls(subject: Subject):
    calls = Call.objects.filter(subject.scope())
    if subject.whole_organization:
        return calls
    phones = subject.phone_variants()
    q = Q(from_number__in=phones) | Q(to_number__in=phones) if phones else Q(pk__in=[])
    return as_text(calls, "metadata").filter(q | subject.text_q("metadata_text"))


@resolver
def _call_sids(subject: Subject) -> None:
    subject.refs["call_sids"] = set() if subject.whole_organization else set(
        _subject_calls(subject).values_list("call_sid", flat=True))


def _sids(subject):
    return subject.refs.get("call_sids", set())


# --- calls --------------------------------------------------------------------------------------------------

def _erase_calls(queryset, subject, actor):
    if subject.whole_organization:
        return "deleted", queryset.delete()[0]
    ids = list(queryset.values_list("id", flat=True))
    rows = Call.objects.filter(id__in=ids)
    phones = subject.phone_variants()
    rows.filter(from_number__in=phones).update(from_number=ERASED)
    rows.filter(to_number__in=phones).update(to_number=ERASED)
    rows.update(recording_url=None, metadata={})
    return "redacted", len(ids)


register(Source("call_analytics.calls", _subject_calls, _erase_calls, order=300))


# --- transcripts ----------------------------------------------------------------------------------------

def _find_transcripts(subject):
    rows = CallTranscript.objects.filter(subject.scope("call__"))
    if subject.whole_organization:
        return rows
    rows = as_text(rows, "turns")
    return rows.filter(Q(call_sid__in=_sids(subject)) | subject.text_q("full_text", "summary", "turns_text"))


def _erase_transcripts(queryset, subject, actor):
    if subject.whole_organization:
        return "deleted", queryset.delete()[0]
    from django.utils import timezone

    ids = list(queryset.values_list("id", flat=True))
    rows = CallTranscript.objects.filter(id__in=ids)
    # The subject's own conversations are their personal data as a whole: wiped.
    rows.filter(call_sid__in=_sids(subject)).update(
        full_text=None, turns=[], summary=None, key_topics=[], word_count=0,
        pii_detected={"erased": "data-subject erasure"})
    # Other conversations that mention them: the mentions are replaced.
    others = rows.exclude(call_sid__in=_sids(subject))
    scrub_text(others.exclude(full_text=None), subject, "full_text")
    scrub_text(others.exclude(summary=None), subject, "summary")
    scrub_json(others, subject, "turns", "key_topics")
    rows.update(redacted=True, redacted_at=timezone.now(), redacted_by=actor)
    return "redacted", len(ids)


register(Source("call_analytics.call_transcripts", _find_transcripts, _erase_transcripts, order=250))


# --- call analytics and detailed metrics (hypertable) -------------------------------------------------------

def _find_analytics(subject):
    rows = CallAnalytics.objects.filter(subject.scope())
    return rows if subject.whole_organization else rows.filter(call_sid__in=_sids(subject))


def _erase_analytics(queryset, subject, actor):
    if subject.whole_organization:
        return "deleted", queryset.delete()[0]
    return "redacted", scrub_json(queryset, subject, "automation_usage", "performance_metrics") or queryset.count()


register(Source("call_analytics.call_analytics", _find_analytics, _erase_analytics, order=250))


def _find_metrics(subject):
    rows = DetailedMetric.objects.filter(subject.scope())
    return rows if subject.whole_organization else rows.filter(call_sid__in=_sids(subject))


def _erase_metrics(queryset, subject, actor):
    if subject.whole_organization:
        return "deleted", queryset.delete()[0]
    return "redacted", queryset.update(metadata={})


register(Source("call_analytics.detailed_metrics", _find_metrics, _erase_metrics, order=250))


# --- automation logs (JSON payloads may carry the number or e-mail) -----------------------------------------

LOG_JSON = ("trigger_data", "input_data", "output_data", "metadata", "error_details")
NODE_JSON = ("input_data", "output_data", "error_details")


def _find_logs(subject):
    rows = ExecutionLog.objects.filter(subject.scope())
    if subject.whole_organization:
        return rows
    return as_text(rows, *LOG_JSON).filter(subject.text_q(*(f"{c}_text" for c in LOG_JSON)))


def _erase_logs(queryset, subject, actor):
    if subject.whole_organization:
        ids = list(queryset.values_list("id", flat=True))
        NodeExecution.objects.filter(execution_log_id__in=ids).delete()
        return "deleted", ExecutionLog.objects.filter(id__in=ids).delete()[0]
    ids = list(queryset.values_list("id", flat=True))
    scrub_json(ExecutionLog.objects.filter(id__in=ids), subject, *LOG_JSON)
    return "redacted", len(ids)


def _find_nodes(subject):
    rows = NodeExecution.objects.filter(subject.scope("execution_log__"))
    if subject.whole_organization:
        return rows
    return as_text(rows, *NODE_JSON).filter(subject.text_q(*(f"{c}_text" for c in NODE_JSON)))


def _erase_nodes(queryset, subject, actor):
    ids = list(queryset.values_list("id", flat=True))
    if subject.whole_organization:
        return "deleted", NodeExecution.objects.filter(id__in=ids).delete()[0]
    scrub_json(NodeExecution.objects.filter(id__in=ids), subject, *NODE_JSON)
    return "redacted", len(ids)


register(Source("automation_engine.node_executions", _find_nodes, _erase_nodes, order=150))
register(Source("automation_engine.execution_logs", _find_logs, _erase_logs, order=160))


# --- porting requests: the authorized contact may be the subject -------------------------------------------

def _find_porting(subject):
    rows = PortingRequest.objects.filter(subject.scope())
    if subject.whole_organization:
        return rows
    return as_text(rows, "authorized_contact").filter(subject.text_q("authorized_contact_text"))


def _erase_porting(queryset, subject, actor):
    if subject.whole_organization:
        return "redacted", queryset.update(authorized_contact={}, pin_password=None, account_number=ERASED)
    ids = list(queryset.values_list("id", flat=True))
    scrub_json(PortingRequest.objects.filter(id__in=ids), subject, "authorized_contact")
    return "redacted", len(ids)


register(Source("phone_manager.porting_requests", _find_porting, _erase_porting, order=400,
                exclude=("pin_password",)))
