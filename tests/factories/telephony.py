"""factory_boy factories for the telephony app's models (tests/factories/__init__.py has the rules)."""

import factory

from aybiza.platform.demo.phones import fictional_number, number_parts
from telephony.models import PhoneNumber, PhoneNumberReservation, PortingRequest, SipTrunk

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
