"""Models of the telephony app: one class per spec table, in the spec's schema."""

from decimal import Decimal

from django.db import models
from django.db.models import Q

from aybiza.core.db.columns import (
    choice, choices_check, created_at, decimal, fk, flag, integer, jsonb, lock_version, optional_datetime, optional_varchar, table, unique, updated_at, uuid_pk, varchar,
)
from django.core.exceptions import ValidationError

from aybiza.core.db.consistency import ConsistencyMixin, related
from aybiza.core.db.fields import EncryptedJSONField, EncryptedTextField
from aybiza.core.db.locking import VersionedModel
from aybiza.core.ownership import Owner

from .availability import number_served_elsewhere
from .e164 import e164

from .choices import AcquisitionMethod, HealthStatus, PhoneNumberStatus, PortingRequestStatus, ProbeOutcome, ReservationAcquisitionMethod, ReservationStatus, SipTrunkAuthenticationMethod, SipTrunkStatus


class PhoneNumber(ConsistencyMixin, VersionedModel):
    same_tenant = ("agent",)

    id = uuid_pk()
    number = models.CharField(max_length=20)
    formatted_number = models.CharField(max_length=30)
    country_code = models.CharField(max_length=3)
    area_code = optional_varchar(10)
    local_number = models.CharField(max_length=15)
    acquisition_method = choice(AcquisitionMethod, max_length=20, null=False)
    provider = models.CharField(max_length=50)
    provider_id = optional_varchar(255)
    capabilities = jsonb({'voice': True, 'sms': False, 'fax': False, 'mms': False})
    organization = fk('accounts.Organization', on_delete=models.CASCADE, related_name='phone_numbers')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, related_name='phone_numbers')
    agent = fk('agents.Agent', on_delete=models.SET_NULL, null=True, related_name='phone_numbers')
    settings = jsonb({})
    monthly_cost = decimal(10, 4, default=Decimal('1.00'))
    setup_cost = decimal(10, 4, default=Decimal('0.00'))
    currency = varchar(3, default='USD')
    status = choice(PhoneNumberStatus, default=PhoneNumberStatus.PENDING)
    region = models.CharField(max_length=50)
    compliance_verified = flag(False)
    compliance_documents = jsonb({})
    emergency_services_enabled = flag(True)
    created_at = created_at()
    updated_at = updated_at()
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    updated_by = fk('accounts.User', on_delete=models.PROTECT, null=True)
    version = lock_version()
    last_health_check = optional_datetime()
    health_status = choice(HealthStatus, default=HealthStatus.UNKNOWN, max_length=20)

    owner = Owner()

    class Meta:
        db_table = table('phone_manager', 'phone_numbers')
        constraints = [
            unique('phone_numbers', 'number', name='idx_phone_numbers_number'),
            choices_check('phone_numbers', 'acquisition_method', AcquisitionMethod),
            choices_check('phone_numbers', 'status', PhoneNumberStatus),
            choices_check('phone_numbers', 'health_status', HealthStatus),
        ]
        indexes = [
            models.Index(fields=['tenant', 'status'], name='idx_phone_numbers_tenant_status'),
            models.Index(fields=['acquisition_method', 'status'], name='idx_phone_numbers_acquisition'),
            models.Index(fields=['region', 'status'], name='idx_phone_numbers_region'),
            models.Index(fields=['health_status', 'last_health_check'], name='idx_phone_numbers_health'),
        ]

    def __str__(self):
        return self.formatted_number or self.number


class PhoneNumberReservation(ConsistencyMixin, models.Model):
    id = uuid_pk()
    organization = fk('accounts.Organization', on_delete=models.CASCADE, related_name='phone_number_reservations')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, related_name='phone_number_reservations')
    requested_area_code = optional_varchar(10)
    requested_country = models.CharField(max_length=100)
    requested_region = optional_varchar(100)
    acquisition_method = choice(ReservationAcquisitionMethod, max_length=20, null=False)
    status = choice(ReservationStatus, default=ReservationStatus.PENDING)
    available_numbers = jsonb([])
    selected_number = optional_varchar(20)
    reservation_expires_at = optional_datetime()
    created_at = created_at()
    updated_at = updated_at()
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    metadata = jsonb({})

    owner = Owner()

    class Meta:
        db_table = table('phone_manager', 'phone_number_reservations')
        constraints = [
            choices_check('phone_number_reservations', 'acquisition_method', ReservationAcquisitionMethod),
            choices_check('phone_number_reservations', 'status', ReservationStatus),
        ]
        indexes = [
            models.Index(fields=['tenant', 'status'], name='idx_reservations_tenant_status'),
            models.Index(fields=['reservation_expires_at'], name='idx_reservations_expires', condition=Q(status__in=['reserved', 'available'])),
        ]
        permissions = [('manage_phonenumberreservation', 'Can offer, reserve, complete and expire number reservations')]

    def __str__(self):
        return f"{self.requested_country} {self.requested_area_code or ''} ({self.status})".replace("  ", " ")


