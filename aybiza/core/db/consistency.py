"""Related rows belong together: rules declared on the models, checked by full_clean().

The database only knows that a foreign key points at *some* row. Which rows
may be combined is declared here once, on the model, and checked by
`Model.clean()`, so every caller of `full_clean()` gets it: the admin's
ModelForms (`_post_clean`), the create services, the demo loader, and the
API (aybiza.api.viewsets runs `check_consistency()` before a serializer saves).

    class PhoneNumber(ConsistencyMixin, VersionedModel):
        same_tenant = ("agent",)

Rules (a rule is skipped while a field it reads is still unset, except where
noted; a missing required value is `clean_fields()`'s job):

- automatic, for every model with both `organization` and `tenant`:
  the tenant belongs to the row's organization (error on `tenant`);
- `same_tenant = ("agent", ...)`: the related row is this row's tenant's.
  A related row without a tenant is organization-wide (usable by the
  tenants of its organization) or, with no organization either, a platform
  row usable by everyone (system tools). A row whose own tenant is NULL
  (organization-wide) accepts organization-wide and platform rows only;
- `same_organization = ("role",)`: the related row has this row's organization;
- `belongs_to = {"agent_version": "agent"}`: the related row's `agent` is this
  row's `agent` (a version of the row's agent, a node of the row's version).
  A NULL on this row's side is checked when the column is nullable (a call
  with a version but no agent is refused) and skipped when it is NOT NULL
  (not filled in yet: an admin inline fills it from its parent on save);
- `tenant_from = "workflow"`: for a model without tenant/organization columns, the
  FK whose tenant and organization are this row's (for `same_tenant`);
- anything else: override `consistency_errors()`, call super() and add to the
  dict, using `related()` to read a FK (one query per FK, none when cached).

Where the rules are (grep `same_tenant`, `belongs_to`, `consistency_errors`):
every model with organization + tenant (automatic); users (role's
organization); phone numbers (agent); calls and call analytics (agent, phone
number; version of the agent); prompt injection attempts and voice security
events (agent; version of the agent); conversation nodes (version of the
agent); workflow nodes (version of the workflow; tool usable by the
workflow's tenant); workflow connections (version of the workflow; both
nodes in that version); execution logs (workflow of the tenant; version of
the workflow); node executions (node in the execution's workflow version,
through the ORM relation: there is no database FK); call transcripts
(call_sid is the call's); SIP trunks (max_concurrent_calls at most the
tenant's, on create and on edit). Tools: a system tool (`is_system_tool`)
has neither organization nor tenant; a tool without either that is not
flagged as a system tool is still allowed (a platform tool not yet
verified), and it too is usable by every tenant. Tool versions, agent
versions and workflow versions have a single parent: nothing to check.

Errors name the offending field: ValidationError({"agent": "The agent
belongs to another tenant."}). `full_clean(exclude=[...])` moves an error on
an excluded field (a read-only `organization`, an inline's hidden parent
key) to NON_FIELD_ERRORS, so a ModelForm shows it instead of raising
ValueError for a field it does not have.
"""

from __future__ import annotations

from typing import ClassVar

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    ObjectDoesNotExist,
    ValidationError,
)


def related(instance, name: str):
    """The row a FK points at, or None; the cached object when it matches the *_id, else one query.

    None too for a key to no row: clean_fields() reports that one.
    """
    field = instance._meta.get_field(name)
    if getattr(instance, field.attname) is None:
        return None
    try:
        return getattr(instance, name)
    except ObjectDoesNotExist:
        return None


def _field(instance, name: str):
    try:
        return instance._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _label(instance, name: str) -> str:
    field = _field(instance, name)
    return str(field.verbose_name) if field is not None else name.replace("_", " ")


