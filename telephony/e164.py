"""One rule for every phone number that enters the platform: a valid number, stored in E.164.

`e164(raw, field=...)` returns "+14155550123" for any form `phonenumbers`
parses as a valid number (with a leading + or a region), or raises a
ValidationError naming the field. Used by porting requests (model rules,
so the admin and the API both get it) and by calls (from/to numbers);
phone numbers themselves go through telephony.services.numbers.parse_number.
Import-light (no models), so models can use it.
"""

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberFormat


def e164(raw, *, field: str = "number", region: str | None = None) -> str:
    text = str(raw or "").strip()
    if not text or len(text) > 32:
        raise ValidationError({field: "A phone number in E.164 form, e.g. +14155550123."})
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError({field: f"{text!r} is not a phone number. Use E.164, e.g. +14155550123."}) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError({field: f"{text!r} is not a valid phone number."})
    return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)


def serializer_e164(value, field: str) -> str:
    """e164() for a DRF validate_<field> method: a DRF ValidationError with the message."""
    from rest_framework import serializers

    try:
        return e164(value, field=field)
    except ValidationError as exc:
        raise serializers.ValidationError(exc.message_dict[field]) from None