OPEN_PORTING = ("pending", "submitted", "in_progress", "approved")


class PortingRequest(ConsistencyMixin, models.Model):
    id = uuid_pk()
    organization = fk('accounts.Organization', on_delete=models.CASCADE, related_name='porting_requests')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, related_name='porting_requests')
    phone_number = models.CharField(max_length=20)
    current_provider = models.CharField(max_length=100)
    account_number = models.CharField(max_length=100)
    pin_password = EncryptedTextField(null=True, blank=True)
    authorized_contact = models.JSONField()
    service_address = models.JSONField()
    billing_address = models.JSONField(null=True, blank=True)
    supporting_documents = jsonb([])
    status = choice(PortingRequestStatus, default=PortingRequestStatus.PENDING)
    provider_response = jsonb({})
    estimated_completion = optional_datetime()
    actual_completion = optional_datetime()
    created_at = created_at()
    updated_at = updated_at()
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    processed_by = fk('accounts.User', on_delete=models.PROTECT, null=True)

    owner = Owner()

    class Meta:
        db_table = table('phone_manager', 'porting_requests')
        constraints = [
            choices_check('porting_requests', 'status', PortingRequestStatus),
        ]
        indexes = [
            models.Index(fields=['tenant', 'status'], name='idx_porting_tenant_status'),
            models.Index(fields=['estimated_completion', 'status'], name='idx_porting_completion'),
        ]
        permissions = [('approve_portingrequest', 'Can process porting requests (submit, start, approve, reject, complete, cancel)')]

    def __str__(self):
        return f"Port {self.phone_number} from {self.current_provider} ({self.status})"

    def consistency_errors(self):
        """The number is a real one (E.164, stored normalised) and not served for another tenant."""
        errors = super().consistency_errors()
        if self.phone_number in (None, "") or self.status not in OPEN_PORTING:
            return errors
        try:
            self.phone_number = e164(self.phone_number, field="phone_number")
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
            return errors
        if self.tenant_id is not None and number_served_elsewhere(self.phone_number, tenant_id=self.tenant_id,
                                                                  exclude=None if self._state.adding else self.pk):
            # Never say who: the number is simply not available for porting here.
            errors["phone_number"] = "This number cannot be ported: the platform already serves it."
        return errors


class SipTrunk(ConsistencyMixin, models.Model):
    id = uuid_pk()
    name = models.CharField(max_length=255)
    organization = fk('accounts.Organization', on_delete=models.CASCADE, related_name='sip_trunks')
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE, related_name='sip_trunks')
    provider_name = models.CharField(max_length=100)
    termination_uri = models.CharField(max_length=500)
    origination_uris = jsonb([], null=False)
    authentication_method = choice(SipTrunkAuthenticationMethod, default=SipTrunkAuthenticationMethod.IP_ACL)
    credentials = EncryptedJSONField(null=True, blank=True)
    ip_access_control_list = jsonb([])
    codec_preferences = jsonb(['PCMU', 'PCMA', 'G722'])
    max_concurrent_calls = integer(10)
    settings = jsonb({})
    status = choice(SipTrunkStatus, default=SipTrunkStatus.ACTIVE)
    last_health_check = optional_datetime()
    health_status = choice(HealthStatus, default=HealthStatus.UNKNOWN, max_length=20)
    created_at = created_at()
    updated_at = updated_at()
    created_by = fk('accounts.User', on_delete=models.PROTECT)
    updated_by = fk('accounts.User', on_delete=models.PROTECT, null=True)

    owner = Owner()

    class Meta:
        db_table = table('phone_manager', 'sip_trunks')
        verbose_name = 'SIP trunk'
        constraints = [
            choices_check('sip_trunks', 'authentication_method', SipTrunkAuthenticationMethod),
            choices_check('sip_trunks', 'status', SipTrunkStatus),
            choices_check('sip_trunks', 'health_status', HealthStatus),
        ]
        indexes = [
            models.Index(fields=['tenant', 'status'], name='idx_sip_trunks_tenant_status'),
            models.Index(fields=['health_status', 'last_health_check'], name='idx_sip_trunks_health'),
        ]

    def __str__(self):
        return self.name

    def consistency_errors(self):
        errors = super().consistency_errors()
        tenant = related(self, "tenant")
        ceiling = tenant.max_concurrent_calls if tenant is not None else None
        if ceiling is not None and self.max_concurrent_calls is not None and self.max_concurrent_calls > ceiling:
            errors["max_concurrent_calls"] = (
                f"A SIP trunk of tenant {tenant} may carry at most {ceiling} concurrent calls "
                f"(max_concurrent_calls); {self.max_concurrent_calls} asked."
            )
        return errors


