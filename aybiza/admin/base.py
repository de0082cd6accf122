"""The shared ModelAdmin bases of the ops console.

- `OpsModelAdmin`: created_by/updated_by from the logged-in user, the
  optimistic version lock carried by the form, JSON/JSON Schema/secret form
  fields, system columns read-only and grouped in a collapsed "Record"
  fieldset, autocomplete widgets for every foreign key to a registered model.
- `TimeSeriesAdmin`: read-only, estimated counts, a default recent window,
  ordered by its time column; for the tables that grow by millions of rows.
- `ReadOnlyInline`: an inline that only shows rows.
"""

from django.contrib import admin, messages
from django.contrib.admin.options import ShowFacets
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.utils.text import capfirst

from aybiza.core.audit import audit_delete, audit_save
from aybiza.core.db.fields import EncryptedJSONField, EncryptedTextField
from aybiza.core.db.locking import StaleVersionError, VersionedModel
from aybiza.core.errors import ServiceError

from .filters import recent_period_filter
from .forms import JSONEditorField, JSONSchemaField, OpsAdminForm, SecretJSONField, SecretTextField
from .pagination import EstimatedCountPaginator

SYSTEM_FIELDS = ("id", "created_at", "updated_at", "created_by", "updated_by", "version")


def error_text(exc: Exception) -> str:
    """One human sentence for the errors services raise."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(f"{'' if k == '__all__' else k + ': '}{' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    return getattr(exc, "message", None) or str(exc)


def model_has_field(model, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except Exception:
        return False
    return True


def stamp_actor(instance, user, *, adding: bool) -> None:
    """created_by (on add) and updated_by from the logged-in user, where the model has them."""
    if adding and model_has_field(type(instance), "created_by") and instance.created_by_id is None:
        instance.created_by = user
    if model_has_field(type(instance), "updated_by"):
        instance.updated_by = user


def saved_and_audited(obj, request) -> None:
    """Save an admin form's row with its audit row (what it was, what it is), in one transaction."""
    with transaction.atomic():
        stored = None if obj._state.adding else type(obj)._default_manager.filter(pk=obj.pk).first()
        obj.save()
        audit_save(obj, stored=stored, actor=request.user, request=request)


def deleted_and_audited(obj, request) -> None:
    with transaction.atomic():
        audit_delete(obj, actor=request.user, request=request)
        obj.delete()


def inherit_from_parent(instance, parent) -> None:
    """Fill an inline row's unset FKs that its parent also has (a node's workflow from its version)."""
    from django.contrib.auth import get_user_model

    for field in instance._meta.concrete_fields:
        if field.many_to_one and field.related_model is get_user_model():
            continue  # who did it is the logged-in user, not the parent's author
        if getattr(instance, field.attname) is None and hasattr(parent, field.attname):
            setattr(instance, field.attname, getattr(parent, field.attname))


class InheritingInlineFormSet(BaseInlineFormSet):
    """Inline rows get their parent's keys before validation, not only on save.

    A node's hidden `workflow`/`agent` is then known to full_clean(), so the
    model's consistency rules (aybiza/core/db/consistency.py) see the whole row.
    """

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        inherit_from_parent(form.instance, self.instance)
        return form


