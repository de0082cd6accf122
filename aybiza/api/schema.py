"""OpenAPI (drf-spectacular): the common error responses (the key scheme: security_app/api/authentication.py)."""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

ErrorSerializer = inline_serializer(
    name="Error",
    fields={
        "code": serializers.CharField(),
        "message": serializers.CharField(),
        "fields": serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False),
        "request_id": serializers.UUIDField(required=False),
    },
)


class AutoSchema(SpectacularAutoSchema):
    """Adds the error responses every operation can give, and the scope it needs."""

    def get_description(self):
        description = super().get_description() or ""
        scope = getattr(self.view, "scope", "")
        if scope:
            action = "read" if self.method in ("GET", "HEAD") else "write"
            description = (description + f"\n\nScope: `{scope}:{action}`.").strip()
        return description

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        error = OpenApiResponse(ErrorSerializer)
        extra = {"400": error, "401": error, "403": error, "404": error, "429": error}
        if self.method in ("PUT", "PATCH", "POST", "DELETE"):
            extra.update({"409": error, "413": error})
        for code, response in extra.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code)
        return responses
