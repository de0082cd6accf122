"""Demo telephony: SIP trunks, phone numbers, porting requests, reservations.

Between them the tenants hold numbers of every acquisition method (managed,
Twilio, SIP trunk, ported), trunks of every authentication method, and
porting requests and reservations in every state, so each admin list and
filter has something to show. All numbers are in fictional ranges.
"""

import secrets
from datetime import datetime, timedelta
from decimal import Decimal

from accounts.models import User
from telephony.choices import PortingRequestStatus, ReservationAcquisitionMethod, ReservationStatus
from telephony.models import PhoneNumber, PhoneNumberReservation, PortingRequest, SipTrunk

from . import fake
from .phones import fictional_number, number_parts
from .records import get_or_create
from .world import Line, TenantWorld

# Acquisition methods of a tenant's numbers, by plan tier (within the plan's max_phone_numbers).
NUMBERS_BY_PLAN = {
    "starter": ("managed", "twilio"),
    "standard": ("managed", "twilio", "sip_trunk"),
    "premium": ("managed", "twilio", "sip_trunk", "ported"),
    "enterprise": ("managed", "managed", "twilio", "sip_trunk", "sip_trunk", "ported"),
}
PROVIDERS = {"managed": "aybiza", "twilio": "twilio", "sip_trunk": "external_sip", "ported": "aybiza"}
MONTHLY_COST = {
    "managed": Decimal("1.00"), "twilio": Decimal("1.15"), "sip_trunk": Decimal("0.00"), "ported": Decimal("1.00"),
}
NUMBER_STATUS_BY_TENANT_STATUS = {
    "active": "active", "trial": "active", "suspended": "suspended", "inactive": "inactive",
}

# Porting requests not yet completed; each tenant gets two, in turn, so all states appear.
OPEN_PORTING_STATES = [s for s in PortingRequestStatus.values if s != PortingRequestStatus.COMPLETED]
CARRIERS = {
    "US": ("Verizon Business", "AT&T", "Comcast Business", "Lumen"),
    "GB": ("BT Business", "Vodafone UK", "Virgin Media O2"),
}
SIP_PROVIDERS = ("Bandwidth", "Telnyx", "Sinch", "BT Wholesale")

# Where porting and reservation numbers start inside a tenant's block of 100 fictional numbers.
PORTING_SLOT, RESERVATION_SLOT = 50, 80


def ensure_telephony(world: TenantWorld, ordinal: int, admin: User, operator: User, now: datetime) -> None:
    """Everything telephony for one tenant.

    `ordinal` (the tenant's position in the demo) spreads the states over the
    tenants and gives each tenant its own block of 100 fictional numbers.
    """
    block = 100 * ordinal
    trunks = _ensure_trunks(world, admin, now)
    _ensure_numbers(world, block, trunks, admin, operator, now)
    _ensure_open_porting_requests(world, ordinal, block, admin, operator, now)
    _ensure_reservation(world, ordinal, block, admin, now)


def _ensure_trunks(world: TenantWorld, admin: User, now: datetime) -> list[SipTrunk]:
    tenant = world.tenant
    if "sip_trunk" not in NUMBERS_BY_PLAN[tenant.plan_tier]:
        return []
    plans = [("Primary SIP trunk", "credential")]
    if tenant.plan_tier == "enterprise":
        plans.append(("Backup SIP trunk", "ip_acl"))
    if tenant.plan_tier == "premium":
        plans.append(("Mutual-TLS SIP trunk", "certificate"))
    rng = fake.seeded("trunks", tenant.slug)
    trunks = []
    for index, (name, auth) in enumerate(plans):
        provider = rng.choice(SIP_PROVIDERS)
        host = f"{tenant.slug}.{provider.split()[0].lower()}.example"
        trunk, _ = get_or_create(SipTrunk, {"tenant": tenant, "name": name}, {
            "organization_id": tenant.organization_id,
            "provider_name": provider,
            "termination_uri": f"sip:{host}:5061;transport=tls",
            "origination_uris": [f"sip:edge{n}.{world.aws_region}.aybiza.example:5061" for n in (1, 2)],
            "authentication_method": auth,
            "credentials": _trunk_credentials(auth, host),
            "ip_access_control_list": [f"{fake.ip_address(rng)}/32" for _ in range(2)] if auth == "ip_acl" else [],
            "max_concurrent_calls": tenant.max_concurrent_calls,
            "status": "testing" if auth == "certificate" else "active",
            "health_status": "healthy" if index == 0 else "degraded",
            "last_health_check": now - timedelta(minutes=rng.randint(1, 10)),
            "settings": {"srtp": True, "dtmf_mode": "rfc2833"},
            "created_by": admin,
        })
        trunks.append(trunk)
    return trunks


def _trunk_credentials(auth: str, host: str) -> dict | None:
    if auth == "credential":
        return {"username": f"aybiza-{secrets.token_hex(3)}", "password": fake.secret(), "realm": host}
    if auth == "certificate":
        return {"client_certificate_pem_ref": f"vault://sip/{host}", "fingerprint_sha256": secrets.token_hex(32)}
    return None


