"""Every write the ops console can make leaves its audit row naming the staff member.

Generated from admin.site._registry: for every model, the change form (posted
back with one column edited), the delete page and the changelist's bulk
"delete selected". A model registered later is covered without a new case.
(Flows, the add forms of service-created models and the staff security actions
call services, which audit; tests/services and test_flows.py check those.)
"""

from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.db import models
from django.urls import reverse

from security_app.models import AuditLog
from tests import factories

REGISTERED = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)
IDS = [model._meta.label for model, _ in REGISTERED]


class FormFields(HTMLParser):
    """The fields a browser would submit from the page's main form (`<form id="..._form">`)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, []
        self._select = self._textarea = None
        self._text = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == self.form_id
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file", "image"):
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            self.data.append((name, a.get("value", "on" if a.get("type") == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.data.append((self._select, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            self.data.append((self._textarea, text[1:] if text.startswith("\n") else text))
            self._textarea = None


def scrape(response, form_id) -> dict:
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    data = {}
    for name, value in parser.data:
        data.setdefault(name, []).append(value)
    return data


def make(model):
    return getattr(factories, f"{model.__name__}Factory")()


def url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def editable_text_field(model, form_data) -> str | None:
    """A plain text column the change form offers, not unique and without choices."""
    for field in model._meta.concrete_fields:
        if (isinstance(field, (models.CharField, models.TextField)) and not field.unique and not field.choices
                and field.name in form_data and not field.name.endswith(("_id", "sid", "number", "email", "slug"))):
            return field.name
    return None


def new_rows(before_ids):
    return list(AuditLog.objects.exclude(pk__in=before_ids).order_by("timestamp"))


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_a_change_through_the_form_leaves_one_audit_row(admin_client, ops_superuser, model, model_admin):
    obj = make(model)
    page = admin_client.get(url(model, "change", quote(obj.pk)))
    assert page.status_code == 200
    data = scrape(page, f"{model._meta.model_name}_form")
    name = editable_text_field(model, data)
    if name is None:
        pytest.skip(f"{model._meta.label}: the form offers no free-text column to edit (read-only or choices)")
    max_length = model._meta.get_field(name).max_length or 1000
    edited = (data[name][0] + " (edited)")[-max_length:] if data[name][0] else "edited"
    data[name] = [edited]
    before = list(AuditLog.objects.values_list("pk", flat=True))

    response = admin_client.post(page.request["PATH_INFO"], {**data, "_save": "Save"})

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    rows = new_rows(before)
    # the generic path names it `<model>.update`; a model saved through its own service may name it its way
    assert [(r.action.rsplit(".", 1)[1], r.user_id, str(r.resource_id)) for r in rows] == [
        ("update", ops_superuser.pk, str(obj.pk))]
    assert rows[0].details["after"][name] == edited
    assert rows[0].details["before"][name] != edited


def _deletable(model_admin, ops_superuser, rf):
    request = rf.get("/")
    request.user = ops_superuser
    return model_admin.has_delete_permission(request)


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_a_delete_leaves_one_audit_row_or_nothing(admin_client, ops_superuser, rf, model, model_admin):
    if not _deletable(model_admin, ops_superuser, rf):
        pytest.skip(f"{model._meta.label} cannot be deleted in the console")
    obj = make(model)
    before = list(AuditLog.objects.values_list("pk", flat=True))

    response = admin_client.post(url(model, "delete", quote(obj.pk)), {"post": "yes"})

    rows = new_rows(before)
    if model._default_manager.filter(pk=obj.pk).exists():  # refused (protected rows): nothing written
        assert response.status_code == 200 and rows == []
        return
    assert response.status_code == 302
    assert [(r.action.rsplit(".", 1)[1], r.user_id, str(r.resource_id)) for r in rows] == [
        ("delete", ops_superuser.pk, str(obj.pk))]


@pytest.mark.parametrize(("model", "model_admin"), REGISTERED, ids=IDS)
def test_a_bulk_delete_leaves_one_audit_row_per_row(admin_client, ops_superuser, rf, model, model_admin):
    if not _deletable(model_admin, ops_superuser, rf) or "delete_selected" not in (model_admin.actions or ("delete_selected",)):
        pytest.skip(f"{model._meta.label} cannot be deleted in the console")
    objs = [make(model), make(model)]
    before = list(AuditLog.objects.values_list("pk", flat=True))

    admin_client.post(url(model, "changelist"), {
        "action": "delete_selected", "_selected_action": [str(o.pk) for o in objs], "post": "yes"})

    remaining = set(model._default_manager.filter(pk__in=[o.pk for o in objs]).values_list("pk", flat=True))
    rows = new_rows(before)
    gone = sorted(str(o.pk) for o in objs if o.pk not in remaining)
    assert sorted(str(r.resource_id) for r in rows) == gone
    assert {(r.action.rsplit(".", 1)[1], r.user_id) for r in rows} <= {("delete", ops_superuser.pk)}
