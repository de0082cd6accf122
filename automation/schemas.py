"""JSON Schema checks for tool input/output schemas (used by services, forms and serializers)."""

from django.core.exceptions import ValidationError
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError


def validate_json_schema(value, field: str) -> None:
    """ValidationError({field: ...}) unless `value` is a valid Draft 2020-12 JSON Schema."""
    if not isinstance(value, (dict, bool)):
        raise ValidationError({field: "Must be a JSON Schema: an object (or true/false)."})
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path)
        raise ValidationError({field: f"Not a valid JSON Schema{f' at {where}' if where else ''}: {exc.message}"})
