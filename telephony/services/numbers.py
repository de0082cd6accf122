"""Phone number parsing with `phonenumbers`: E.164 and the spec's split columns."""

import phonenumbers
from django.core.exceptions import ValidationError
from phonenumbers import PhoneNumberFormat


def parse_number(raw: str, *, region: str | None = None, field: str = "number") -> dict:
    """{number (E.164), country_code, area_code, local_number, formatted_number} or ValidationError({field})."""
    try:
        parsed = phonenumbers.parse(str(raw or "").strip(), region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError({field: f"{raw!r} is not a phone number ({exc}). Use E.164, e.g. +14155550123."})
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError({field: f"{raw!r} is not a valid phone number."})
    national = phonenumbers.national_significant_number(parsed)
    ndc = phonenumbers.length_of_national_destination_code(parsed)
    return {
        "number": phonenumbers.format_number(parsed, PhoneNumberFormat.E164),
        "country_code": str(parsed.country_code),
        "area_code": national[:ndc] or None,
        "local_number": national[ndc:],
        "formatted_number": phonenumbers.format_number(parsed, PhoneNumberFormat.INTERNATIONAL),
    }


def region_for_country(value: str, *, field: str = "requested_country") -> str:
    """An ISO 3166 alpha-2 region ("US") from "US", "us", "1" or "+1"."""
    text = str(value or "").strip().upper()
    if len(text) == 2 and text.isalpha() and text in phonenumbers.SUPPORTED_REGIONS:
        return text
    digits = text.lstrip("+")
    if digits.isdigit():
        region = phonenumbers.region_code_for_country_code(int(digits))
        if region != phonenumbers.UNKNOWN_REGION:
            return region
    raise ValidationError({field: f"{value!r} is not a country: use an ISO code (US) or a calling code (+1)."})
