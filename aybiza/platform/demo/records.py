"""Get-or-create for the demo's fixed records, validated like a form would.

The fixed part of the demo (organizations, users, agents, numbers, ...) is
looked up by a natural key so a second run finds it instead of duplicating
it. New records go through `full_clean()` first: demo data that the admin
would refuse to save is a bug in the demo.
"""

from django.db import models


def get_or_create(model: type[models.Model], lookup: dict, defaults: dict | None = None):
    """(instance, created) for the record matching `lookup`, creating it from lookup + defaults."""
    instance = model.objects.filter(**lookup).first()
    if instance is not None:
        return instance, False
    instance = model(**{**(defaults or {}), **lookup})
    instance.full_clean()
    instance.save(force_insert=True)
    return instance, True


def create(model: type[models.Model], **values) -> models.Model:
    """A validated new record (children created once, together with their parent)."""
    instance = model(**values)
    instance.full_clean()
    instance.save(force_insert=True)
    return instance
