from rest_framework import serializers

from agents.models import Agent
from aybiza.api.serializers import ScopedPrimaryKeyRelatedField, TenantOwnedSerializer, VersionedSerializerMixin

from ..choices import AcquisitionMethod
from ..e164 import serializer_e164
from ..models import (
    PhoneNumber, PhoneNumberHealthPeriod, PhoneNumberReservation, PortingRequest, SipTrunk, SipTrunkHealthCheck,
)


class PhoneNumberSerializer(VersionedSerializerMixin, TenantOwnedSerializer):
    agent = ScopedPrimaryKeyRelatedField(queryset=Agent.objects.all(), required=False, allow_null=True)
    acquisition_method = serializers.ChoiceField(
        choices=[c for c in AcquisitionMethod.choices if c[0] != "ported"], required=False, default="managed",
        help_text="Ported numbers arrive through porting-requests.",
    )

    class Meta:
        model = PhoneNumber
        fields = ("id", "number", "formatted_number", "country_code", "area_code", "local_number",
                  "acquisition_method", "provider", "provider_id", "capabilities", "organization", "tenant", "agent",
                  "settings", "monthly_cost", "setup_cost", "currency", "status", "region", "compliance_verified",
                  "emergency_services_enabled", "health_status", "last_health_check", "created_by", "updated_by",
                  "created_at", "updated_at", "version")
        read_only_fields = ("formatted_number", "country_code", "area_code", "local_number", "organization",
                            "provider_id", "monthly_cost", "setup_cost", "currency", "status", "compliance_verified",
                            "health_status", "last_health_check", "created_by", "updated_by")
        extra_kwargs = {"provider": {"required": False, "default": "aybiza"}, "region": {"required": False}}

    def get_fields(self):
        fields = super().get_fields()
        if self.instance is not None:  # the number itself and how it came are fixed once acquired
            for name in ("number", "acquisition_method", "provider", "region"):
                fields[name].read_only = True
        return fields

    def validate_number(self, value):
        serializer_e164(value, "number")  # named with the other field errors; the service stores its split
        return value


class PhoneNumberReservationSerializer(TenantOwnedSerializer):
    class Meta:
        model = PhoneNumberReservation
        fields = ("id", "organization", "tenant", "requested_area_code", "requested_country", "requested_region",
                  "acquisition_method", "status", "available_numbers", "selected_number", "reservation_expires_at",
                  "metadata", "created_by", "created_at", "updated_at")
        read_only_fields = ("organization", "status", "available_numbers", "selected_number",
                            "reservation_expires_at", "created_by")


class ReservationSearchSerializer(serializers.Serializer):
    count = serializers.IntegerField(min_value=1, max_value=20, default=5)


class ReservationReserveSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=20)


class ReservationCompleteSerializer(serializers.Serializer):
    provider = serializers.CharField(max_length=50, default="aybiza")


class ReservationCompletedSerializer(serializers.Serializer):
    reservation = PhoneNumberReservationSerializer()
    phone_number = PhoneNumberSerializer()


class PortingRequestSerializer(TenantOwnedSerializer):
    pin_password = serializers.CharField(write_only=True, required=False, allow_blank=True, max_length=100)

    class Meta:
        model = PortingRequest
        fields = ("id", "organization", "tenant", "phone_number", "current_provider", "account_number",
                  "pin_password", "authorized_contact", "service_address", "billing_address", "supporting_documents",
                  "status", "provider_response", "estimated_completion", "actual_completion", "created_by",
                  "processed_by", "created_at", "updated_at")
        read_only_fields = ("organization", "status", "provider_response", "estimated_completion",
                            "actual_completion", "created_by", "processed_by")

    def validate_phone_number(self, value):
        return serializer_e164(value, "phone_number")  # stored in E.164 (the model's rule checks it again)


class SipTrunkSerializer(TenantOwnedSerializer):
    credentials = serializers.JSONField(write_only=True, required=False, allow_null=True)

    class Meta:
        model = SipTrunk
        fields = ("id", "name", "organization", "tenant", "provider_name", "termination_uri", "origination_uris",
                  "authentication_method", "credentials", "ip_access_control_list", "codec_preferences",
                  "max_concurrent_calls", "settings", "status", "health_status", "last_health_check",
                  "created_by", "updated_by", "created_at", "updated_at")
        read_only_fields = ("organization", "status", "health_status", "last_health_check", "created_by",
                            "updated_by")


class SipTrunkHealthCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = SipTrunkHealthCheck
        fields = ("id", "sip_trunk_id", "organization_id", "tenant_id", "checked_at", "target", "outcome",
                  "status_code", "reason_phrase", "rtt_ms", "error", "consecutive_failures",
                  "consecutive_error_answers", "previous_health_status", "health_status", "reason")
        read_only_fields = fields


class PhoneNumberHealthPeriodSerializer(serializers.ModelSerializer):
    class Meta:
        model = PhoneNumberHealthPeriod
        fields = ("id", "phone_number_id", "organization_id", "tenant_id", "sip_trunk_id", "since", "last_checked_at",
                  "previous_health_status", "health_status", "reason", "calls_total", "calls_failed",
                  "calls_no_answer")
        read_only_fields = fields
