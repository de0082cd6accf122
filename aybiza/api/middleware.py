"""ApiAccessMiddleware: request id, body size limit, and the api_access_logs row of every /api/ request.

- X-Request-ID: the client's, when it is a UUID, else a new one; echoed on the response.
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

PREFIX = "/api/"
UNLOGGED = ("/api/docs/", "/api/schema/")


def _request_id(request) -> uuid.UUID:
    try:
        return uuid.UUID(request.META.get("HTTP_X_REQUEST_ID", ""))
    except ValueError:
        return uuid.uuid4()


class ApiAccessMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith(PREFIX):
            return self.get_response(request)
        started = time.perf_counter()
        request.request_id = _request_id(request)
        response = self._read_body(request) or self.get_response(request)
        response["X-Request-ID"] = str(request.request_id)
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
