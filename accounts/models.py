"""Models of the accounts app: one class per spec table, in the spec's schema."""


from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import _user_get_permissions, _user_has_module_perms, _user_has_perm
from django.db import models
from django.db.models import Q
from django.utils import timezone

from aybiza.core.db.columns import (
    choice, choices_check, created_at, fk, flag, integer, jsonb, lock_version, now_default,
    optional_datetime, optional_text, optional_varchar, table, unique, updated_at, uuid_pk, varchar,
)
from aybiza.core.db.consistency import ConsistencyMixin
from aybiza.core.db.fields import EncryptedJSONField, EncryptedTextField
from aybiza.core.db.locking import VersionedModel
from aybiza.core.ownership import Owner

from .roles import role_grants
from .choices import ComplianceStatus, OrganizationStatus, RoleScope, TenantBillingCycle, TenantPlanTier, TenantStatus


OPS_SUPERUSER_ROLE = "Platform superuser"
OPS_STAFF_ROLE = "Platform operator"


class OrganizationManager(models.Manager):
    def platform(self) -> "Organization":
        """The organization whose users are the platform's ops staff (made on first use)."""
        organization, _ = self.get_or_create(
            slug=settings.PLATFORM_ORGANIZATION_SLUG,
            defaults={"name": "AYBIZA Platform Operations", "status": "active", "compliance_status": "verified"},
        )
        return organization


class RoleManager(models.Manager):
    def ops_role(self, *, superuser: bool) -> "Role":
        """The platform organization's back-office role (made on first use)."""
        organization = Organization.objects.platform()
        role, _ = self.get_or_create(
            organization=organization,
            name=OPS_SUPERUSER_ROLE if superuser else OPS_STAFF_ROLE,
            defaults={
                "description": "Back-office access" + (" with every permission." if superuser else "."),
                "permissions": {"backoffice": {"staff": True, "superuser": superuser, "permissions": []}},
                "is_system_role": True,
                "scope": "organization",
            },
        )
        return role


class Organization(VersionedModel):
    objects = OrganizationManager()

    id = uuid_pk()
    name = models.CharField(max_length=255)
    slug = models.CharField(max_length=100)
    settings = jsonb({})
    status = choice(OrganizationStatus, default=OrganizationStatus.ACTIVE)
    created_at = created_at()
    updated_at = updated_at()
    created_by = fk('User', on_delete=models.PROTECT, null=True)
    updated_by = fk('User', on_delete=models.PROTECT, null=True)
    version = lock_version()
    business_type = optional_varchar(100)
    registration_number = optional_varchar(100)
    tax_id = optional_varchar(100)
    address_line1 = optional_varchar(255)
    address_line2 = optional_varchar(255)
    city = optional_varchar(100)
    state = optional_varchar(100)
    postal_code = optional_varchar(20)
    country = optional_varchar(100)
    phone_number = optional_varchar(20)
    website = optional_varchar(255)
    industry = optional_varchar(100)
    compliance_status = choice(ComplianceStatus, default=ComplianceStatus.PENDING)
    compliance_verified_at = optional_datetime()
    compliance_documents = jsonb({})
    edge_regions = jsonb(['us-east-1', 'eu-west-1'])
    data_residency_region = varchar(50, default='us-east-1')
    hybrid_config = jsonb({})

    owner = Owner(tenant=None, organization="id")

    class Meta:
        db_table = table('agent_manager', 'organizations')
        constraints = [
            unique('organizations', 'slug', name='idx_organizations_slug'),
            choices_check('organizations', 'status', OrganizationStatus),
            choices_check('organizations', 'compliance_status', ComplianceStatus),
        ]
        indexes = [
            models.Index(fields=['status', '-created_at'], name='idx_organizations_status_created'),
            models.Index(fields=['compliance_status', 'compliance_verified_at'], name='idx_organizations_compliance'),
        ]
        permissions = [('verify_organization_compliance', 'Can verify, reject and expire organization compliance')]

    def __str__(self):
        return self.name


class Tenant(VersionedModel):
    id = uuid_pk()
    organization = fk('Organization', on_delete=models.CASCADE, related_name='tenants')
    name = models.CharField(max_length=255)
    slug = models.CharField(max_length=100)
    subdomain = models.CharField(max_length=255)
    settings = jsonb({})
    plan_tier = choice(TenantPlanTier, default=TenantPlanTier.STANDARD)
    max_agents = integer(5)
    max_concurrent_calls = integer(10)
    max_phone_numbers = integer(1)
    features = jsonb({})
    created_at = created_at()
    updated_at = updated_at()
    created_by = fk('User', on_delete=models.PROTECT, null=True)
    updated_by = fk('User', on_delete=models.PROTECT, null=True)
    version = lock_version()
    status = choice(TenantStatus, default=TenantStatus.ACTIVE)
    trial_ends_at = optional_datetime()
    billing_cycle = choice(TenantBillingCycle, default=TenantBillingCycle.MONTHLY, max_length=20)

    owner = Owner(tenant="id")

    class Meta:
        db_table = table('agent_manager', 'tenants')
        constraints = [
            unique('tenants', 'slug'),
            unique('tenants', 'subdomain', name='idx_tenants_subdomain'),
            choices_check('tenants', 'plan_tier', TenantPlanTier),
            choices_check('tenants', 'status', TenantStatus),
            choices_check('tenants', 'billing_cycle', TenantBillingCycle),
        ]
        indexes = [
            models.Index(fields=['organization', 'status'], name='idx_tenants_org_status'),
            models.Index(fields=['plan_tier', 'status'], name='idx_tenants_plan_tier'),
        ]

    def __str__(self):
        return self.name


