"""Security review: resolving events, reviewing detections.

    security event:      unresolved --resolve--> resolved          (notes required)
    detection review:    unreviewed --review--> reviewed           (again only with force=True)
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from aybiza.core.errors import TransitionRefused
from aybiza.core.state import StateMachine
from aybiza.core.transitions import apply_transition, require_reason

from aybiza.core.audit import audit_record, snapshot
from ..models import PromptInjectionAttempt, SecurityEvent, VoiceSecurityEvent

SECURITY_EVENT = StateMachine(
    "security event", "resolved", {"resolve": ([False, None], True)},
    names={True: "resolved", False: "unresolved", None: "unresolved"},
)


def _lock_event(model, instance):
    # Detection tables are hypertables keyed (id, timestamp): narrow by both.
    return model.objects.select_for_update().get(pk=instance.pk, timestamp=instance.timestamp)


@transaction.atomic
def security_event_resolve(
    *, security_event: SecurityEvent, actor, notes: str, api_key=None, request=None
) -> SecurityEvent:
    security_event = _lock_event(SecurityEvent, security_event)
    if security_event.resolved:
        when = f" on {security_event.resolved_at:%Y-%m-%d %H:%M}" if security_event.resolved_at else ""
        raise SECURITY_EVENT.refuse(security_event, "resolve", f"it was resolved{when}")
    notes = require_reason(notes, "notes")
    return apply_transition(
        machine=SECURITY_EVENT, instance=security_event, verb="resolve", action="security_event.resolve",
        changes={"resolved_at": timezone.now(), "resolved_by": actor, "resolution_notes": notes},
        actor=actor, api_key=api_key, request=request, reason=notes,
    )


def _review(model, instance, *, actor, false_positive, notes, force, api_key, request):
    """Record a human verdict on a detection; a second verdict only with force=True."""
    if not isinstance(false_positive, bool):
        raise ValidationError({"false_positive": "Say whether this was a false positive (true or false)."})
    instance = _lock_event(model, instance)
    if instance.reviewed_at is not None and not force:
        raise TransitionRefused(
            f"Cannot review a {model._meta.verbose_name} that is already reviewed "
            f"(on {instance.reviewed_at:%Y-%m-%d %H:%M}); review it again only with force.",
            field="reviewed_at",
        )
    metadata = dict(instance.metadata or {})
    if notes:
        metadata["review_notes"] = notes
    changes = {"false_positive": false_positive, "reviewed_by": actor, "reviewed_at": timezone.now(),
               "metadata": metadata}
    before = snapshot(instance, list(changes))
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.save()
    audit_record(
        action=f"{model._meta.model_name}.review", instance=instance, actor=actor, api_key=api_key,
        request=request, before=before, after=snapshot(instance, list(changes)), reason=notes,
        details={"forced": bool(force)},
    )
    return instance


@transaction.atomic
def prompt_injection_review(
    *, attempt: PromptInjectionAttempt, actor, false_positive: bool, notes: str = "", force: bool = False,
    api_key=None, request=None,
) -> PromptInjectionAttempt:
    return _review(PromptInjectionAttempt, attempt, actor=actor,
                   false_positive=false_positive, notes=notes, force=force, api_key=api_key, request=request)


@transaction.atomic
def voice_security_event_review(
    *, event: VoiceSecurityEvent, actor, false_positive: bool, notes: str = "", force: bool = False,
    api_key=None, request=None,
) -> VoiceSecurityEvent:
    return _review(VoiceSecurityEvent, event, actor=actor,
                   false_positive=false_positive, notes=notes, force=force, api_key=api_key, request=request)
