"""Serializer building blocks shared by every app's api/serializers.py."""

from __future__ import annotations

from rest_framework import serializers

from .principal import principal_of
from .scoping import scoped


def principal_from(serializer):
    request = serializer.context.get("request")
    return principal_of(request) if request is not None else None


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that can only point at rows the caller may see (see scoping.py)."""

    def get_queryset(self):
        queryset = super().get_queryset()
        principal = principal_from(self.parent.root if self.parent else self)
        if principal is None:
            return queryset.none()
        return scoped(queryset, principal)


class TenantOwnedSerializer(serializers.ModelSerializer):
    """For rows owned by a tenant: `tenant` is implied for tenant keys, chosen by organization keys.

    `organization` always follows the tenant and is read-only.
    """

    tenant_required = True  # False: an organization key may create organization-wide rows (tools)

    def build_relational_field(self, field_name, relation_info):
        field_class, kwargs = super().build_relational_field(field_name, relation_info)
        if field_name == "tenant":  # only the caller's tenants; optional (see get_fields)
            field_class, kwargs["required"] = ScopedPrimaryKeyRelatedField, False
        return field_class, kwargs

    def get_fields(self):
        fields = super().get_fields()
        principal = principal_from(self)
        if "tenant" in fields and (self.instance is not None or (principal and not principal.is_organization)):
            fields["tenant"].read_only = True
        return fields

    def validate(self, attrs):
        attrs = super().validate(attrs)
        principal = principal_from(self)
        if (self.tenant_required and self.instance is None and principal is not None and principal.is_organization
                and "tenant" not in attrs):
            if "tenant" in self.fields and not self.fields["tenant"].read_only:
                raise serializers.ValidationError({"tenant": ["An organization key must say which tenant."]})
        return attrs


class VersionedSerializerMixin(serializers.Serializer):
    """`version` is the optimistic lock: required on update (or the If-Match header)."""

    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1,
        help_text="The version you read. Required on update (or send `If-Match: \"<version>\"`); a stale one gets 409.",
    )


class ActionReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
