"""Apply a state-machine transition to a locked row and audit it, in one call.

A service locks the row (`aybiza.core.state.lock`), checks anything specific to it,
then calls `apply_transition`, which re-checks the state, sets the new state
and the other changes, saves, and writes the audit row with before/after.
"""

from django.core.exceptions import ValidationError

from aybiza.core.audit import audit_record, snapshot

from .state import StateMachine


def require_reason(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({field: "A reason is required."})
    return reason


def apply_transition(
    *,
    machine: StateMachine,
    instance,
    verb: str,
    action: str,
    changes: dict | None = None,
    actor=None,
    api_key=None,
    request=None,
    reason: str = "",
    details: dict | None = None,
):
    target = machine.ensure(instance, verb)
    changes = {machine.field: target, **(changes or {})}
    fields = list(changes)
    before = snapshot(instance, fields)
    for name, value in changes.items():
        setattr(instance, name, value)
    instance.save()
    audit_record(
        action=action, instance=instance, actor=actor, api_key=api_key, request=request,
        before=before, after=snapshot(instance, fields), reason=reason, details=details,
    )
    return instance
