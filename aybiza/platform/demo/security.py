"""Demo API keys and compliance reports (fixed records).

An API key is stored only as the SHA-256 of a real-format random key
(security_app.services.api_keys) that is thrown away at once: the demo has no use for
the key itself and must not print it.
"""

import hashlib
from datetime import datetime, timedelta

from accounts.models import Organization, User
from security_app.services.api_keys import generate_key, hash_key
from security_app.models import ApiKey, ComplianceReport

from . import fake
from .records import get_or_create
from .world import TenantWorld

# (name, status, scopes) of every tenant's keys: one key in each state.
API_KEYS = (
    ("Production integration", "active", {"calls": ["read"], "agents": ["read"], "phone_numbers": ["read"]}),
    ("Staging sandbox", "inactive", {"calls": ["read", "write"], "agents": ["read", "write"]}),
    ("Legacy CRM connector", "revoked", {"calls": ["read"]}),
    ("Partner pilot", "expired", {"analytics": ["read"]}),
)

# Compliance reports per scenario: (report type, status).
REPORTS = {
    "healthcare": (("hipaa", "completed"), ("soc2", "completed"), ("custom", "generating")),
    "insurance": (("soc2", "completed"), ("pci_dss", "failed")),
    "hospitality": (("gdpr", "completed"), ("pci_dss", "completed")),
}


def ensure_api_keys(world: TenantWorld, admin: User, now: datetime) -> None:
    rng = fake.seeded("api_keys", world.tenant.slug)
    for name, status, permissions in API_KEYS:
        key, _ = get_or_create(ApiKey, {"tenant": world.tenant, "name": name}, {
            "key_hash": hash_key(generate_key()),  # the key itself is dropped at once
            "organization_id": world.organization_id,
            "description": f"{name} key of {world.tenant.name}.",
            "created_by": admin,
            "permissions": permissions,
            "ip_whitelist": [f"{fake.ip_address(rng)}/32"] if status == "active" else [],
            "status": status,
            "expires_at": now - timedelta(days=3) if status == "expired" else now + timedelta(days=365),
            "last_used_at": now - timedelta(minutes=rng.randrange(600)) if status == "active" else None,
            "usage_count": rng.randint(100, 90000) if status == "active" else rng.randint(0, 500),
        })
        world.api_keys.append(key)
        world.resources.append(("api_key", key.id, key.name))


def ensure_compliance_reports(organization: Organization, scenario: str, author: User, now: datetime) -> None:
    period_end = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    period_start = (period_end - timedelta(days=1)).replace(day=1)
    for report_type, status in REPORTS[scenario]:
        done = status == "completed"
        file_name = f"{organization.slug}/{report_type}-{period_start:%Y-%m}.pdf"
        findings = [{"id": "F-1", "severity": "low", "title": "Two service accounts without MFA", "status": "open"}]
        get_or_create(ComplianceReport, {"organization": organization, "tenant": None, "report_type": report_type}, {
            "reporting_period_start": period_start,
            "reporting_period_end": period_end,
            "status": status,
            "report_data": {"controls_tested": 64, "controls_passed": 62 if done else 0, "encryption_at_rest": True,
                            "audit_log_retention_years": 7},
            "findings": findings if done else [],
            "recommendations": ["Enforce MFA for every service account."] if done else [],
            "generated_by": author,
            "report_file_url": f"https://reports.aybiza.example/{file_name}" if done else None,
            "checksum": hashlib.sha256(file_name.encode()).hexdigest() if done else None,
        })
