"""Every model has a factory, and every factory makes a valid, consistent object."""

import phonenumbers
import pytest
from django.apps import apps
from factory.django import DjangoModelFactory

from accounts.models import User
from automation.schemas import validate_json_schema

from . import factories

APPS = ("accounts", "agents", "telephony", "analytics", "automation", "security_app")
# Unmanaged models are read-only rollups (views or refreshed tables): nothing to build.
MODELS = [model for label in APPS for model in apps.get_app_config(label).get_models() if model._meta.managed]
FACTORIES = sorted(
    (
        value for value in vars(factories).values()
        if isinstance(value, type) and issubclass(value, DjangoModelFactory) and not value._meta.abstract
    ),
    key=lambda factory_class: factory_class.__name__,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Argon2 costs ~0.15 s a hash; these tests create dozens of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def test_every_model_has_exactly_one_factory():
    assert len(FACTORIES) == len(MODELS)
    assert {factory_class._meta.model for factory_class in FACTORIES} == set(MODELS)


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda factory_class: factory_class.__name__)
def test_factory_makes_a_valid_object(factory_class):
    instance = factory_class()
    instance.refresh_from_db()
    instance.full_clean()
    assert_consistent(instance)


def assert_consistent(instance):
    """The organization/tenant/agent/workflow a record points at all belong together."""
    organization_id = getattr(instance, "organization_id", None)
    tenant = getattr(instance, "tenant", None)
    if tenant is not None:
        assert tenant.organization_id == organization_id
    for field in instance._meta.concrete_fields:
        related = getattr(instance, field.name) if field.is_relation else None
        if related is None:
            continue
        if isinstance(related, User) and organization_id:
            assert related.organization_id == organization_id, f"{field.name} is from another organization"
        elif getattr(related, "tenant_id", None) and tenant is not None:
            assert related.tenant_id == tenant.id, f"{field.name} is from another tenant"
    for child, parent in (("agent_version", "agent"), ("workflow_version", "workflow")):
        version = getattr(instance, child, None)
        if version is not None and hasattr(instance, f"{parent}_id"):
            assert getattr(version, f"{parent}_id") == getattr(instance, f"{parent}_id")


def test_users_get_a_usable_password():
    user = factories.UserFactory()
    assert user.check_password(factories.DEFAULT_PASSWORD)
    assert factories.UserFactory(password="another secret").check_password("another secret")


def test_ops_traits_make_back_office_users():
    assert factories.UserFactory(ops_superuser=True).is_superuser
    staff = factories.UserFactory(ops_staff=True)
    assert staff.is_staff and not staff.is_superuser


def test_phone_numbers_are_valid_and_unique():
    numbers = [factories.PhoneNumberFactory(tenant=factories.TenantFactory()) for _ in range(3)]
    assert len({number.number for number in numbers}) == 3
    for number in numbers:
        assert phonenumbers.is_valid_number(phonenumbers.parse(number.number))


@pytest.mark.parametrize("factory_class", [factories.ToolFactory, factories.ToolVersionFactory])
def test_tool_schemas_are_json_schemas(factory_class):
    tool = factory_class()
    validate_json_schema(tool.input_schema, "input_schema")
    validate_json_schema(tool.output_schema, "output_schema")


def test_children_follow_their_parent():
    node = factories.NodeExecutionFactory()
    assert node.node.workflow_version == node.execution_log.workflow_version
    connection = factories.WorkflowConnectionFactory()
    version = connection.workflow_version
    assert connection.source_node.workflow_version == connection.target_node.workflow_version == version
    call = factories.CallFactory()
    assert call.agent == call.phone_number.agent == call.agent_version.agent
    assert call.tenant == call.phone_number.tenant == call.agent.tenant


def test_versions_are_drafts_unless_published():
    agent = factories.AgentFactory()
    drafts = factories.AgentVersionFactory.create_batch(2, agent=agent)
    published = factories.AgentVersionFactory(agent=agent, published=True)
    assert [v.is_published for v in drafts] == [False, False] and published.is_published
    call = factories.CallFactory(phone_number__agent=agent, phone_number__tenant=agent.tenant)
    assert call.agent_version == published
