"""Every registered model: changelist, add and change pages answer for an ops superuser.

Generated from admin.site._registry, so a model registered without a
factory (and so without a case here) fails the suite.
"""

import pytest
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets, quote
from django.test import RequestFactory
from django.urls import reverse

from aybiza.admin.base import TimeSeriesAdmin
from aybiza.core.db.fields import encrypted_fields
from tests import factories

# procrastinate's job queue has its own admin test (tests/jobs/test_jobs.py): its rows come from the queue.
REGISTERED = sorted(((m, a) for m, a in admin.site._registry.items() if m._meta.app_label != "procrastinate"),
                    key=lambda item: item[0]._meta.label)
ALERTING = {"security_app.WebhookEndpoint", "security_app.AlertRule", "security_app.Alert",
            "security_app.AlertNotification", "security_app.AlertDelivery"}  # ours, not the spec's
IDS = [model._meta.label for model, _ in REGISTERED]


def make(model):
    factory_class = getattr(factories, f"{model.__name__}Factory", None)
    assert factory_class is not None, f"tests/factories.py has no {model.__name__}Factory for the admin test"
    return factory_class()


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


# The spec's thirty tables, plus our extensions (docs/decisions.md).
EXTENSIONS = {"telephony.SipTrunkHealthCheck", "telephony.PhoneNumberHealthPeriod", "security_app.DataSubjectRequest"}


def test_all_thirty_models_are_registered():
    labels = {model._meta.label for model, _ in REGISTERED}
    assert EXTENSIONS | ALERTING <= labels
    assert len(labels - EXTENSIONS - ALERTING) == 30, sorted(labels)


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_changelist_add_and_change_pages(admin_client, ops_superuser, model, model_admin):
    obj = make(model)
    query = "?period=all" if isinstance(model_admin, TimeSeriesAdmin) else ""
    response = admin_client.get(url(model, "changelist") + query)
    assert response.status_code == 200
    assert str(obj.pk) in response.content.decode() or model_admin.list_display_links == ()

    request = RequestFactory().get("/")
    request.user = ops_superuser
    response = admin_client.get(url(model, "add"))
    assert response.status_code == (200 if model_admin.has_add_permission(request) else 403)

    response = admin_client.get(url(model, "change", quote(obj.pk)))
    assert response.status_code == 200, response.content[:2000]


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_every_column_is_shown_or_secret(ops_superuser, model, model_admin):
    """Fieldsets cover the spec's columns; only secrets and the password hash are left out."""
    obj = make(model)
    request = RequestFactory().get("/")
    request.user = ops_superuser
    shown = set(flatten_fieldsets(model_admin.get_fieldsets(request, obj)))
    secrets = {f.name for f in encrypted_fields(model)} | {"password", "key_hash"}
    missing = {f.name for f in model._meta.concrete_fields} - shown - secrets
    assert not missing, f"{model._meta.label}: columns not in any fieldset: {sorted(missing)}"
