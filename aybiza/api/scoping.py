"""Tenant scoping, in one place: which rows a principal may see or change.

PATHS names, per model, the lookups that lead to its tenant and its
organization. A tenant key sees rows of its tenant; an organization key rows
of its organization (all its tenants, and its tenant-less rows). The base
viewset narrows every queryset with `scope_q`, and related-object fields in
serializers do the same, so a tenant can neither read nor point at another
tenant's rows. This matters most where there is no RLS: versions, nodes,
transcripts, hypertables and rollups.

SHARED names rows everybody may read but nobody may change through the API:
the platform's system tools (no organization, no tenant), as the RLS policy
system_read_tools does.
"""

from __future__ import annotations

from django.db.models import Q

from .principal import Principal

TENANT_SUBQUERY = object()  # rollups: tenant_id only; an organization's are its tenants' rows

PATHS: dict[str, tuple[str, object]] = {
    "accounts.tenant": ("id", "organization_id"),
    "accounts.user": ("tenant_id", "organization_id"),
    "agents.agent": ("tenant_id", "organization_id"),
    "agents.agentversion": ("agent__tenant_id", "agent__organization_id"),
    "agents.conversationnode": ("agent__tenant_id", "agent__organization_id"),
    "telephony.phonenumber": ("tenant_id", "organization_id"),
    "telephony.phonenumberreservation": ("tenant_id", "organization_id"),
    "telephony.portingrequest": ("tenant_id", "organization_id"),
    "telephony.siptrunk": ("tenant_id", "organization_id"),
    "analytics.call": ("tenant_id", "organization_id"),
    "analytics.calltranscript": ("call__tenant_id", "call__organization_id"),
    "analytics.callanalytics": ("tenant_id", "organization_id"),
    "analytics.detailedmetric": ("tenant_id", "organization_id"),
    "analytics.callanalyticshourly": ("tenant_id", TENANT_SUBQUERY),
    "analytics.performancemetricshourly": ("tenant_id", TENANT_SUBQUERY),
    "automation.workflow": ("tenant_id", "organization_id"),
    "automation.workflowversion": ("workflow__tenant_id", "workflow__organization_id"),
    "automation.workflownode": ("workflow__tenant_id", "workflow__organization_id"),
    "automation.workflowconnection": ("workflow__tenant_id", "workflow__organization_id"),
    "automation.tool": ("tenant_id", "organization_id"),
    "automation.toolversion": ("tool__tenant_id", "tool__organization_id"),
    "automation.executionlog": ("tenant_id", "organization_id"),
    "automation.nodeexecution": ("execution_log__tenant_id", "execution_log__organization_id"),
    "security_app.apikey": ("tenant_id", "organization_id"),
    "security_app.auditlog": ("tenant_id", "organization_id"),
    "security_app.securityevent": ("tenant_id", "organization_id"),
    "security_app.promptinjectionattempt": ("tenant_id", "organization_id"),
    "security_app.voicesecurityevent": ("tenant_id", "organization_id"),
    "security_app.apiaccesslog": ("tenant_id", "organization_id"),
    "security_app.compliancereport": ("tenant_id", "organization_id"),
    "security_app.securityeventsdaily": ("tenant_id", TENANT_SUBQUERY),
    # alerting (ours): platform rows have no organization and so are never visible through the API
    "security_app.alertrule": ("tenant_id", "organization_id"),
    "security_app.webhookendpoint": ("tenant_id", "organization_id"),
    "security_app.alert": ("tenant_id", "organization_id"),
    "security_app.alertdelivery": ("tenant_id", "organization_id"),
}

SHARED: dict[str, dict] = {
    "automation.tool": {"tenant_id__isnull": True, "organization_id__isnull": True},
    "automation.toolversion": {"tool__tenant_id__isnull": True, "tool__organization_id__isnull": True},
}


def scope_q(model, principal: Principal, *, for_write: bool = False) -> Q:
    label = model._meta.label_lower
    tenant_path, organization_path = PATHS[label]
    if principal.tenant_id is not None:
        q = Q(**{tenant_path: principal.tenant_id})
    elif organization_path is TENANT_SUBQUERY:
        from accounts.models import Tenant

        q = Q(**{f"{tenant_path}__in": Tenant.objects.filter(organization_id=principal.organization_id).values("id")})
    else:
        q = Q(**{organization_path: principal.organization_id})
    if not for_write and label in SHARED:
        q |= Q(**SHARED[label])
    return q


def scoped(queryset, principal: Principal, *, for_write: bool = False):
    return queryset.filter(scope_q(queryset.model, principal, for_write=for_write))