class Role(VersionedModel):
    objects = RoleManager()

    id = uuid_pk()
    organization = fk('Organization', on_delete=models.CASCADE, related_name='roles')
    name = models.CharField(max_length=100)
    description = optional_text()
    permissions = jsonb({}, null=False)
    created_at = created_at()
    updated_at = updated_at()
    created_by = fk('User', on_delete=models.PROTECT, null=True)
    updated_by = fk('User', on_delete=models.PROTECT, null=True)
    version = lock_version()
    is_system_role = flag(False)
    scope = choice(RoleScope, default=RoleScope.TENANT)

    owner = Owner(tenant=None)

    class Meta:
        db_table = table('agent_manager', 'roles')
        constraints = [
            choices_check('roles', 'scope', RoleScope),
            unique('roles', 'organization', 'name'),
        ]

    def __str__(self):
        return self.name


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **fields):
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        """Used by `createsuperuser`: an ops superuser of the platform organization."""
        return self.create_ops_user(email, password, full_name=fields.get("full_name", email), superuser=True)

    def create_ops_user(self, email, password, *, full_name: str, superuser: bool = False):
        """An ops staff member: a user of the platform organization with its back-office role."""
        role = Role.objects.ops_role(superuser=superuser)
        return self.create_user(email, password, full_name=full_name, organization=role.organization, role=role)


class User(ConsistencyMixin, VersionedModel, AbstractBaseUser):
    """A person: ops staff of the platform organization, or a tenant's user.

    The password hash lives in the spec's `encrypted_password` column. Admin
    access and Django permissions come from the user's role (see backends.py).
    """

    id = uuid_pk()
    email = models.EmailField(max_length=255)
    password = models.CharField(max_length=255, db_column="encrypted_password")
    full_name = models.CharField(max_length=255)
    organization = fk('Organization', on_delete=models.CASCADE, related_name='users')
    tenant = fk('Tenant', on_delete=models.SET_NULL, null=True, related_name='users')
    role = fk('Role', on_delete=models.PROTECT, related_name='users')
    settings = jsonb({})
    is_active = flag(True)
    last_login = optional_datetime()
    login_attempts = integer(0)
    locked_until = optional_datetime()
    created_at = created_at()
    updated_at = updated_at()
    created_by = fk('User', on_delete=models.PROTECT, null=True)
    updated_by = fk('User', on_delete=models.PROTECT, null=True)
    version = lock_version()
    position = optional_varchar(100)
    department = optional_varchar(100)
    phone_number = optional_varchar(20)
    mfa_enabled = flag(False)
    mfa_secret = EncryptedTextField(null=True, blank=True)
    recovery_codes = EncryptedJSONField(null=True, blank=True)
    password_changed_at = now_default(null=True)
    must_change_password = flag(False)

    objects = UserManager()

    same_organization = ("role",)  # and the tenant is the organization's (aybiza/core/db/consistency.py)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    owner = Owner()

    class Meta:
        db_table = table('agent_manager', 'users')
        constraints = [
            unique('users', 'email'),
            models.UniqueConstraint(fields=['email'], name='idx_users_email_active', condition=Q(is_active=True)),
        ]
        indexes = [
            models.Index(fields=['organization', 'tenant', 'is_active'], name='idx_users_org_tenant'),
            models.Index(fields=['-last_login'], name='idx_users_last_login', condition=Q(is_active=True)),
            models.Index(fields=['mfa_enabled', 'is_active'], name='idx_users_mfa_enabled'),
        ]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email

    # Admin access, derived from the role (no extra columns on the spec's table).
    @property
    def is_platform_staff_member(self) -> bool:
        return self.organization.slug == settings.PLATFORM_ORGANIZATION_SLUG

    @property
    def is_staff(self) -> bool:
        return bool(self.is_active and self.is_platform_staff_member and role_grants(self.role, "staff"))

    @property
    def is_superuser(self) -> bool:
        return bool(self.is_active and self.is_platform_staff_member and role_grants(self.role, "superuser"))

    def has_perm(self, perm, obj=None):
        return _user_has_perm(self, perm, obj)

    def has_perms(self, perm_list, obj=None):
        return all(self.has_perm(perm, obj) for perm in perm_list)

    def has_module_perms(self, app_label):
        return _user_has_module_perms(self, app_label)

    def get_all_permissions(self, obj=None):
        return _user_get_permissions(self, obj, "all")
