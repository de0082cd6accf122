"""ApiAccessMiddleware: request id, body size limit, and the api_access_logs row of every /api/ request.

- X-Request-ID: always a new UUID of ours, so one id is one request (echoed on
  the response). A client's own X-Request-ID is kept apart as its correlation
  id (echoed as X-Correlation-ID, logged as error_details.correlation_id).
- A NUL or lone surrogate in the path or a query parameter: 400 naming it.
- Bodies over AYBIZA_API["MAX_BODY_BYTES"] get 413 before anything parses them.
- The body is read once here (for its SHA-256 and size) and handed to DRF.
"""

from __future__ import annotations

import hashlib
import time
import uuid

from django.utils import timezone

from . import accesslog
from .conf import api_setting
from .errors import json_error
from aybiza.core.network import client_ip

from .parsers import bad_text

PREFIX = "/api/"
UNLOGGED = ("/api/docs/", "/api/schema/")


CORRELATION_MAX = 128


def _correlation_id(request) -> str | None:
    """The client's X-Request-ID, printable ASCII only, at most CORRELATION_MAX characters."""
    raw = request.META.get("HTTP_X_REQUEST_ID", "")
    cleaned = "".join(c for c in raw if " " <= c <= "~")[:CORRELATION_MAX].strip()
    return cleaned or None


def _bad_input(request):
    """A 400 for a NUL/lone surrogate in the path or a query parameter (PostgreSQL could not compare them)."""
    problem = bad_text(request.path)
    if problem:
        return json_error(400, "malformed_request", f"The path is not valid: {problem}", request)
    for name, values in request.GET.lists():
        for value in (name, *values):
            problem = bad_text(value)
            if problem:
                field = "query" if bad_text(name) else name  # a bad parameter name cannot name itself
                return json_error(400, "validation_error", "Invalid query parameter.", request,
                                  fields={field: [problem]})
    return None


class ApiAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        started = time.perf_counter()
        request.request_id = uuid.uuid4()
        request.correlation_id = _correlation_id(request)
        response = self._read_body(request) or _bad_input(request) or self.get_response(request)
        response["X-Request-ID"] = str(request.request_id)
        if request.correlation_id:
            response["X-Correlation-ID"] = request.correlation_id
        if not request.path.startswith(UNLOGGED):
            self._log(request, response, started)
        return response

    def _read_body(self, request):
        limit = int(api_setting("MAX_BODY_BYTES"))
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return json_error(400, "malformed_request", "Invalid Content-Length.", request)
        if declared > limit:
            request._body = b""
            return json_error(413, "payload_too_large", f"The request body is larger than {limit} bytes.", request)
        body = request.read(limit + 1) if declared else b""
        if len(body) > limit:
            request._body = b""
            return json_error(413, "payload_too_large", f"The request body is larger than {limit} bytes.", request)
        request._body = body  # what request.body (and so DRF's parsers) will see
        return None

    def _log(self, request, response, started):
        principal = getattr(request, "aybiza_principal", None)
        body = request._body if hasattr(request, "_body") else b""
        key = principal.api_key if principal else None
        size = 0 if response.streaming else len(response.content)
        endpoint = request.path[:255]
        error = {}
        if response.status_code >= 400 and not response.streaming:
            error = {"body": response.content[:500].decode("utf-8", "replace")}
        if request.correlation_id:
            error["correlation_id"] = request.correlation_id
        accesslog.record({
            "id": uuid.uuid4(),
            "timestamp": timezone.now(),
            "organization_id": principal.organization_id if principal else None,
            "tenant_id": principal.tenant_id if principal else None,
            "user_id": key.created_by_id if key else None,
            "api_key_id": key.pk if key else None,
            "endpoint": endpoint,
            "method": request.method[:10],
            "status_code": response.status_code,
            "response_time_ms": int((time.perf_counter() - started) * 1000),
            "request_size_bytes": len(body),
            "response_size_bytes": size,
            "ip_address": principal.ip if principal else client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT"),
            "request_id": request.request_id,
            "request_body_hash": hashlib.sha256(body).hexdigest() if body else None,
            "rate_limited": bool(getattr(request, "aybiza_rate_limited", False)),
            "cached_response": False,
            "error_details": error,
        })
