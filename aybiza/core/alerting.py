"""Alert triggers: a registry of the conditions alert rules can watch (docs/operations.md, "Alert rules").

Imports no app. Each app that owns a condition registers it here (telephony its trunks, numbers and porting
requests; security_app its events, compliance and jobs); security_app's evaluator reads the registry. So
the evaluator needs no import of telephony, and a new trigger is one decorated function in its own app:

    @trigger("trunk_unhealthy", label="SIP trunk unhealthy", levels=ALL_LEVELS)
    def trunks(scope: Scope, params: dict, now: datetime) -> Iterable[Condition]: ...

A source returns the subjects that are in alert *now*, within the rule's scope: the evaluator fires an
alert for a subject that appears and resolves it when the subject no longer comes back.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

SEVERITIES = ("low", "medium", "high", "critical")

# Who may own a rule on a trigger: the platform (ops), an organization, a tenant.
PLATFORM, ORGANIZATION, TENANT = "platform", "organization", "tenant"
ALL_LEVELS = (PLATFORM, ORGANIZATION, TENANT)


def severity_at_least(minimum: str) -> list[str]:
    """The severities at or above `minimum` (unknown: all)."""
    index = SEVERITIES.index(minimum) if minimum in SEVERITIES else 0
    return list(SEVERITIES[index:])


@dataclass(frozen=True)
class Scope:
    """Whose rows a rule sees: all (platform), one organization's, or one tenant's."""

    organization_id: uuid.UUID | None = None
    tenant_id: uuid.UUID | None = None

    @property
    def level(self) -> str:
        if self.tenant_id is not None:
            return TENANT
        return ORGANIZATION if self.organization_id is not None else PLATFORM

    def filter(self, queryset, *, tenant: str = "tenant_id", organization: str = "organization_id"):
        """Narrow a queryset to the scope, by the given lookups."""
        if self.tenant_id is not None:
            return queryset.filter(**{tenant: self.tenant_id})
        if self.organization_id is not None:
            return queryset.filter(**{organization: self.organization_id})
        return queryset


@dataclass(frozen=True)
class Condition:
    """One subject in alert: `subject` is stable while the condition lasts (e.g. "sip_trunk:<id>")."""

    subject: str
    title: str
    severity: str = "high"
    organization_id: uuid.UUID | None = None
    tenant_id: uuid.UUID | None = None
    details: dict = field(default_factory=dict)


Source = Callable[[Scope, dict, datetime.datetime], Iterable[Condition]]


@dataclass(frozen=True)
class Trigger:
    name: str
    label: str
    source: Source
    levels: tuple[str, ...] = ALL_LEVELS
    uses_severity: bool = False
    params: dict = field(default_factory=dict)  # name -> (type, default, help)


TRIGGERS: dict[str, Trigger] = {}


def trigger(name: str, *, label: str, levels=ALL_LEVELS, uses_severity: bool = False, params: dict | None = None):
    """Register `source` as the trigger `name`."""

    def register(source: Source) -> Source:
        if name in TRIGGERS and TRIGGERS[name].source is not source:
            raise ValueError(f"Alert trigger {name!r} is registered twice.")
        TRIGGERS[name] = Trigger(name, label, source, tuple(levels), uses_severity, dict(params or {}))
        return source

    return register


def clean_params(trigger_name: str, params: dict | None) -> dict:
    """Validate a rule's params against its trigger: known names, right types, defaults filled in.

    Raises ValueError naming the parameter.
    """
    spec = TRIGGERS[trigger_name].params
    params = dict(params or {})
    unknown = sorted(set(params) - set(spec))
    if unknown:
        raise ValueError(f"Unknown parameter(s) for {trigger_name}: {', '.join(unknown)}.")
    cleaned = {}
    for name, (kind, default, _help) in spec.items():
        value = params.get(name, default)
        if kind is int and (isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= 100_000):
            raise ValueError(f"{name} must be a whole number from 1 to 100000.")
        cleaned[name] = value
    return cleaned