def owner_ids(instance) -> tuple | None:
    """(tenant_id, organization_id) of the row, or None while it cannot be told yet."""
    owner_name = getattr(instance, "tenant_from", None)
    if owner_name:
        owner = related(instance, owner_name)
        return None if owner is None else owner_ids(owner)
    tenant = _field(instance, "tenant")
    if tenant is None:
        return None
    tenant_id = instance.tenant_id
    if tenant_id is None and not tenant.null:
        return None  # not chosen yet
    organization_id = getattr(instance, "organization_id", None)
    if organization_id is None and tenant_id is not None:
        organization_id = related(instance, "tenant").organization_id
    return tenant_id, organization_id


def usable_by(row, tenant_id, organization_id) -> str | None:
    """None if `row` may be used by a row of (tenant_id, organization_id), else why not."""
    row_tenant = getattr(row, "tenant_id", None)
    row_organization = getattr(row, "organization_id", None)
    if row_tenant is not None:
        return None if row_tenant == tenant_id else "tenant"
    if row_organization is None:
        return None  # a platform row (system tool): everyone's
    return None if row_organization == organization_id else "organization"


def rule_errors(instance) -> dict[str, str]:
    """The declared rules' errors, {field: message}."""
    errors: dict[str, str] = {}
    model = type(instance)

    has_both = _field(instance, "tenant") is not None and _field(instance, "organization") is not None
    if has_both and instance.tenant_id is not None and instance.organization_id is not None:
        tenant = related(instance, "tenant")
        if tenant is not None and tenant.organization_id != instance.organization_id:
            errors["tenant"] = "The tenant belongs to another organization."

    same_tenant = getattr(model, "same_tenant", ())
    if same_tenant:
        owner = owner_ids(instance)
        if owner is not None:
            for name in same_tenant:
                row = related(instance, name)
                if row is None or name in errors:
                    continue
                other = usable_by(row, *owner)
                if other:
                    errors[name] = f"The {_label(instance, name)} belongs to another {other}."

    for name in getattr(model, "same_organization", ()):
        row = related(instance, name)
        if row is not None and instance.organization_id is not None and row.organization_id != instance.organization_id:
            errors.setdefault(name, f"The {_label(instance, name)} belongs to another organization.")

    for name, parent in getattr(model, "belongs_to", {}).items():
        row = related(instance, name)
        if row is None or name in errors:
            continue
        parent_field = instance._meta.get_field(parent)
        mine = getattr(instance, parent_field.attname)
        if mine is None and not parent_field.null:
            continue  # not filled in yet
        if getattr(row, parent_field.attname) != mine:
            errors[name] = f"The {_label(instance, name)} belongs to another {_label(instance, parent)}."
    return errors


def check_consistency(instance) -> None:
    """Raise ValidationError({field: message}) unless the row's related rows belong together."""
    errors = instance.consistency_errors()
    if errors:
        raise ValidationError(errors)


class ConsistencyMixin:
    """Declarative "these related rows belong together" rules (see the module docstring).

    A plain class, not a model: putting it among a model's bases changes no
    table and makes no migration.
    """

    same_tenant: ClassVar[tuple[str, ...]] = ()
    same_organization: ClassVar[tuple[str, ...]] = ()
    belongs_to: ClassVar[dict[str, str]] = {}
    tenant_from: ClassVar[str | None] = None

    def consistency_errors(self) -> dict[str, str]:
        return rule_errors(self)

    def check_consistency(self) -> None:
        check_consistency(self)

    def clean(self):
        super().clean()
        self.check_consistency()

    def full_clean(self, exclude=None, validate_unique=True, validate_constraints=True):
        try:
            super().full_clean(exclude=exclude, validate_unique=validate_unique,
                               validate_constraints=validate_constraints)
        except ValidationError as exc:
            if not exclude or not hasattr(exc, "error_dict"):
                raise
            moved: dict[str, list] = {}
            for name, messages in exc.error_dict.items():
                key = NON_FIELD_ERRORS if name in exclude else name
                moved.setdefault(key, []).extend(messages)
            raise ValidationError(moved) from exc
