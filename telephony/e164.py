"""One rule for every phone number that enters the platform: a valid number, stored in E.164.

`e164(raw, field=...)` returns "+14155550123" for any form `phonenumbers`
parses as a valid number (with a leading + or a region), or raises a
ValidationError naming the field. Used by porting requests (model rules,
so the admin and the API both get it) and by calls (the caller may also be
withheld: `caller_id`);
phone numbers themselves go through telephony.services.numbers.parse_number.
Import-light (no models), so models can use it.
"""

import functools

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberFormat

UNPARSEABLE, INVALID = "unparseable", "invalid"


@functools.lru_cache(maxsize=8192)
def normalize(text: str, region: str | None = None) -> tuple[str | None, str | None]:
    """(the E.164 form, None) of a valid number, else (None, UNPARSEABLE or INVALID).

    Remembered per text: a call's numbers are checked at routing and again at ingestion, and the
    same dialed numbers come back on every call.
    """
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None, UNPARSEABLE
    if not phonenumbers.is_valid_number(parsed):
        return None, INVALID
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164), None


def e164(raw, *, field: str = "number", region: str | None = None) -> str:
    text = str(raw or "").strip()
    if not text or len(text) > 32:
        raise ValidationError({field: "A phone number in E.164 form, e.g. +14155550123."})
    number, problem = normalize(text, region)
    if problem == UNPARSEABLE:
        raise ValidationError({field: f"{text!r} is not a phone number. Use E.164, e.g. +14155550123."})
    if problem == INVALID:
        raise ValidationError({field: f"{text!r} is not a valid phone number."})
    return number


# What carriers send instead of a number when the caller withholds it (kept as sent, lower case).
WITHHELD = frozenset({"anonymous", "private", "restricted", "unavailable", "unknown", "withheld"})


def caller_id(raw, *, field: str = "from_number") -> str:
    """A caller's number: a valid number in E.164, or the carrier's withheld marker ("anonymous", ...)."""
    text = str(raw or "").strip()
    if text.lower() in WITHHELD:
        return text.lower()
    return e164(text, field=field)


def serializer_e164(value, field: str, *, withheld_allowed: bool = False) -> str:
    """e164() (or caller_id(), a withheld caller allowed) for a DRF validate_<field> method."""
    from rest_framework import serializers

    try:
        return caller_id(value, field=field) if withheld_allowed else e164(value, field=field)
    except ValidationError as exc:
        raise serializers.ValidationError(exc.message_dict[field]) from None
