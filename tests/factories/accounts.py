"""factory_boy factories for the accounts app's models (tests/factories/__init__.py has the rules)."""

import factory
from factory.django import DjangoModelFactory

from accounts.models import Organization, Role, Tenant, User

from .common import DEFAULT_PASSWORD


class OrganizationFactory(DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Organization {n}")
    slug = factory.Sequence(lambda n: f"organization-{n}")
    status = "active"
    country = "US"


class TenantFactory(DjangoModelFactory):
    class Meta:
        model = Tenant

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")
    subdomain = factory.Sequence(lambda n: f"tenant-{n}")
    plan_tier = "standard"
    status = "active"


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = Role

    organization = factory.SubFactory(OrganizationFactory)
    name = factory.Sequence(lambda n: f"Role {n}")
    description = "A role for tests."
    permissions = factory.LazyFunction(lambda: {"agents": ["view"], "calls": ["view"]})
    scope = "tenant"


class UserFactory(DjangoModelFactory):
    """A tenant user by default; `tenant=None` makes an organization-level user.

    Traits: `ops_staff=True` / `ops_superuser=True` make a platform ops user
    (the back-office's staff). The password is DEFAULT_PASSWORD unless given.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    class Params:
        ops_staff = factory.Trait(
            tenant=None, role=factory.LazyFunction(lambda: Role.objects.ops_role(superuser=False)),
            organization=factory.SelfAttribute("role.organization"),
        )
        ops_superuser = factory.Trait(
            tenant=None, role=factory.LazyFunction(lambda: Role.objects.ops_role(superuser=True)),
            organization=factory.SelfAttribute("role.organization"),
        )

    tenant = factory.SubFactory(TenantFactory)
    organization = factory.Maybe(
        "tenant",
        yes_declaration=factory.SelfAttribute("tenant.organization"),
        no_declaration=factory.SubFactory(OrganizationFactory),
    )
    role = factory.SubFactory(RoleFactory, organization=factory.SelfAttribute("..organization"))
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"Test User {n}")

    @factory.post_generation
    def password(user, create, extracted, **kwargs):
        user.set_password(DEFAULT_PASSWORD if extracted is None else extracted)
        if create:
            user.save(update_fields=["password", "password_changed_at"])


class TenantScopedFactory(DjangoModelFactory):
    """Base of the factories for records owned by a tenant (and made by one of its users)."""

    class Meta:
        abstract = True

    tenant = factory.SubFactory(TenantFactory)
    organization = factory.SelfAttribute("tenant.organization")
    created_by = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..tenant"))
