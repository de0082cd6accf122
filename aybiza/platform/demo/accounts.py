"""Demo organizations, tenants, roles and users (the fixed part, found by slug/email).

Three customer organizations in three industries, each with tenants on
different plans and in different states, the four standard roles and one
user per role. Tenant users get no usable password: only the platform's ops
staff sign in to the back-office.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.auth.hashers import make_password

from accounts.models import Organization, Role, Tenant, User
from accounts.services import ops_user_create

from . import fake
from .records import get_or_create

ADMIN_EMAIL = "admin@aybiza.local"
DEFAULT_ADMIN_PASSWORD = "aybiza-admin-demo"
OPS_OPERATOR_EMAIL = "operator@aybiza.local"


@dataclass(frozen=True)
class TenantSpec:
    slug: str
    name: str
    plan_tier: str
    status: str
    call_weight: float
    billing_cycle: str = "monthly"


@dataclass(frozen=True)
class OrganizationSpec:
    slug: str
    name: str
    scenario: str
    industry: str
    business_type: str
    country: str
    city: str
    state: str
    postal_code: str
    aws_region: str
    edge_regions: tuple[str, ...]
    language: str
    compliance_status: str
    tenants: tuple[TenantSpec, ...]

    @property
    def domain(self) -> str:
        return f"{self.slug}.example"


ORGANIZATIONS = (
    OrganizationSpec(
        "northwind-health", "Northwind Health Group", "healthcare", "Healthcare", "Healthcare provider",
        "US", "Boston", "MA", "02110", "us-east-1", ("IAD", "EWR", "BOS"), "en-US", "verified",
        (
            TenantSpec("northwind-primary-care", "Northwind Primary Care", "enterprise", "active", 5, "yearly"),
            TenantSpec("northwind-dental", "Northwind Dental", "premium", "active", 3),
            TenantSpec("northwind-pharmacy", "Northwind Pharmacy", "starter", "trial", 1),
        ),
    ),
    OrganizationSpec(
        "bluebird-insurance", "Bluebird Mutual Insurance", "insurance", "Insurance", "Insurance carrier",
        "US", "Chicago", "IL", "60601", "us-east-2", ("ORD", "DFW"), "en-US", "pending",
        (
            TenantSpec("bluebird-claims", "Bluebird Claims", "enterprise", "active", 4, "yearly"),
            TenantSpec("bluebird-policy-services", "Bluebird Policy Services", "standard", "active", 2),
            TenantSpec("bluebird-quotes", "Bluebird Quotes", "standard", "suspended", 0.3),
        ),
    ),
    OrganizationSpec(
        "sunset-hospitality", "Sunset Hospitality Ltd", "hospitality", "Hospitality", "Hotel and restaurant group",
        "GB", "London", "", "EC2A 4NE", "eu-west-1", ("LHR", "MAN", "AMS"), "en-GB", "verified",
        (
            TenantSpec("sunset-hotels", "Sunset Hotels", "premium", "active", 3),
            TenantSpec("sunset-dining", "Sunset Dining", "standard", "active", 2),
            TenantSpec("sunset-events", "Sunset Events", "starter", "inactive", 0.2),
        ),
    ),
)

# (max_agents, max_concurrent_calls, max_phone_numbers) per plan tier.
PLAN_LIMITS = {"starter": (2, 5, 2), "standard": (5, 10, 5), "premium": (20, 50, 20), "enterprise": (100, 250, 100)}


@dataclass(frozen=True)
class RoleSpec:
    name: str
    scope: str
    description: str
    permissions: dict
    position: str
    department: str


ROLES = {
    "org_admin": RoleSpec(
        "Organization admin", "organization", "Manages the organization's tenants, users and billing.",
        {"organization": ["view", "update"], "tenants": ["view", "create", "update"],
         "users": ["view", "invite", "update"], "billing": ["view", "update"],
         "compliance_reports": ["view", "create"]},
        "Chief Operating Officer", "Operations",
    ),
    "tenant_admin": RoleSpec(
        "Tenant admin", "tenant", "Runs one tenant: agents, numbers, workflows, users and API keys.",
        {"agents": ["view", "create", "update", "publish"], "phone_numbers": ["view", "request", "update"],
         "workflows": ["view", "create", "update", "publish"], "users": ["view", "invite"],
         "api_keys": ["view", "create", "revoke"], "calls": ["view"], "transcripts": ["view", "redact"]},
        "Contact center manager", "Customer service",
    ),
    "agent_designer": RoleSpec(
        "Agent designer", "tenant", "Designs agents, conversation flows and workflows.",
        {"agents": ["view", "create", "update"], "workflows": ["view", "create", "update"], "tools": ["view"],
         "calls": ["view"], "transcripts": ["view"]},
        "Conversation designer", "Digital",
    ),
    "analyst": RoleSpec(
        "Analyst", "tenant", "Reads calls, transcripts and analytics.",
        {"calls": ["view"], "transcripts": ["view"], "analytics": ["view", "export"]},
        "Business analyst", "Analytics",
    ),
}
TENANT_ROLES = ("tenant_admin", "agent_designer", "analyst")


def ensure_ops_admin(email: str, password: str) -> User:
    """The fixed ops superuser; its password is (re)set so the printed login always works."""
    user = User.objects.filter(email=email.lower()).first()
    if user is None:
        return ops_user_create(email=email, password=password, full_name="Demo Administrator", superuser=True)
    if not user.is_superuser:
        raise ValueError(f"{email} already exists and is not an active ops superuser; not touching it")
    user.set_password(password)
    user.save(update_fields=["password", "password_changed_at"])
    return user


def ensure_ops_operator() -> User:
    """An ops staff member without superuser rights (processes porting requests in the demo)."""
    user = User.objects.filter(email=OPS_OPERATOR_EMAIL).first()
    return user or ops_user_create(email=OPS_OPERATOR_EMAIL, password=None, full_name="Demo Operator")


def ensure_organization(spec: OrganizationSpec, admin: User, now: datetime) -> tuple[Organization, dict[str, Role]]:
    rng = fake.seeded("organization", spec.slug)
    organization, _ = get_or_create(Organization, {"slug": spec.slug}, {
        "name": spec.name,
        "status": "active",
        "industry": spec.industry,
        "business_type": spec.business_type,
        "registration_number": f"REG-{rng.randrange(10**7):07d}",
        "tax_id": f"{rng.randrange(10**2):02d}-{rng.randrange(10**7):07d}",
        "address_line1": fake.street_address(rng),
        "city": spec.city,
        "state": spec.state or None,
        "postal_code": spec.postal_code,
        "country": spec.country,
        "website": f"https://www.{spec.domain}",
        "compliance_status": spec.compliance_status,
        "compliance_verified_at": now - timedelta(days=60) if spec.compliance_status == "verified" else None,
        "compliance_documents": {"dpa_signed": True, "baa_signed": spec.scenario == "healthcare"},
        "edge_regions": [spec.aws_region],
        "data_residency_region": spec.aws_region,
        "hybrid_config": {"edge_provider": "cloudflare", "edge_pops": list(spec.edge_regions)},
        "created_at": now - timedelta(days=90),
        "created_by": admin,
    })
    roles = {
        key: get_or_create(Role, {"organization": organization, "name": role.name}, {
            "description": role.description,
            "permissions": role.permissions,
            "scope": role.scope,
            "is_system_role": True,
        })[0]
        for key, role in ROLES.items()
    }
    return organization, roles


def ensure_tenant(spec: TenantSpec, organization: Organization, admin: User, now: datetime) -> Tenant:
    max_agents, max_calls, max_numbers = PLAN_LIMITS[spec.plan_tier]
    premium = spec.plan_tier in ("premium", "enterprise")
    tenant, _ = get_or_create(Tenant, {"slug": spec.slug}, {
        "organization": organization,
        "name": spec.name,
        "subdomain": spec.slug,
        "plan_tier": spec.plan_tier,
        "status": spec.status,
        "billing_cycle": spec.billing_cycle,
        "max_agents": max_agents,
        "max_concurrent_calls": max_calls,
        "max_phone_numbers": max_numbers,
        "trial_ends_at": now + timedelta(days=9) if spec.status == "trial" else None,
        "features": {"call_recording": True, "transcription": True, "pii_redaction": premium,
                     "custom_voices": spec.plan_tier == "enterprise", "workflows": True},
        "settings": {"business_hours": "08:00-18:00", "after_hours_agent": premium},
        "created_at": now - timedelta(days=75),
        "created_by": admin,
    })
    return tenant


def ensure_users(spec: OrganizationSpec, organization: Organization, roles: dict[str, Role],
                 tenants: list[Tenant], now: datetime) -> dict[str | None, dict[str, User]]:
    """One organization admin, and one user per tenant role in each tenant.

    Returns {tenant slug (None for the organization level): {role key: user}}.
    """
    rng = fake.seeded("users", spec.slug)
    seats = [(None, "org_admin")] + [(tenant, key) for tenant in tenants for key in TENANT_ROLES]
    names = rng.sample([(first, last) for first in fake.FIRST_NAMES for last in fake.LAST_NAMES], len(seats))
    users: dict[str | None, dict[str, User]] = {}
    for (tenant, key), (first, last) in zip(seats, names, strict=True):
        role = ROLES[key]
        with_mfa = key in ("org_admin", "tenant_admin")
        user, _ = get_or_create(User, {"email": f"{first}.{last}@{spec.domain}".lower()}, {
            "full_name": f"{first} {last}",
            "organization": organization,
            "tenant": tenant,
            "role": roles[key],
            "position": role.position,
            "department": role.department,
            "phone_number": None,
            "mfa_enabled": with_mfa,
            "mfa_secret": fake.totp_secret() if with_mfa else None,
            "recovery_codes": fake.recovery_codes() if with_mfa else None,
            "last_login": now - timedelta(minutes=rng.randrange(60 * 72)),
            "password": make_password(None),  # unusable: tenant users do not sign in to the back-office
        })
        users.setdefault(tenant.slug if tenant else None, {})[key] = user
    return users
