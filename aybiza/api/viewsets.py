"""The base viewsets: every /api/v1/ view derives from these.

What they add to DRF's, once for all resources:

- every request runs inside the key's row-level-security context
  (aybiza.core.tenancy: tenant_context / organization_context), one transaction:
  an error anywhere rolls everything back, never a partial write;
- the queryset is narrowed to what the key may see (scoping.py);
- writes are audited (security.audit_logs) in the same transaction, unless a
  business service does it;
- `version` / If-Match optimistic locking on versioned rows (409 when stale);
- the model's consistency rules (aybiza/core/db/consistency.py: related rows of
  the same tenant, versions of the same parent...) before a serializer saves
  (`save_checked`): DRF's ModelSerializer never calls full_clean();
- rate-limit headers (X-RateLimit-Limit / X-RateLimit-Remaining).
"""

from __future__ import annotations

import copy
import re

from rest_framework import exceptions, mixins, viewsets
from rest_framework.response import Response

from aybiza.core.audit import audit_record, snapshot

from .pagination import CursorPagination
from .principal import Principal
from .scoping import scoped
from .serializers import ActionReasonSerializer


class PreconditionRequired(exceptions.APIException):
    status_code = 428
    default_code = "version_required"
    default_detail = 'Send the version you read: a "version" field or an If-Match: "<version>" header.'


class AuditRequest:
    """What audit_record reads from a request, with the client address we trust (network.py)."""

    def __init__(self, request, principal: Principal):
        django_request = getattr(request, "_request", request)
        self.META = {"REMOTE_ADDR": principal.ip, "HTTP_USER_AGENT": django_request.META.get("HTTP_USER_AGENT")}
        self.request_id = getattr(django_request, "request_id", None)


_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


