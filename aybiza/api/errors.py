"""One JSON error format for every API response that is not a success.

    {"code": "validation_error", "message": "Invalid input.",
     "fields": {"name": ["This field is required."]}, "request_id": "..."}

`fields` appears for field errors; some codes add keys (`scope`,
`current_version`, `retry_after`). Business refusals from services
(aybiza/core/errors.py) map as docs/services.md says: ValidationError 400,
TransitionRefused/LimitExceeded/StaleVersionError 409. Database constraint
violations are the caller's fault, never a 500: unique 409, check/foreign
key/not-null/bad value 400. Any other exception is logged and answered with
a 500 that says nothing about the internals.
"""

from __future__ import annotations

import logging

from django.core import exceptions as django_exceptions
from django.db import DataError, IntegrityError
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, status
from rest_framework.response import Response

from aybiza.core.db.locking import StaleVersionError
from aybiza.core.errors import ServiceError
from aybiza.core.tenancy import TenantContextError

logger = logging.getLogger("aybiza.api")

SQLSTATE = {
    "23505": (409, "unique_violation", "A record with these values already exists."),
    "23514": (400, "check_violation", "A value is not allowed."),
    "23503": (400, "foreign_key_violation", "A referenced record does not exist or is still in use."),
    "23502": (400, "not_null_violation", "A required value is missing."),
    "23P01": (409, "exclusion_violation", "This conflicts with an existing record."),
}


def body(code: str, message: str, fields: dict | None = None, **extra) -> dict:
    data = {"code": code, "message": message}
    if fields:
        data["fields"] = fields
    data.update(extra)
    return data


def _flatten(detail):
    """DRF error details -> {field: [messages]} / [messages] of plain strings."""
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def _validation(detail) -> tuple[str, dict | None]:
    if isinstance(detail, dict):
        fields = _flatten(detail)
        general = fields.pop("non_field_errors", None)
        message = general[0] if general else "Invalid input."
        return message, fields or None
    messages = _flatten(detail if isinstance(detail, list) else [detail])
    return (messages[0] if messages else "Invalid input."), None


def _sqlstate(exc) -> str | None:
    cause = exc.__cause__ or exc
    return getattr(cause, "sqlstate", None) or getattr(getattr(cause, "diag", None), "sqlstate", None)


def _constraint(exc) -> str | None:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", None)


def describe(exc) -> tuple[int, dict, dict]:
    """(status, body, headers) for an exception."""
    if isinstance(exc, exceptions.Throttled):
        wait = int(exc.wait or 1)
        return 429, body("rate_limited", f"Rate limit exceeded; retry in {wait} s.", retry_after=wait), {"Retry-After": str(wait)}
    if isinstance(exc, exceptions.ValidationError):
        message, fields = _validation(exc.detail)
        return 400, body("validation_error", message, fields), {}
    if isinstance(exc, exceptions.ParseError):
        return 400, body("malformed_request", str(exc.detail)), {}
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        extra = {"scope": exc.scope} if hasattr(exc, "scope") else {}
        headers = {}
        if isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
            headers["WWW-Authenticate"] = 'Bearer realm="api"'
        message = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return exc.status_code, body(str(code), str(message), **extra), headers
    if isinstance(exc, (Http404, django_exceptions.ObjectDoesNotExist)):
        return 404, body("not_found", "Not found."), {}
    if isinstance(exc, django_exceptions.PermissionDenied):
        return 403, body("permission_denied", str(exc) or "Permission denied."), {}
    if isinstance(exc, TenantContextError):
        return 403, body("tenant_inactive", str(exc)), {}
    if isinstance(exc, StaleVersionError):
        return 409, body("stale_version", str(exc), current_version=exc.current), {}
    if isinstance(exc, ServiceError):
        fields = {exc.field: [exc.message]} if exc.field else None
        return 409, body(exc.code, exc.message, fields), {}
    if isinstance(exc, django_exceptions.ValidationError):
        if hasattr(exc, "error_dict"):
            fields = {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
            general = fields.pop("non_field_errors", None)
            return 400, body("validation_error", general[0] if general else "Invalid input.", fields or None), {}
        return 400, body("validation_error", "; ".join(exc.messages)), {}
    if isinstance(exc, (ProtectedError, RestrictedError)):
        return 409, body("in_use", "This record is still referenced by other records and cannot be deleted."), {}
    if isinstance(exc, IntegrityError):
        status_code, code, message = SQLSTATE.get(_sqlstate(exc), (409, "integrity_error", "The change conflicts with existing data."))
        constraint = _constraint(exc)
        return status_code, body(code, message, **({"constraint": constraint} if constraint else {})), {}
    if isinstance(exc, DataError):
        return 400, body("invalid_value", "A value is out of range or of the wrong type."), {}
    if isinstance(exc, django_exceptions.RequestDataTooBig):
        return 413, body("payload_too_large", "The request body is too large."), {}
    logger.exception("Unhandled API error", exc_info=exc)
    return 500, body("server_error", "Internal server error."), {}


def exception_handler(exc, context):
    status_code, data, headers = describe(exc)
    request = context.get("request")
    request_id = getattr(getattr(request, "_request", request), "request_id", None)
    if request_id:
        data["request_id"] = str(request_id)
    return Response(data, status=status_code, headers=headers)


def json_error(status_code: int, code: str, message: str, request=None, **extra) -> JsonResponse:
    """The same format outside DRF (middleware, 404 for unknown /api/ paths)."""
    data = body(code, message, **extra)
    request_id = getattr(request, "request_id", None)
    if request_id:
        data["request_id"] = str(request_id)
    return JsonResponse(data, status=status_code)


@csrf_exempt  # an unknown route answers 404 whatever the method: no CSRF (HTML 403) page under /api/
def not_found(request, *args, **kwargs):
    return json_error(status.HTTP_404_NOT_FOUND, "not_found", "No such API endpoint.", request)
