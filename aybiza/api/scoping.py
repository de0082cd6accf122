"""Tenant scoping, in one place: which rows a principal may see or change.

Each model states whose rows it holds (`owner = Owner(...)`,
aybiza/core/ownership.py); this module reads it. A tenant key sees rows of
its tenant; an organization key rows of its organization (all its tenants,
and its tenant-less rows). The base viewset narrows every queryset with
`scope_q`, and related-object fields in serializers do the same, so a tenant
can neither read nor point at another tenant's rows. This matters most where
there is no RLS: versions, nodes, transcripts, hypertables and rollups.

Rows a model declares `shared` (the platform's system tools) are readable by
everybody and writable through the API by nobody, as the RLS policy
system_read_tools does.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q

from aybiza.core.ownership import Owner, owner_of

from .principal import Principal


def owner(model) -> Owner:
    found = owner_of(model)
    if found is None:
        raise ImproperlyConfigured(
            f"{model._meta.label} states no `owner = Owner(...)`: it cannot be served to tenants "
            "(see aybiza/core/ownership.py)."
        )
    return found


def scope_q(model, principal: Principal, *, for_write: bool = False) -> Q:
    rows = owner(model)
    if principal.tenant_id is not None:
        q = rows.tenant_q(principal.tenant_id)
    else:
        q = rows.organization_q(principal.organization_id)
    shared = None if for_write else rows.shared_q()
    return q | shared if shared is not None else q


def scoped(queryset, principal: Principal, *, for_write: bool = False):
    return queryset.filter(scope_q(queryset.model, principal, for_write=for_write))