class ScopedViewSetMixin:
    """Tenant scoping, RLS context, audit and locking. `scope` names the key scope resource."""

    scope: str = ""
    audit_fields: tuple[str, ...] = ()  # what the audit row snapshots (default: the written fields)
    lookup_value_regex = "[^/]+"

    # --- request life cycle: DRF's own hooks ---------------------------------------------
    # initial() runs authentication, the scope check and the rate limit (as the
    # connection's own role), then enters the key's RLS context: one transaction
    # around the handler. handle_exception() leaves it rolled back; otherwise
    # finalize_response() commits it, and an error raised by the COMMIT itself
    # (a deferred constraint) still becomes the API's JSON error.
    _rls = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        context = self.rls_context()
        context.__enter__()
        self._rls = context

    def _leave_rls(self, exc: BaseException | None) -> None:
        context, self._rls = self._rls, None
        if context is not None:
            context.__exit__(type(exc) if exc else None, exc, exc.__traceback__ if exc else None)

    def handle_exception(self, exc):
        self._leave_rls(exc)  # roll back whatever the handler wrote
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        if self._rls is not None:
            try:
                self._leave_rls(None)  # COMMIT
            except Exception as exc:  # noqa: BLE001 - e.g. a deferred foreign key refused at COMMIT
                response = self.handle_exception(exc)
        response = super().finalize_response(request, response, *args, **kwargs)
        verdict = getattr(getattr(request, "_request", request), "aybiza_rate", None)
        if verdict is not None and verdict.limit is not None:
            response["X-RateLimit-Limit"] = str(verdict.limit)
            response["X-RateLimit-Remaining"] = str(verdict.remaining)
        data = getattr(response, "data", None)
        if response.status_code < 300 and isinstance(data, dict) and isinstance(data.get("version"), int):
            response["ETag"] = f'"{data["version"]}"'  # the optimistic lock, for If-Match
        return response

    def rls_context(self):
        """The context the handler runs in: the key's row-level-security context (one transaction)."""
        return self.request.auth.rls_context()

    @property
    def principal(self) -> Principal:
        return self.request.auth

    # --- scoping -----------------------------------------------------------------------
    def get_queryset(self):
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset.none()
        for_write = self.request.method not in ("GET", "HEAD", "OPTIONS")
        return scoped(queryset, self.principal, for_write=for_write)

    def owner_kwargs(self, validated_data) -> dict:
        """organization/tenant of a new row: the key's tenant, or the tenant an organization key chose."""
        tenant = validated_data.get("tenant")
        if tenant is not None:
            return {"tenant": tenant, "organization_id": tenant.organization_id}
        if self.principal.tenant_id is not None:
            return {"tenant_id": self.principal.tenant_id, "organization_id": self.principal.organization_id}
        return {"organization_id": self.principal.organization_id}

    def tenant_object(self, validated_data):
        """The Tenant a new row belongs to (services take the object)."""
        tenant = validated_data.pop("tenant", None)
        if tenant is not None:
            return tenant
        if self.principal.tenant_id is None:
            raise exceptions.ValidationError({"tenant": ["An organization key must say which tenant."]})
        return self.principal.api_key.tenant

    # --- audit -------------------------------------------------------------------------
    def service_kwargs(self) -> dict:
        """actor/api_key/request for a business service (docs/services.md)."""
        return {"actor": self.principal.actor, "api_key": self.principal.api_key, "request": self.audit_request()}

    def audit_request(self):
        return AuditRequest(self.request, self.principal)

    # --- state transitions ---------------------------------------------------------------
    # The keyword this viewset's object is passed to its services under
    # (e.g. "porting_request"); set by viewsets with reason-taking actions.
    service_object_kwarg = ""

    def transition(self, service):
        """Run a reason-taking state transition on this object; respond with the result."""
        reason = ActionReasonSerializer(data=self.request.data)
        reason.is_valid(raise_exception=True)
        instance = service(**{self.service_object_kwarg: self.get_object()},
                           reason=reason.validated_data["reason"], **self.service_kwargs())
        return Response(self.get_serializer(instance).data)

    def audit(self, verb: str, instance, *, before=None, after=None, details=None):
        action = f"{instance._meta.model_name}.{verb}"
        return audit_record(
            action=action, instance=instance, actor=self.principal.actor, api_key=self.principal.api_key,
            before=before, after=after, request=self.audit_request(), details=details,
        )

    def _audit_fields(self, validated_data) -> list[str]:
        model = self.get_queryset().model
        names = self.audit_fields or tuple(validated_data)
        concrete = {f.name for f in model._meta.concrete_fields}
        return [n for n in names if n in concrete and not n.endswith(("secret", "credentials", "auth_config", "pin_password"))]

    # --- writes ------------------------------------------------------------------------
    def save_checked(self, serializer, **kwargs):
        """`serializer.save(**kwargs)` once the row it would write passes the model's consistency rules.

        A Django ValidationError naming the field (400) otherwise; nothing is written.
        """
        model = serializer.Meta.model
        if hasattr(model, "check_consistency"):
            row = copy.copy(serializer.instance) if serializer.instance is not None else model()
            for name, value in {**serializer.validated_data, **kwargs}.items():
                setattr(row, name, value)
            row.check_consistency()
        return serializer.save(**kwargs)

    def _has_field(self, name: str) -> bool:
        return any(f.name == name for f in self.get_queryset().model._meta.concrete_fields)

    def perform_create(self, serializer):
        serializer.validated_data.pop("version", None)
        fields = self._audit_fields(serializer.validated_data)
        extra = self.owner_kwargs(serializer.validated_data)
        if self._has_field("created_by"):
            extra["created_by"] = self.principal.actor
        instance = self.save_checked(serializer, **extra)
        self.audit("create", instance, after=snapshot(instance, fields))

    def expected_version(self, serializer) -> int:
        version = serializer.validated_data.pop("version", None)
        if version is None:
            match = _ETAG.match(self.request.META.get("HTTP_IF_MATCH", ""))
            version = int(match.group(1)) if match else None
        if version is None:
            raise PreconditionRequired()
        return version

    def perform_update(self, serializer):
        instance = serializer.instance
        if hasattr(instance, "version") and "version" in serializer.fields:
            instance.version = self.expected_version(serializer)
        fields = self._audit_fields(serializer.validated_data)
        before = snapshot(instance, fields)
        instance = self.save_checked(
            serializer, **({"updated_by": self.principal.actor} if self._has_field("updated_by") else {}))
        self.audit("update", instance, before=before, after=snapshot(instance, fields))

    def perform_destroy(self, instance):
        self.audit("delete", instance, before=snapshot(instance, self.audit_fields or ["id"]))
        instance.delete()


class ReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    pass


class CreateReadViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    pass


class CreateReadUpdateViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                              viewsets.ReadOnlyModelViewSet):
    pass


class ModelViewSet(ScopedViewSetMixin, viewsets.ModelViewSet):
    pass


class GenericViewSet(ScopedViewSetMixin, viewsets.GenericViewSet):
    pass


class TimeSeriesMixin:
    """Cursor pagination for time-ordered, large resources (newest first)."""

    pagination_class = CursorPagination
