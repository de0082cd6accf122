"""What the per-app factories share: a fixed password, JSON Schemas, time and version helpers."""

from datetime import timedelta

import factory
from django.utils import timezone

DEFAULT_PASSWORD = "correct horse battery staple"
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"
LOOKUP_INPUT_SCHEMA = {
    "$schema": JSON_SCHEMA,
    "type": "object",
    "properties": {"email": {"type": "string", "format": "email"}, "limit": {"type": "integer", "minimum": 1}},
    "required": ["email"],
    "additionalProperties": False,
}
LOOKUP_OUTPUT_SCHEMA = {
    "$schema": JSON_SCHEMA,
    "type": "object",
    "properties": {"contact_id": {"type": "string"}, "name": {"type": "string"}},
    "required": ["contact_id"],
}


def a_while_ago(**delta):
    return factory.LazyFunction(lambda: timezone.now() - timedelta(**delta))


def published_trait():
    """`published=True` on a version factory: at most one version per parent may be published."""
    return factory.Trait(
        status="published", is_published=True, published_at=a_while_ago(days=1),
        published_by=factory.SelfAttribute("created_by"),
    )
