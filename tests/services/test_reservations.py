"""Phone number reservations: offer, reserve, complete, expire, and the expire_reservations command."""

import datetime
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from aybiza.core.errors import LimitExceeded
from telephony.models import PhoneNumber, PhoneNumberReservation
from telephony.services import (
    RESERVATION,
    reservation_complete,
    reservation_expire,
    reservation_offer,
    reservation_reserve,
)
from tests import factories as f

from .conftest import assert_audited, refused

pytestmark = pytest.mark.django_db
STATES = ["pending", "processing", "available", "reserved", "completed", "failed", "expired"]


@pytest.fixture
def reservation(tenant, tenant_user):
    return f.PhoneNumberReservationFactory(tenant=tenant, created_by=tenant_user, requested_country="US",
                                           requested_area_code="415", acquisition_method="managed")


def set_row(reservation, **fields):
    PhoneNumberReservation.objects.filter(pk=reservation.pk).update(**fields)
    reservation.refresh_from_db()
    return reservation


def test_full_flow(reservation, ops):
    f.PhoneNumberFactory(number="+14155550100", tenant=reservation.tenant)  # taken: never offered
    Ph = PhoneNumber.objects.filter(tenant=reservation.tenant).count()
    reservation = reservation_offer(reservation=reservation, actor=ops, count=5)
    assert reservation.status == "available" and len(reservation.available_numbers) == 5
    assert all(n.startswith("+1415") for n in reservation.available_numbers)
    assert "+14155550100" not in reservation.available_numbers
    assert reservation.reservation_expires_at > timezone.now()
    assert_audited(reservation, "phone_number_reservation.offer", actor=ops, before={"status": "pending"},
                   after={"status": "available"})

    pick = reservation.available_numbers[2]
    with refused(reservation, ValidationError):
        reservation_reserve(reservation=reservation, actor=ops, number="+14155550999")
    reservation = reservation_reserve(reservation=reservation, actor=ops, number=pick, hold_minutes=30)
    assert (reservation.status, reservation.selected_number) == ("reserved", pick)
    hold = reservation.reservation_expires_at - timezone.now()
    assert datetime.timedelta(minutes=29) < hold <= datetime.timedelta(minutes=30)
    assert_audited(reservation, "phone_number_reservation.reserve", actor=ops, before={"status": "available"},
                   after={"status": "reserved", "selected_number": pick})

    reservation, phone = reservation_complete(reservation=reservation, actor=ops)
    assert reservation.status == "completed"
    assert (phone.number, phone.acquisition_method, phone.status, phone.area_code) == (pick, "managed", "active", "415")
    assert PhoneNumber.objects.filter(tenant=reservation.tenant).count() == Ph + 1
    assert_audited(reservation, "phone_number_reservation.complete", actor=ops, before={"status": "reserved"},
                   after={"status": "completed"})


def test_offer_with_carrier_candidates_filters_taken_and_held(reservation, tenant, tenant_user, ops):
    f.PhoneNumberFactory(number="+14155550101", tenant=tenant)
    f.PhoneNumberReservationFactory(tenant=tenant, created_by=tenant_user, status="reserved",
                                    selected_number="+14155550102",
                                    reservation_expires_at=timezone.now() + datetime.timedelta(minutes=5))
    reservation = reservation_offer(reservation=reservation, actor=ops, candidates=[
        "+1 415 555 0101", "+14155550102", "(415) 555-0103", "+16175550104", "garbage"])
    assert reservation.available_numbers == ["+14155550103"]


def test_offer_with_nothing_free_changes_nothing(reservation, ops):
    with refused(reservation, ValidationError):
        reservation_offer(reservation=reservation, actor=ops, candidates=["+16175550104"])


def test_reserve_and_complete_respect_limits(reservation, ops):
    reservation = reservation_offer(reservation=reservation, actor=ops)
    f.PhoneNumberFactory.create_batch(2, tenant=reservation.tenant)
    with refused(reservation, LimitExceeded, match="max_phone_numbers"):
        reservation_reserve(reservation=reservation, actor=ops, number=reservation.available_numbers[0])


def test_complete_refused_for_suspended_tenant(reservation, ops):
    reservation = reservation_offer(reservation=reservation, actor=ops)
    reservation = reservation_reserve(reservation=reservation, actor=ops, number=reservation.available_numbers[0])
    type(reservation.tenant).objects.filter(pk=reservation.tenant_id).update(status="suspended")
    with refused(reservation, LimitExceeded, match="suspended"):
        reservation_complete(reservation=reservation, actor=ops)


def test_expired_hold_cannot_be_completed_only_expired(reservation, ops):
    past = timezone.now() - datetime.timedelta(minutes=1)
    reservation = set_row(reservation, status="reserved", selected_number="+14155550120",
                          available_numbers=["+14155550120"], reservation_expires_at=past)
    with refused(reservation, match="Cannot complete a phone number reservation that is reserved: it expired"):
        reservation_complete(reservation=reservation, actor=ops)
    reservation = reservation_expire(reservation=reservation, actor=ops)
    assert_audited(reservation, "phone_number_reservation.expire", actor=ops, before={"status": "reserved"},
                   after={"status": "expired"})


def test_expire_refused_before_expiry(reservation, ops):
    reservation = set_row(reservation, status="available",
                          reservation_expires_at=timezone.now() + datetime.timedelta(minutes=5))
    with refused(reservation, match="has not expired yet|it has not expired yet"):
        reservation_expire(reservation=reservation, actor=ops)


CALLS = {
    "offer": lambda r, u: reservation_offer(reservation=r, actor=u),
    "reserve": lambda r, u: reservation_reserve(reservation=r, actor=u, number="+14155550120"),
    "complete": lambda r, u: reservation_complete(reservation=r, actor=u),
    "expire": lambda r, u: reservation_expire(reservation=r, actor=u),
}


@pytest.mark.parametrize(("verb", "status"), [
    (verb, status) for verb, t in RESERVATION.transitions.items() for status in STATES if status not in t.sources
])
def test_illegal_transitions_change_nothing(reservation, ops, verb, status):
    reservation = set_row(reservation, status=status, selected_number="+14155550120",
                          reservation_expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with refused(reservation, match=f"Cannot {verb} a phone number reservation that is {status}; allowed from: "):
        CALLS[verb](reservation, ops)


def test_expire_reservations_command_is_idempotent(tenant, tenant_user):
    now = timezone.now()
    due = [
        f.PhoneNumberReservationFactory(tenant=tenant, created_by=tenant_user, status=status,
                                        reservation_expires_at=now - datetime.timedelta(minutes=1))
        for status in ("available", "reserved")
    ]
    live = f.PhoneNumberReservationFactory(tenant=tenant, created_by=tenant_user, status="reserved",
                                           reservation_expires_at=now + datetime.timedelta(minutes=10))
    done = f.PhoneNumberReservationFactory(tenant=tenant, created_by=tenant_user, status="completed",
                                           reservation_expires_at=now - datetime.timedelta(minutes=1))
    out = StringIO()
    call_command("expire_reservations", stdout=out)
    assert out.getvalue().strip() == "Expired 2 phone number reservation(s)."
    assert {r.status for r in PhoneNumberReservation.objects.filter(pk__in=[d.pk for d in due])} == {"expired"}
    assert PhoneNumberReservation.objects.get(pk=live.pk).status == "reserved"
    assert PhoneNumberReservation.objects.get(pk=done.pk).status == "completed"
    out = StringIO()
    call_command("expire_reservations", stdout=out)
    assert out.getvalue().strip() == "Expired 0 phone number reservation(s)."
