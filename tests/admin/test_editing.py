"""Editing through the admin: who changed it, version conflicts, JSON and JSON Schema checks, secrets."""

import json

from django.contrib.admin.utils import quote
from django.forms.models import model_to_dict
from django.urls import reverse

from tests import factories as f


def change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[quote(obj.pk)])


def form_data(response):
    """The change form's initial data, as a browser would post it back."""
    form = response.context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if value is None:
            continue
        data[name] = value
    for inline in response.context.get("inline_admin_formsets", []):
        management = inline.formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management[name].value()
    return {k: ("" if v is None else v) for k, v in data.items()}


def tenant_post(client, tenant, **changes):
    response = client.get(change_url(tenant))
    data = form_data(response)
    data.update(changes)
    return client.post(change_url(tenant), data)


def test_updated_by_is_the_logged_in_user(admin_client, ops_superuser):
    tenant = f.TenantFactory()
    response = tenant_post(admin_client, tenant, name="Renamed")
    assert response.status_code == 302, response.context["adminform"].form.errors
    tenant.refresh_from_db()
    assert tenant.name == "Renamed" and tenant.updated_by == ops_superuser and tenant.version == 2


def test_version_conflict_keeps_the_other_change(admin_client):
    tenant = f.TenantFactory(name="Original")
    data = form_data(admin_client.get(change_url(tenant)))  # loaded at version 1
    other = type(tenant).objects.get(pk=tenant.pk)
    other.name = "Saved by someone else"
    other.save()  # version 2
    response = admin_client.post(change_url(tenant), {**data, "name": "Mine"}, follow=True)
    assert "was changed by someone else" in response.content.decode()
    tenant.refresh_from_db()
    assert tenant.name == "Saved by someone else" and tenant.version == 2


def test_invalid_json_and_wrong_shape_are_refused(admin_client):
    tenant = f.TenantFactory()
    response = tenant_post(admin_client, tenant, features='{"a": 1,}')
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["features"][0]
    assert errors.startswith("Invalid JSON:") and "line 1" in errors
    response = tenant_post(admin_client, tenant, features="[1, 2]")
    assert response.context["adminform"].form.errors["features"] == ["Must be a JSON object ({...})."]


def test_tool_schema_must_be_a_json_schema(admin_client):
    tool = f.ToolFactory()
    data = form_data(admin_client.get(change_url(tool)))
    response = admin_client.post(change_url(tool), {**data, "input_schema": '{"type": "no-such-type"}'})
    assert response.status_code == 200
    assert "Not a valid JSON Schema" in response.context["adminform"].form.errors["input_schema"][0]
    good = {"type": "object", "properties": {"q": {"type": "string"}}}
    response = admin_client.post(change_url(tool), {**data, "input_schema": json.dumps(good)})
    assert response.status_code == 302, response.context["adminform"].form.errors
    tool.refresh_from_db()
    assert tool.input_schema == good


def test_secrets_are_never_shown_and_blank_keeps_them(admin_client):
    trunk = f.SipTrunkFactory()
    porting = f.PortingRequestFactory(pin_password="482913")
    html = admin_client.get(change_url(trunk)).content.decode()
    assert "trunk-secret-123" not in html and "Currently set" in html
    html = admin_client.get(change_url(porting)).content.decode()
    assert "482913" not in html
    data = form_data(admin_client.get(change_url(trunk)))
    response = admin_client.post(change_url(trunk), {**data, "credentials": "", "name": "Renamed trunk"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    trunk.refresh_from_db()
    assert trunk.name == "Renamed trunk" and trunk.credentials["password"] == "trunk-secret-123"
    response = admin_client.post(change_url(trunk), {**data, "credentials": '{"username": "u", "password": "new"}'})
    trunk.refresh_from_db()
    assert trunk.credentials == {"username": "u", "password": "new"}


def test_user_secrets_and_password_hash_are_not_in_the_page(admin_client):
    user = f.UserFactory(ops_staff=True)
    user.mfa_secret = "JBSWY3DPEHPK3PXP"
    user.save()
    html = admin_client.get(change_url(user)).content.decode()
    assert "JBSWY3DPEHPK3PXP" not in html and user.password not in html


def test_api_key_is_shown_once_and_only_its_hash_is_stored(admin_client):
    org = f.OrganizationFactory()
    response = admin_client.post(reverse("admin:security_app_apikey_add"), {
        "name": "CI key", "organization": org.pk, "permissions": '{"calls": ["read"]}', "rate_limit": "{}",
        "ip_whitelist": "[]",
    }, follow=True)
    text = response.content.decode()
    assert "shown only now" in text
    key = text.split("copy it): ")[1].split("<")[0].strip()
    row = org.api_keys.get()
    assert key not in admin_client.get(change_url(row)).content.decode()
    from security_app.services.api_keys import hash_key

    assert row.key_hash == hash_key(key)


def test_inline_nodes_take_the_versions_workflow(admin_client, ops_superuser):
    version = f.WorkflowVersionFactory()
    response = admin_client.get(change_url(version))
    data = form_data(response)
    data.update({
        "nodes-TOTAL_FORMS": "1", "nodes-INITIAL_FORMS": "0", "nodes-MIN_NUM_FORMS": "0", "nodes-MAX_NUM_FORMS": "1000",
        "nodes-0-name": "Look up the caller", "nodes-0-node_type": "tool", "nodes-0-config": "{}",
        "nodes-0-position_x": "0", "nodes-0-position_y": "0", "nodes-0-timeout_ms": "30000",
        "nodes-0-retry_count": "0", "nodes-0-retry_delay_ms": "1000",
        "connections-TOTAL_FORMS": "0", "connections-INITIAL_FORMS": "0", "connections-MIN_NUM_FORMS": "0",
        "connections-MAX_NUM_FORMS": "1000",
    })
    response = admin_client.post(change_url(version), data)
    assert response.status_code == 302, (response.context["adminform"].form.errors,
                                          [fs.formset.errors for fs in response.context["inline_admin_formsets"]])
    node = version.nodes.get()
    assert node.workflow_id == version.workflow_id and node.created_by == ops_superuser
