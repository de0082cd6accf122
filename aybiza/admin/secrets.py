"""Encrypted columns never render their plaintext in the ops console, whoever looks
(and a JSON value nested too deeply is never rendered: it would recurse).

Editing an encrypted column uses a write-only form field (forms.SecretTextField
/ SecretJSONField), but Django renders a field WITHOUT a form field (the
read-only display of a change page for view-only staff, `readonly_fields`,
`list_display`) through `display_for_field`, which would show the decrypted
value. `install()` (OpsAdminConfig.ready) wraps that function where the
admin uses it, so an EncryptedTextField/EncryptedJSONField shows only
whether a value is set, for every page, model and permission level.
"""

from django.contrib.admin import helpers
from django.contrib.admin.templatetags import admin_list

from django.db import models

from aybiza.core.db.fields import EncryptedJSONField, EncryptedTextField
from aybiza.core.json_limits import too_deep

TOO_DEEP_DISPLAY = "(JSON nested too deeply to show)"

MASK = "•••••• (set; encrypted, never shown)"


def masked(value, empty_value_display) -> str:
    return empty_value_display if value in (None, "", {}, []) else MASK


def _guard(display_for_field):
    if getattr(display_for_field, "aybiza_masks_secrets", False):
        return display_for_field

    def display(value, field, empty_value_display, *args, **kwargs):
        if isinstance(field, (EncryptedTextField, EncryptedJSONField)):
            return masked(value, empty_value_display)
        if isinstance(field, models.JSONField) and too_deep(value):
            return TOO_DEEP_DISPLAY  # json.dumps would recurse over it
        return display_for_field(value, field, empty_value_display, *args, **kwargs)

    display.aybiza_masks_secrets = True
    return display


def install() -> None:
    helpers.display_for_field = _guard(helpers.display_for_field)
    admin_list.display_for_field = _guard(admin_list.display_for_field)
