"""Business actions of the telephony app (see docs/services.md)."""

from .numbers import parse_number, region_for_country
from .phone_numbers import phone_number_capacity_check, phone_number_create
from .porting import (
    PORTING,
    porting_request_approve,
    porting_request_cancel,
    porting_request_complete,
    porting_request_reject,
    porting_request_start,
    porting_request_submit,
)
from .reservations import (
    RESERVATION,
    reservation_complete,
    reservation_expire,
    reservation_offer,
    reservation_reserve,
)
from .sip_trunks import sip_trunk_capacity_check, sip_trunk_create

__all__ = [
    "PORTING", "RESERVATION", "parse_number", "phone_number_capacity_check", "phone_number_create", "porting_request_approve",
    "porting_request_cancel", "porting_request_complete", "porting_request_reject", "porting_request_start",
    "porting_request_submit", "region_for_country", "reservation_complete", "reservation_expire",
    "reservation_offer", "reservation_reserve", "sip_trunk_capacity_check", "sip_trunk_create",
]
