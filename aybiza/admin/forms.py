"""Form building blocks of the ops console: JSON editing, secrets, version locks."""

import copy
import json

import jsonschema
from django import forms
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput

from aybiza.core.db.locking import VersionedModel
from aybiza.core.json_limits import check_value, max_depth, too_deep

TOO_DEEP = "(This value is nested too deeply to show or edit here; replace it with new JSON.)"
_TYPE_NAMES = {dict: "a JSON object ({...})", list: "a JSON array ([...])"}


class JSONTextarea(forms.Textarea):
    """A monospace textarea sized to its content."""

    def __init__(self, attrs=None):
        super().__init__({"class": "vLargeTextField aybiza-json", "spellcheck": "false", **(attrs or {})})

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        lines = (value or "").count("\n") + 2 if isinstance(value, str) else 4
        context["widget"]["attrs"].setdefault("rows", max(3, min(lines, 30)))
        return context


class JSONEditorField(forms.JSONField):
    """JSON edited as pretty-printed text; invalid input is refused with the parser's reason.

    `expected_type` (dict or list) refuses a well-formed value of the wrong
    shape; an empty box means the column's default (`empty_value`).
    """

    widget = JSONTextarea

    def __init__(self, *, expected_type=None, empty_value=None, **kwargs):
        self.expected_type = expected_type
        self.empty_json = empty_value
        super().__init__(**kwargs)

    def to_python(self, value):
        if self.disabled:
            return value
        if value in self.empty_values:
            return copy.deepcopy(self.empty_json)
        if isinstance(value, str):
            try:
                parsed = json.loads(value, cls=self.decoder)
            except RecursionError:
                raise ValidationError(f"JSON nesting is deeper than {max_depth()} levels.", code="invalid") from None
            except json.JSONDecodeError as exc:
                raise ValidationError(
                    "Invalid JSON: %(msg)s (line %(line)s, column %(col)s).",
                    code="invalid", params={"msg": exc.msg, "line": exc.lineno, "col": exc.colno, "value": value},
                ) from exc
        else:
            parsed = value
        if parsed is None:
            return copy.deepcopy(self.empty_json)
        found = check_value(parsed)
        if found:
            where = "" if found[0] == "non_field_errors" else f" (at {found[0]})"
            raise ValidationError(f"{found[1]}{where}", code="invalid")
        if self.expected_type is not None and not isinstance(parsed, self.expected_type):
            raise ValidationError(f"Must be {_TYPE_NAMES[self.expected_type]}.", code="invalid_type")
        return parsed

    def validate(self, value):
        # {} and [] are legitimate values, not "empty" (forms.Field would call them missing).
        if value is None and self.required:
            raise ValidationError(self.error_messages["required"], code="required")

    def has_changed(self, initial, data):
        try:
            return super().has_changed(initial, data)
        except ValidationError:
            return True

    def prepare_value(self, value):
        if isinstance(value, InvalidJSONInput):
            return value
        if value is None:
            return ""
        if too_deep(value):  # a row stored before the limit: never recurse over it, ask for a new value
            return TOO_DEEP
        return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False, cls=self.encoder)


class JSONSchemaField(JSONEditorField):
    """A JSON Schema document (Draft 2020-12 unless its `$schema` says otherwise)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", "A JSON Schema (Draft 2020-12 by default); checked before saving.")
        super().__init__(**kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return value
        if not isinstance(value, (dict, bool)):
            raise ValidationError("A JSON Schema must be an object (or true/false).", code="invalid_schema")
        validator = jsonschema.validators.validator_for(value, default=jsonschema.Draft202012Validator)
        try:
            validator.check_schema(value)
        except jsonschema.SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(root)"
            raise ValidationError(f"Not a valid JSON Schema at {where}: {exc.message}", code="invalid_schema") from exc
        return value


class SecretField:
    """Marker: a write-only field. Never rendered with its value; blank keeps the stored one."""


class SecretTextField(SecretField, forms.CharField):
    def __init__(self, **kwargs):
        kwargs.update(required=False, strip=False, widget=forms.PasswordInput(render_value=False))
        super().__init__(**kwargs)


class SecretTextarea(JSONTextarea):
    def format_value(self, value):
        return ""


class SecretJSONField(SecretField, JSONEditorField):
    widget = SecretTextarea

    def __init__(self, **kwargs):
        kwargs.update(required=False, empty_value=None)
        super().__init__(**kwargs)

    def prepare_value(self, value):
        return ""


class OpsAdminForm(forms.ModelForm):
    """Base form of every ops admin.

    - `loaded_version` carries the row's `version` as it was when the page was
      loaded; the save is guarded by it (see base.OpsModelAdmin.save_model).
    - Secret fields start empty; left blank, they keep the stored value.
    """

    loaded_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and isinstance(self.instance, VersionedModel):
            self.fields["loaded_version"].initial = self.instance.version
        for name, field in self.fields.items():
            if isinstance(field, SecretField):
                is_set = self.instance.pk is not None and getattr(self.instance, name, None) not in (None, "", {}, [])
                state = "Currently set (never shown). Leave blank to keep it." if is_set else "Not set."
                field.help_text = f"{field.help_text} {state}".strip()

    def _post_clean(self):
        if self.instance.pk is not None:
            for name, field in self.fields.items():
                if isinstance(field, SecretField) and self.cleaned_data.get(name) in (None, ""):
                    self.cleaned_data[name] = getattr(self.instance, name)
        super()._post_clean()
