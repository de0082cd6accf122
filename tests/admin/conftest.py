"""Fixtures of the ops console tests: an ops superuser, a permission-less ops
operator, a tenant user (who must never get in), and logged-in clients."""

import pytest
from django.test import Client

from tests import factories as f

PASSWORD = f.DEFAULT_PASSWORD


@pytest.fixture
def ops_superuser(db):
    return f.UserFactory(ops_superuser=True, email="root@aybiza.example", full_name="Ops Root")


@pytest.fixture
def ops_operator(db):
    """Platform staff with back-office access but no custom permission."""
    from accounts.models import Role
    from accounts.models import Organization

    organization = Organization.objects.platform()
    role = Role.objects.create(
        organization=organization, name="Viewer", scope="organization",
        permissions={"backoffice": {"staff": True, "superuser": False, "permissions": [
            f"{app}.view_{model}" for app, model in VIEWABLE]}},
    )
    return f.UserFactory(tenant=None, organization=organization, role=role, email="viewer@aybiza.example")


VIEWABLE = [
    ("telephony", "portingrequest"), ("telephony", "phonenumberreservation"), ("accounts", "organization"),
    ("agents", "agentversion"), ("automation", "workflowversion"), ("automation", "toolversion"),
    ("security_app", "securityevent"), ("security_app", "promptinjectionattempt"),
    ("security_app", "voicesecurityevent"), ("security_app", "apikey"), ("agents", "agent"),
    ("telephony", "phonenumber"), ("telephony", "siptrunk"),
]


@pytest.fixture
def tenant_user(db):
    """A tenant organization's user whose role claims back-office superuser: still no admin."""
    user = f.UserFactory(email="owner@tenant.example")
    user.role.permissions = {"backoffice": {"staff": True, "superuser": True, "permissions": []}}
    user.role.save()
    return user


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def admin_client(ops_superuser):
    return logged_in(ops_superuser)


@pytest.fixture
def operator_client(ops_operator):
    return logged_in(ops_operator)
