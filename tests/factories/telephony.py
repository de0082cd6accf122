"""factory_boy factories for the telephony app's models (tests/factories/__init__.py has the rules)."""

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from aybiza.platform.demo.phones import fictional_number, number_parts
from telephony.models import (
    PhoneNumber, PhoneNumberHealthPeriod, PhoneNumberReservation, PortingRequest, SipTrunk, SipTrunkHealthCheck,
)

from .accounts import TenantScopedFactory
from .agents import AgentFactory


class PhoneNumberFactory(TenantScopedFactory):
    """A managed, active number answered by an agent of the same tenant."""

    class Meta:
        model = PhoneNumber

    class Params:
        parts = factory.LazyAttribute(lambda o: number_parts(o.number))

    number = factory.Sequence(lambda n: fictional_number("US", n % 1000))
    formatted_number = factory.SelfAttribute("parts.formatted_number")
    country_code = factory.SelfAttribute("parts.country_code")
    area_code = factory.SelfAttribute("parts.area_code")
    local_number = factory.SelfAttribute("parts.local_number")
    acquisition_method = "managed"
    provider = "aybiza"
    agent = factory.SubFactory(
        AgentFactory, tenant=factory.SelfAttribute("..tenant"), created_by=factory.SelfAttribute("..created_by")
    )
    status = "active"
    region = "us-east-1"


class PhoneNumberReservationFactory(TenantScopedFactory):
    class Meta:
        model = PhoneNumberReservation

    requested_area_code = "617"
    requested_country = "US"
    acquisition_method = "managed"
    status = "pending"


class PortingRequestFactory(TenantScopedFactory):
    class Meta:
        model = PortingRequest

    phone_number = factory.Sequence(lambda n: fictional_number("GB", n % 3000))
    current_provider = "BT Business"
    account_number = factory.Sequence(lambda n: f"{n:09d}")
    pin_password = "482913"
    authorized_contact = factory.LazyFunction(lambda: {"name": "Ada Lovelace", "email": "ada@example.com"})
    service_address = factory.LazyFunction(lambda: {"line1": "1 King's Parade", "city": "London", "country": "GB"})
    status = "pending"


class SipTrunkFactory(TenantScopedFactory):
    class Meta:
        model = SipTrunk

    name = factory.Sequence(lambda n: f"SIP trunk {n}")
    provider_name = "Bandwidth"
    termination_uri = factory.Sequence(lambda n: f"sip:trunk{n}.example.net:5061;transport=tls")
    origination_uris = factory.LazyFunction(lambda: ["sip:edge1.aybiza.example:5061"])
    authentication_method = "credential"
    credentials = factory.LazyFunction(lambda: {"username": "trunk-user", "password": "trunk-secret-123"})


class SipTrunkHealthCheckFactory(DjangoModelFactory):
    """One recorded OPTIONS probe: answered 200 in 12 ms."""

    class Meta:
        model = SipTrunkHealthCheck

    sip_trunk = factory.SubFactory(SipTrunkFactory)
    organization = factory.SelfAttribute("sip_trunk.organization")
    tenant = factory.SelfAttribute("sip_trunk.tenant")
    checked_at = factory.LazyFunction(timezone.now)
    target = "udp:127.0.0.1:5060"
    outcome = "answered"
    status_code = 200
    reason_phrase = "OK"
    rtt_ms = 12.5
    health_status = "healthy"
    previous_health_status = "unknown"
    reason = "answered 200 OK in 12 ms"


class PhoneNumberHealthPeriodFactory(DjangoModelFactory):
    class Meta:
        model = PhoneNumberHealthPeriod

    phone_number = factory.SubFactory(PhoneNumberFactory)
    organization = factory.SelfAttribute("phone_number.organization")
    tenant = factory.SelfAttribute("phone_number.tenant")
    since = factory.LazyFunction(timezone.now)
    last_checked_at = factory.SelfAttribute("since")
    health_status = "healthy"
    previous_health_status = "unknown"
    reason = "0 call(s) in the last 60 min, too few to judge (< 10)"
