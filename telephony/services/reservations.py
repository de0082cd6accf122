"""Phone number reservations: search, hold, then acquire a new number.

    pending/processing --offer--> available --reserve--> reserved --complete--> completed
    available/reserved, past reservation_expires_at --expire--> expired

An offer and a hold both last `settings.AYBIZA_RESERVATION_HOLD_MINUTES`
(default 15). Without a carrier integration, `reservation_offer` generates
candidate numbers that `phonenumbers` accepts as valid for the requested
country/area code; a carrier's own list can be passed as `candidates`.
"""

import datetime
import random

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from aybiza.core.state import StateMachine, lock
from aybiza.core.transitions import apply_transition
from telephony.availability import numbers_in_use

from ..choices import ReservationStatus as S
from ..models import PhoneNumber, PhoneNumberReservation
from .numbers import parse_number, region_for_country
from .phone_numbers import phone_number_capacity_check, phone_number_create

RESERVATION = StateMachine("phone number reservation", "status", {
    "offer": ([S.PENDING, S.PROCESSING], S.AVAILABLE),
    "reserve": ([S.AVAILABLE], S.RESERVED),
    "complete": ([S.RESERVED], S.COMPLETED),
    "expire": ([S.AVAILABLE, S.RESERVED], S.EXPIRED),
})

# reservation acquisition method -> phone_numbers.acquisition_method
ACQUISITION = {"managed": "managed", "sip_trunk": "sip_trunk", "twilio": "twilio", "porting": "ported"}

_random = random.SystemRandom()


def hold_duration(minutes: int | None = None) -> datetime.timedelta:
    return datetime.timedelta(minutes=minutes or getattr(settings, "AYBIZA_RESERVATION_HOLD_MINUTES", 15))


def taken_numbers(numbers, *, exclude: PhoneNumberReservation | None = None, now=None) -> set[str]:
    """Those of `numbers` already in phone_numbers or held by another live reservation."""
    numbers = list(numbers)
    taken = numbers_in_use(numbers)
    held = PhoneNumberReservation.objects.filter(
        status=S.RESERVED, selected_number__in=numbers, reservation_expires_at__gt=now or timezone.now()
    )
    if exclude is not None:
        held = held.exclude(pk=exclude.pk)
    return taken | set(held.values_list("selected_number", flat=True))


def _fictional_pool(region: str, area_code: str | None) -> list[str] | None:
    """Numbers in ranges reserved for fiction (US NPA-555-01XX, UK drama ranges), where they exist.

    Until a carrier integration supplies real inventory (`candidates=`), this
    keeps generated offers from ever pointing at a real subscriber.
    """
    if region == "US":
        return [f"+1{area_code or '617'}55501{line:02d}" for line in range(100)]
    if region == "GB" and not area_code:
        return [f"{prefix}{line:04d}" for prefix in ("+44207946", "+44113496", "+44161496") for line in range(1000)]
    return None