# --- health history (ours, not in the spec: docs/decisions.md, docs/operations.md "Health checks") ---------

class SipTrunkHealthCheck(models.Model):
    """One SIP OPTIONS probe of a trunk and the health it led to. Kept AYBIZA_HEALTH_HISTORY_DAYS."""

    id = models.BigAutoField(primary_key=True)
    sip_trunk = fk('telephony.SipTrunk', on_delete=models.CASCADE, related_name='health_checks')
    organization = fk('accounts.Organization', on_delete=models.CASCADE)
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE)
    checked_at = models.DateTimeField()
    target = models.CharField(max_length=300, help_text="transport:host:port probed")
    outcome = choice(ProbeOutcome, max_length=20, null=False)
    status_code = models.IntegerField(null=True, blank=True, help_text="SIP response code, if one came")
    reason_phrase = models.CharField(max_length=255, blank=True, default="")
    rtt_ms = models.FloatField(null=True, blank=True, verbose_name="RTT (ms)")
    error = models.CharField(max_length=500, blank=True, default="")
    consecutive_failures = models.IntegerField(default=0)
    consecutive_error_answers = models.IntegerField(default=0, help_text="5xx/6xx/408 answers in a row")
    health_status = choice(HealthStatus, max_length=20, null=False)
    previous_health_status = choice(HealthStatus, max_length=20, null=False)
    reason = models.CharField(max_length=500, help_text="Why this status")

    owner = Owner()

    class Meta:
        db_table = table('phone_manager', 'sip_trunk_health_checks')
        verbose_name = 'SIP trunk health check'
        constraints = [
            choices_check('sip_trunk_health_checks', 'outcome', ProbeOutcome),
            choices_check('sip_trunk_health_checks', 'health_status', HealthStatus),
            choices_check('sip_trunk_health_checks', 'previous_health_status', HealthStatus),
        ]
        indexes = [
            models.Index(fields=['sip_trunk', '-checked_at'], name='idx_trunk_health_trunk_time'),
            models.Index(fields=['tenant', '-checked_at'], name='idx_trunk_health_tenant_time'),
            models.Index(fields=['-checked_at', '-id'], name='idx_trunk_health_time'),
        ]

    def __str__(self):
        return f"{self.health_status} at {self.checked_at:%Y-%m-%d %H:%M:%S}"


class PhoneNumberHealthPeriod(models.Model):
    """A stretch of time during which a phone number kept one health status.

    A new row starts when the status changes; while it holds, the row's reason, call counts and
    last_checked_at follow the latest evaluation, so the newest row always says why the number is
    in its current state, and the table stays small (one row per change, not per run).
    """

    id = models.BigAutoField(primary_key=True)
    phone_number = fk('telephony.PhoneNumber', on_delete=models.CASCADE, related_name='health_periods')
    organization = fk('accounts.Organization', on_delete=models.CASCADE)
    tenant = fk('accounts.Tenant', on_delete=models.CASCADE)
    sip_trunk = fk('telephony.SipTrunk', on_delete=models.SET_NULL, null=True)
    since = models.DateTimeField(help_text="First evaluation with this status")
    last_checked_at = models.DateTimeField(help_text="Latest evaluation with this status")
    health_status = choice(HealthStatus, max_length=20, null=False)
    previous_health_status = choice(HealthStatus, max_length=20, null=False)
    reason = models.CharField(max_length=500, help_text="Why, as of the latest evaluation")
    calls_total = models.IntegerField(default=0)
    calls_failed = models.IntegerField(default=0)
    calls_no_answer = models.IntegerField(default=0, help_text="'no-answer' and 'busy'")

    owner = Owner()

    class Meta:
        db_table = table('phone_manager', 'phone_number_health_periods')
        verbose_name = 'phone number health period'
        constraints = [
            choices_check('phone_number_health_periods', 'health_status', HealthStatus),
            choices_check('phone_number_health_periods', 'previous_health_status', HealthStatus),
        ]
        indexes = [
            models.Index(fields=['phone_number', '-since'], name='idx_number_health_number_time'),
            models.Index(fields=['tenant', '-since'], name='idx_number_health_tenant_time'),
            models.Index(fields=['-last_checked_at', '-id'], name='idx_number_health_time'),
        ]

    def __str__(self):
        return f"{self.health_status} since {self.since:%Y-%m-%d %H:%M:%S}"
