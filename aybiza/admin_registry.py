"""A plain, safe admin registration for every model of an app.

The ops console proper (issue 4) replaces these with admins made for work.
Until then each model gets: raw-id widgets for foreign keys (no select box
listing a million rows) and no encrypted column shown back.
"""

from django.apps import apps
from django.contrib import admin
from django.db import models

from aybiza.db.fields import encrypted_fields


def plain_admin_for(model) -> type[admin.ModelAdmin]:
    foreign_keys = tuple(f.name for f in model._meta.concrete_fields if isinstance(f, models.ForeignKey))
    # Secrets and the password hash are never shown back.
    secrets = tuple(f.name for f in encrypted_fields(model)) + (("password",) if hasattr(model, "USERNAME_FIELD") else ())
    return type(
        f"{model.__name__}Admin",
        (admin.ModelAdmin,),
        {"raw_id_fields": foreign_keys, "exclude": secrets, "show_full_result_count": False},
    )


def register_app_models(app_label: str, *, skip: tuple[str, ...] = ()) -> None:
    for model in apps.get_app_config(app_label).get_models():
        if model._meta.managed and model.__name__ not in skip and not admin.site.is_registered(model):
            admin.site.register(model, plain_admin_for(model))