def _ensure_numbers(world: TenantWorld, block: int, trunks: list[SipTrunk], admin: User, operator: User,
                    now: datetime) -> None:
    tenant = world.tenant
    rng = fake.seeded("numbers", tenant.slug)
    status = NUMBER_STATUS_BY_TENANT_STATUS[tenant.status]
    agents_by_id = {agent.agent_id: agent for agent in world.agents}
    for index, method in enumerate(NUMBERS_BY_PLAN[tenant.plan_tier]):
        parts = number_parts(fictional_number(world.country, block + index))
        agent_id = world.agents[index % len(world.agents)].agent_id if world.agents else None
        trunk = trunks[0] if method == "sip_trunk" else None
        number, _ = get_or_create(PhoneNumber, {"number": parts.number}, {
            **parts._asdict(),
            "acquisition_method": method,
            "provider": PROVIDERS[method],
            "provider_id": str(trunk.id) if trunk else f"{PROVIDERS[method][:2].upper()}{secrets.token_hex(16)}",
            "capabilities": {"voice": True, "sms": method in ("managed", "twilio"), "fax": False, "mms": False},
            "organization_id": tenant.organization_id,
            "tenant": tenant,
            "agent_id": agent_id,
            "settings": {"sip_trunk_id": str(trunk.id)} if trunk else {"recording": True},
            "monthly_cost": MONTHLY_COST[method],
            "setup_cost": Decimal("15.00") if method == "ported" else Decimal("0.00"),
            "currency": "GBP" if world.country == "GB" else "USD",
            "status": status,
            "region": world.aws_region,
            "compliance_verified": True,
            "compliance_documents": {"address_verified": True} if world.country == "GB" else {},
            "health_status": "healthy" if rng.random() < 0.85 else "degraded",
            "last_health_check": now - timedelta(minutes=rng.randint(1, 30)),
            "created_by": admin,
        })
        if method == "ported":
            _ensure_porting_request(world, number.number, "completed", admin, operator, now)
        world.resources.append(("phone_number", number.id, number.formatted_number))
        # Calls go to the number's agent as it is now (an admin may have reassigned it since the first run).
        answering = agents_by_id.get(number.agent_id)
        if number.tenant_id == tenant.id and answering is not None:
            world.lines.append(Line(number.id, number.number, answering.agent_id, answering.version_id,
                                    answering.llm_model, answering.voice_model))


def _ensure_open_porting_requests(world: TenantWorld, ordinal: int, block: int, admin: User, operator: User,
                                  now: datetime) -> None:
    for offset in range(2):
        state = OPEN_PORTING_STATES[(2 * ordinal + offset) % len(OPEN_PORTING_STATES)]
        number = fictional_number(world.country, block + PORTING_SLOT + offset)
        _ensure_porting_request(world, number, state, admin, operator, now)


def _ensure_porting_request(world: TenantWorld, number: str, state: str, admin: User, operator: User,
                            now: datetime) -> None:
    tenant = world.tenant
    rng = fake.seeded("porting", number)
    first, last = fake.person(rng)
    address = {"line1": fake.street_address(rng), "city": "London" if world.country == "GB" else "Boston",
               "postal_code": "EC2A 4NE" if world.country == "GB" else "02110", "country": world.country}
    processed = state in ("approved", "rejected", "completed", "in_progress")  # an operator has handled it
    created_at = now - timedelta(days=rng.randint(3, 28))
    get_or_create(PortingRequest, {"tenant": tenant, "phone_number": number}, {
        "organization_id": tenant.organization_id,
        "current_provider": rng.choice(CARRIERS[world.country]),
        "account_number": f"{rng.randrange(10**9):09d}",
        "pin_password": fake.pin(),
        "authorized_contact": {"name": f"{first} {last}", "email": f"{first}.{last}@example.com".lower(),
                               "title": "Office manager"},
        "service_address": address,
        "billing_address": None,
        "supporting_documents": [{"type": "letter_of_authorization", "url": f"https://files.aybiza.example/loa/{number}.pdf"},
                                 {"type": "recent_bill", "url": f"https://files.aybiza.example/bills/{number}.pdf"}],
        "status": state,
        "provider_response": _provider_response(state, created_at),
        "estimated_completion": created_at + timedelta(days=10) if state not in ("rejected", "cancelled") else None,
        "actual_completion": created_at + timedelta(days=9) if state == "completed" else None,
        "created_at": created_at,
        "created_by": admin,
        "processed_by": operator if processed else None,
    })


def _provider_response(state: str, created_at: datetime) -> dict:
    """What the losing carrier answered, as far as the request got."""
    if state == "rejected":
        return {"code": "PIN_MISMATCH", "message": "Account PIN does not match the losing carrier's records."}
    if state in ("approved", "in_progress", "completed"):
        return {"foc_date": (created_at + timedelta(days=10)).date().isoformat()}
    return {}


def _ensure_reservation(world: TenantWorld, ordinal: int, block: int, admin: User, now: datetime) -> None:
    """One reservation per tenant, states and methods taken in turn so every one appears."""
    tenant = world.tenant
    state = ReservationStatus.values[ordinal % len(ReservationStatus.values)]
    method = ReservationAcquisitionMethod.values[ordinal % len(ReservationAcquisitionMethod.values)]
    offered = [fictional_number(world.country, block + RESERVATION_SLOT + n) for n in range(3)]
    area_code = number_parts(offered[0]).area_code
    expires = {
        "available": now + timedelta(hours=2), "reserved": now + timedelta(days=1), "expired": now - timedelta(days=1),
    }
    lookup = {"tenant": tenant, "acquisition_method": method, "requested_area_code": area_code}
    get_or_create(PhoneNumberReservation, lookup, {
        "organization_id": tenant.organization_id,
        "requested_country": world.country,
        "requested_region": world.aws_region,
        "status": state,
        "available_numbers": offered if state in ("available", "reserved", "completed", "expired") else [],
        "selected_number": offered[0] if state in ("reserved", "completed") else None,
        "reservation_expires_at": expires.get(state),
        "metadata": {"error": f"No inventory left in area code {area_code}"} if state == "failed" else {"quantity": 1},
        "created_by": admin,
    })
