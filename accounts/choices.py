"""Allowed values of the accounts columns that the spec CHECKs; the CHECKs are generated from these."""

from django.db import models


class OrganizationStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"
    PENDING = "pending"


class ComplianceStatus(models.TextChoices):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    EXPIRED = "expired"


class TenantPlanTier(models.TextChoices):
    STARTER = "starter"
    STANDARD = "standard"
    PREMIUM = "premium"
    ENTERPRISE = "enterprise"


class TenantStatus(models.TextChoices):
    ACTIVE = "active"
    INACTIVE = "inactive"
    SUSPENDED = "suspended"
    TRIAL = "trial"


class TenantBillingCycle(models.TextChoices):
    MONTHLY = "monthly"
    YEARLY = "yearly"


class RoleScope(models.TextChoices):
    ORGANIZATION = "organization"
    TENANT = "tenant"