def _generate(region: str, area_code: str | None, count: int) -> list[str]:
    pool = _fictional_pool(region, area_code)
    if pool is None:
        example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.FIXED_LINE)
        example = example or phonenumbers.example_number(region)
        if example is None:
            return []
        national = phonenumbers.national_significant_number(example)
        prefix = area_code or national[: phonenumbers.length_of_national_destination_code(example)]
        width = max(len(national) - len(prefix), 0)
        pool = [
            f"+{example.country_code}{prefix}{''.join(_random.choice('0123456789') for _ in range(width))}"
            for _ in range(count * 40)
        ] if width else []
    else:
        pool = _random.sample(pool, len(pool))
    found: list[str] = []
    for raw in pool:
        if len(found) >= count:
            break
        try:
            candidate = phonenumbers.parse(raw)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number_for_region(candidate, region):
            e164 = phonenumbers.format_number(candidate, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in found:
                found.append(e164)
    return found


def _normalise(candidates, region: str) -> list[str]:
    numbers = []
    for raw in candidates:
        try:
            e164 = parse_number(raw, region=region)["number"]
        except ValidationError:
            continue
        if e164 not in numbers:
            numbers.append(e164)
    return numbers


@transaction.atomic
def reservation_offer(
    *, reservation: PhoneNumberReservation, actor=None, candidates=None, count: int = 5,
    reason: str = "", api_key=None, request=None,
) -> PhoneNumberReservation:
    reservation = lock(reservation)
    RESERVATION.ensure(reservation, "offer")
    region = region_for_country(reservation.requested_country)
    area_code = (reservation.requested_area_code or "").strip() or None
    numbers = _normalise(candidates, region) if candidates is not None else _generate(region, area_code, count * 4)
    if area_code:
        numbers = [n for n in numbers if parse_number(n)["area_code"] == area_code]
    taken = taken_numbers(numbers, exclude=reservation)
    numbers = [n for n in numbers if n not in taken][:count]
    if not numbers:
        where = f"{region} area code {area_code}" if area_code else region
        raise ValidationError({"available_numbers": f"No free numbers found for {where}."})
    return apply_transition(
        machine=RESERVATION, instance=reservation, verb="offer", action="phone_number_reservation.offer",
        changes={"available_numbers": numbers, "reservation_expires_at": timezone.now() + hold_duration()},
        actor=actor, api_key=api_key, request=request, reason=reason,
    )


def _refuse_if_expired(reservation: PhoneNumberReservation, verb: str, now) -> None:
    expires = reservation.reservation_expires_at
    if expires is not None and expires <= now:
        raise RESERVATION.refuse(reservation, verb, f"it expired at {expires:%Y-%m-%d %H:%M:%S %Z}")


@transaction.atomic
def reservation_reserve(
    *, reservation: PhoneNumberReservation, actor, number: str, hold_minutes: int | None = None,
    reason: str = "", api_key=None, request=None,
) -> PhoneNumberReservation:
    reservation = lock(reservation)
    now = timezone.now()
    RESERVATION.ensure(reservation, "reserve")
    _refuse_if_expired(reservation, "reserve", now)
    e164 = parse_number(number, region=region_for_country(reservation.requested_country), field="selected_number")
    e164 = e164["number"]
    if e164 not in (reservation.available_numbers or []):
        raise ValidationError({"selected_number": f"{e164} is not one of the offered numbers."})
    if taken_numbers([e164], exclude=reservation, now=now):
        raise ValidationError({"selected_number": f"{e164} has just been taken; pick another."})
    phone_number_capacity_check(tenant=reservation.tenant)
    return apply_transition(
        machine=RESERVATION, instance=reservation, verb="reserve", action="phone_number_reservation.reserve",
        changes={"selected_number": e164, "reservation_expires_at": now + hold_duration(hold_minutes)},
        actor=actor, api_key=api_key, request=request, reason=reason,
    )


@transaction.atomic
def reservation_complete(
    *, reservation: PhoneNumberReservation, actor, provider: str = "aybiza", region: str | None = None,
    reason: str = "", api_key=None, request=None,
) -> tuple[PhoneNumberReservation, PhoneNumber]:
    """Acquire the reserved number; returns (reservation, phone_number)."""
    reservation = lock(reservation)
    RESERVATION.ensure(reservation, "complete")
    _refuse_if_expired(reservation, "complete", timezone.now())
    phone = phone_number_create(
        tenant=reservation.tenant, actor=actor or reservation.created_by, number=reservation.selected_number,
        acquisition_method=ACQUISITION[reservation.acquisition_method], provider=provider, region=region,
        status="active", error_field="selected_number", reason=f"Acquired through reservation {reservation.pk}",
        api_key=api_key, request=request,
    )
    reservation = apply_transition(
        machine=RESERVATION, instance=reservation, verb="complete", action="phone_number_reservation.complete",
        actor=actor, api_key=api_key, request=request, reason=reason,
        details={"phone_number_id": str(phone.pk), "number": phone.number},
    )
    return reservation, phone


@transaction.atomic
def reservation_expire(
    *, reservation: PhoneNumberReservation, actor=None, now: datetime.datetime | None = None,
    reason: str = "", api_key=None, request=None,
) -> PhoneNumberReservation:
    reservation = lock(reservation)
    now = now or timezone.now()
    RESERVATION.ensure(reservation, "expire")
    expires = reservation.reservation_expires_at
    if expires is None or expires > now:
        raise RESERVATION.refuse(reservation, "expire", "it has not expired yet")
    return apply_transition(
        machine=RESERVATION, instance=reservation, verb="expire", action="phone_number_reservation.expire",
        actor=actor, api_key=api_key, request=request, reason=reason,
    )


def reservations_due_for_expiry(*, now: datetime.datetime | None = None):
    return PhoneNumberReservation.objects.filter(
        status__in=[S.AVAILABLE, S.RESERVED], reservation_expires_at__lte=now or timezone.now()
    )