class JSONFormFieldsMixin:
    """JSON columns as validated JSON text; encrypted columns as write-only secrets."""

    json_schema_fields: tuple[str, ...] = ()

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        label = capfirst(db_field.verbose_name)
        if isinstance(db_field, EncryptedTextField):
            return SecretTextField(label=label, help_text=db_field.help_text)
        if isinstance(db_field, EncryptedJSONField):
            return SecretJSONField(label=label, help_text=db_field.help_text)
        if isinstance(db_field, models.JSONField):
            default = db_field.get_default() if db_field.has_default() else None
            field_class = JSONSchemaField if db_field.name in self.json_schema_fields else JSONEditorField
            return field_class(
                label=label,
                required=not db_field.blank,
                expected_type=type(default) if isinstance(default, (dict, list)) else None,
                empty_value=default,
                encoder=db_field.encoder,
                decoder=db_field.decoder,
                help_text=db_field.help_text,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class AutocompleteMixin:
    """An autocomplete widget for every FK to a registered, searchable model (no giant <select>)."""

    def get_autocomplete_fields(self, request):
        declared = list(super().get_autocomplete_fields(request))
        raw = set(self.raw_id_fields)
        for field in self.model._meta.concrete_fields:
            if not field.many_to_one or field.name in raw or field.name in declared:
                continue
            related_admin = self.admin_site._registry.get(field.related_model)
            if related_admin is not None and related_admin.search_fields:
                declared.append(field.name)
        return declared


class OpsModelAdmin(JSONFormFieldsMixin, AutocompleteMixin, admin.ModelAdmin):
    form = OpsAdminForm
    list_per_page = 50
    system_fields = SYSTEM_FIELDS
    counter_fields: tuple[str, ...] = ()  # read-only columns maintained by the platform

    # --- read-only system columns, grouped -------------------------------------------------------------
    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        for name in (*self.system_fields, *self.counter_fields):
            if name not in readonly and model_has_field(self.model, name):
                readonly.append(name)
        return readonly

    def get_fieldsets(self, request, obj=None):
        if not self.fieldsets:
            return super().get_fieldsets(request, obj)
        fieldsets = [(name, dict(options)) for name, options in self.fieldsets]
        listed = {f for _, options in fieldsets for f in _flatten(options["fields"])}
        record = [
            name for name in (*self.system_fields, *self.counter_fields)
            if name not in listed and model_has_field(self.model, name)
        ]
        if obj is not None and isinstance(obj, VersionedModel):
            record.append("loaded_version")
        if record:
            fieldsets.append(("Record", {"fields": record, "classes": ("collapse",)}))
        return fieldsets

    # --- who, which version, and the audit row of every write -------------------------------------------
    def save_model(self, request, obj, form, change):
        stamp_actor(obj, request.user, adding=not change)
        if change and isinstance(obj, VersionedModel):
            loaded = form.cleaned_data.get("loaded_version")
            if loaded is not None:
                obj.version = loaded  # the UPDATE is guarded by the version the page was loaded at
        saved_and_audited(obj, request)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted_and_audited(deleted, request)
        for instance in instances:
            inherit_from_parent(instance, form.instance)
            stamp_actor(instance, request.user, adding=instance._state.adding)
            saved_and_audited(instance, request)
        formset.save_m2m()

    def delete_model(self, request, obj):
        deleted_and_audited(obj, request)

    def delete_queryset(self, request, queryset):
        """The changelist's "delete selected": one audit row per deleted row."""
        with transaction.atomic():
            for obj in queryset:
                deleted_and_audited(obj, request)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except StaleVersionError as exc:
            # Nothing of ours was saved (the whole change view is one transaction);
            # the other person's change stands. Show it again.
            self.message_user(request, str(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())
        except (ServiceError, ValidationError) as exc:
            self.message_user(request, error_text(exc), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


class ReadOnlyMixin:
    """Rows are shown, never added, changed or deleted here (the platform writes them)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(ReadOnlyMixin, admin.TabularInline):
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True


class TimeSeriesAdmin(ReadOnlyMixin, OpsModelAdmin):
    """Read-only admin for a table with millions of rows.

    No COUNT(*) over the table (EstimatedCountPaginator), no facet counts, a
    default window on `time_field` (7 days; searches look at all time),
    ordered newest first, and `list_select_related` for what the list shows.
    """

    time_field = "timestamp"
    paginator = EstimatedCountPaginator
    show_full_result_count = False
    show_facets = ShowFacets.NEVER
    list_per_page = 50
    list_max_show_all = 0  # never "show all"

    def get_list_filter(self, request):
        return [recent_period_filter(self.time_field), *self.list_filter]

    def get_ordering(self, request):
        return self.ordering or (f"-{self.time_field}",)



def _flatten(fields):
    for item in fields:
        if isinstance(item, (list, tuple)):
            yield from item
        else:
            yield item


class ServiceCreateMixin:
    """The add form goes through a create service, so tenant limits and suspension apply.

    `create_service` is called as `service(tenant=..., actor=..., request=..., **form fields)`.
    The form's clean() runs `create_check(tenant=...)` first (the app's capacity check, e.g.
    agent_capacity_check), so a refusal shows on the form with the limit's name; the service
    checks again under the same lock when it saves. Both are declared with staticmethod():

        create_service = staticmethod(agent_create)
        create_check = staticmethod(agent_capacity_check)
    """

    create_service = None
    create_check = None
    create_exclude: tuple[str, ...] = ("organization",)  # derived by the service from the tenant
    add_fieldsets = None

    def get_fieldsets(self, request, obj=None):
        if obj is None and self.add_fieldsets:
            return self.add_fieldsets
        return super().get_fieldsets(request, obj)

    def get_inlines(self, request, obj):
        return [] if obj is None else super().get_inlines(request, obj)

    def get_readonly_fields(self, request, obj=None):
        readonly = super().get_readonly_fields(request, obj)
        if obj is None and self.add_fieldsets:
            editable = {f for _, options in self.add_fieldsets for f in _flatten(options["fields"])}
            readonly = [f for f in readonly if f not in editable]
        return readonly

    def precheck(self, tenant, cleaned_data) -> None:
        if self.create_check is not None:
            self.create_check(tenant=tenant)

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)
        if obj is not None:
            return form_class
        model_admin = self

        class ServiceAddForm(form_class):
            def clean(self):
                cleaned = super().clean()
                tenant = cleaned.get("tenant")
                if tenant is not None and not self.errors:
                    try:
                        model_admin.precheck(tenant, cleaned)
                    except ServiceError as exc:
                        raise ValidationError(exc.message, code=exc.code) from exc
                    except ValidationError as exc:
                        if hasattr(exc, "error_dict"):
                            for name, errors in exc.message_dict.items():
                                self.add_error(name if name in self.fields else None, errors)
                        else:
                            raise
                return cleaned

        ServiceAddForm.__name__ = f"{self.model.__name__}AddForm"
        return ServiceAddForm

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        names = {f.name for f in self.model._meta.concrete_fields}
        data = {k: v for k, v in form.cleaned_data.items() if k in names and k not in self.create_exclude and v is not None}
        result = self.create_service(actor=request.user, request=request, **data)
        created = result[0] if isinstance(result, tuple) else result
        obj.__dict__.update(created.__dict__)


class UUIDNamesMixin:
    """Names for plain UUID columns (no FK), looked up once per changelist page.

    `uuid_names = {"tenant_id": "accounts.Tenant"}` makes `obj.display_name("tenant_id")`
    the tenant's name: one query per column for the whole page, not one per row.
    """

    uuid_names: dict[str, str] = {}

    def get_changelist(self, request, **kwargs):
        from django.apps import apps

        base = super().get_changelist(request, **kwargs)
        names = self.uuid_names

        class NamedChangeList(base):
            def get_results(self, request):
                super().get_results(request)
                for attname, label in names.items():
                    ids = {getattr(row, attname) for row in self.result_list} - {None}
                    found = dict(apps.get_model(label)._default_manager.filter(pk__in=ids).values_list("pk", "name")) if ids else {}
                    for row in self.result_list:
                        row.__dict__.setdefault("_uuid_names", {})[attname] = found.get(getattr(row, attname))

        return NamedChangeList

    def uuid_name(self, obj, attname: str):
        from django.apps import apps

        value = getattr(obj, attname)
        cache = obj.__dict__.setdefault("_uuid_names", {})
        if attname not in cache and value is not None:
            model = apps.get_model(self.uuid_names[attname])
            cache[attname] = model._default_manager.filter(pk=value).values_list("name", flat=True).first()
        return cache.get(attname) or value


class OrganizationFromTenantMixin:
    """`organization` is read-only and follows the tenant chosen on the form.

    It is set before the model's full_clean() (which checks that the tenant
    belongs to the organization, aybiza/core/db/consistency.py).
    """

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        return readonly if "organization" in readonly else [*readonly, "organization"]

    def get_form(self, request, obj=None, **kwargs):
        form_class = super().get_form(request, obj, **kwargs)

        class OrganizationFollowsTenantForm(form_class):
            def clean(self):
                cleaned = super().clean()
                tenant = cleaned.get("tenant")
                if tenant is not None:
                    self.instance.organization_id = tenant.organization_id
                return cleaned

        OrganizationFollowsTenantForm.__name__ = form_class.__name__
        return OrganizationFollowsTenantForm
