"""No encrypted column renders its plaintext in the ops console, for any permission level (issue 9, #1).

Every encrypted field of every model x {superuser, change-only staff, view-only staff} x {change page,
changelist}: the page answers and the secret's text appears nowhere in it.
"""

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from accounts.models import Organization, Role
from aybiza.core.db.fields import encrypted_fields
from tests import factories as f

MARK = "S3CRET-PLAINTEXT-MARK"


def _sip_trunk():
    return f.SipTrunkFactory(credentials={"username": "u", "password": MARK})


def _porting():
    return f.PortingRequestFactory(pin_password=MARK)


def _tool():
    return f.ToolFactory(auth_config={"api_key": MARK})


def _tool_version(published=False):
    version = f.ToolVersionFactory(tool=f.ToolFactory(), auth_config={"token": MARK})
    if published:
        type(version).objects.filter(pk=version.pk).update(status="published", is_published=True)
        version.refresh_from_db()
    return version


def _user():
    user = f.UserFactory(ops_superuser=True, email="mfa@aybiza.example")
    type(user).objects.filter(pk=user.pk).update(mfa_secret=MARK, recovery_codes=[MARK], mfa_enabled=True)
    return user


def _webhook_endpoint():
    return f.WebhookEndpointFactory(secret=MARK)


ROWS = {
    "telephony.siptrunk": _sip_trunk,
    "security_app.webhookendpoint": _webhook_endpoint,
    "telephony.portingrequest": _porting,
    "automation.tool": _tool,
    "automation.toolversion": _tool_version,
    "automation.toolversion (published)": lambda: _tool_version(published=True),
    "accounts.user": _user,
}


def test_every_encrypted_field_is_covered():
    covered = {label.split(" ")[0] for label in ROWS}
    with_secrets = {m._meta.label_lower for m in apps.get_models() if encrypted_fields(m)}
    assert with_secrets <= covered


def _staff(label: str, level: str) -> Client:
    app, model = label.split(" ")[0].split(".")
    if level == "superuser":
        user = f.UserFactory(ops_superuser=True, email=f"root-{model}@aybiza.example")
    else:
        perms = [f"{app}.{'change' if level == 'change-only' else 'view'}_{model}"]
        organization = Organization.objects.platform()
        role = Role.objects.create(organization=organization, name=f"{level} {model}", scope="organization",
                                   permissions={"backoffice": {"staff": True, "superuser": False, "permissions": perms}})
        user = f.UserFactory(tenant=None, organization=organization, role=role, email=f"{level}-{model}@aybiza.example")
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("level", ["superuser", "change-only", "view-only"])
@pytest.mark.parametrize("label", list(ROWS))
def test_no_page_shows_a_secret(db, label, level):
    row = ROWS[label]()
    app, model = label.split(" ")[0].split(".")
    client = _staff(label, level)
    change = client.get(reverse(f"admin:{app}_{model}_change", args=[row.pk]))
    assert change.status_code == 200, (label, level, change.status_code)
    assert MARK not in change.content.decode()
    listing = client.get(reverse(f"admin:{app}_{model}_changelist"))
    assert listing.status_code == 200
    assert MARK not in listing.content.decode()
    history = client.get(reverse(f"admin:{app}_{model}_history", args=[row.pk]))
    assert MARK not in history.content.decode()


def test_view_only_staff_see_that_a_secret_is_set(db):
    row = _porting()
    text = _staff("telephony.portingrequest", "view-only").get(
        reverse("admin:telephony_portingrequest_change", args=[row.pk])).content.decode()
    assert "(set; encrypted, never shown)" in text
