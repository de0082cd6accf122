"""Telephone numbers for demo and test data.

Every number handed out here is valid for libphonenumber *and* lies in a range
reserved for fiction (US 555-01XX, UK Ofcom drama ranges), so demo data never
points at a real subscriber. `number_parts` splits an E.164 number into the
phone_numbers columns; the test factories use it too.
"""

from typing import NamedTuple

import phonenumbers

# Area codes used for fictional US numbers (NPA-555-01XX).
US_AREA_CODES = ("617", "212", "312", "415", "305", "512", "206", "303", "404", "646")
# Ofcom's drama ranges: 020 7946 0xxx, 0113 496 0xxx, 0161 496 0xxx.
UK_PREFIXES = ("+44207946", "+44113496", "+44161496")


class NumberParts(NamedTuple):
    number: str  # E.164, the unique key (phone_numbers.number)
    formatted_number: str  # international format for display, e.g. "+1 617-555-0100"
    country_code: str  # calling code digits, e.g. "1", "44"
    area_code: str | None
    local_number: str  # national number without the area code


def number_parts(e164: str) -> NumberParts:
    """Split a valid E.164 number into the phone_numbers columns (ValueError if invalid)."""
    parsed = phonenumbers.parse(e164)
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"not a valid phone number: {e164}")
    national = phonenumbers.national_significant_number(parsed)
    area_length = phonenumbers.length_of_geographical_area_code(parsed)
    return NumberParts(
        number=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164),
        formatted_number=phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
        country_code=str(parsed.country_code),
        area_code=national[:area_length] or None,
        local_number=national[area_length:],
    )


def fictional_number(country: str, index: int) -> str:
    """The index-th fictional number of a country ("US": 1,000 of them, "GB": 3,000)."""
    if country == "US":
        area, line = divmod(index, 100)
        return f"+1{US_AREA_CODES[area % len(US_AREA_CODES)]}5550{100 + line}"
    if country == "GB":
        prefix, line = divmod(index, 1000)
        return f"{UK_PREFIXES[prefix % len(UK_PREFIXES)]}{line:04d}"
    raise ValueError(f"no fictional numbering plan for {country}")
