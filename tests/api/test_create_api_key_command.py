"""manage.py create_api_key: prints a working key once; refuses bad input without creating anything."""

import io

import pytest
from django.core.management import CommandError, call_command

from security_app.services.api_keys import hash_key
from security_app.models import ApiKey
from tests import factories as f


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("create_api_key", *args, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


@pytest.mark.django_db
def test_creates_a_tenant_key_with_the_given_scopes(client):
    tenant = f.TenantFactory()
    user = f.UserFactory(organization=tenant.organization)
    key, message = run("--organization", tenant.organization.slug, "--tenant", tenant.slug, "--name", "ci",
                       "--created-by", user.email, "--scope", "calls:read", "--scope", "agents:write")
    row = ApiKey.objects.get(key_hash=hash_key(key))
    assert (row.tenant_id, row.organization_id, row.created_by_id) == (tenant.pk, tenant.organization_id, user.pk)
    assert row.permissions == {"calls": ["read"], "agents": ["write"]}
    assert key.startswith("ayb_") and key not in message
    response = client.get("/api/v1/calls/", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("bad", [["--scope", "calls:delete"], ["--scope", "nonsense:read"], ["--tenant", "nope"]])
def test_refuses_bad_input_and_creates_nothing(bad):
    tenant = f.TenantFactory()
    user = f.UserFactory(organization=tenant.organization)
    with pytest.raises(CommandError):
        run("--organization", tenant.organization.slug, "--name", "x", "--created-by", user.email, *bad)
    assert ApiKey.objects.count() == 0
