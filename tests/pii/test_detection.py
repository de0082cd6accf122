"""PII detection on a small fixed labelled sample: the exact findings, and what must not be found."""

import pytest

from analytics.pii.benchmark import luhn_valid
from analytics.pii.detection import detect

SAMPLE = [
    # phone numbers: international and national formats, several countries
    ("Caller: my number is (415) 555-0132.", [("PHONE_NUMBER", "(415) 555-0132")]),
    ("Call me back at +44 20 7946 0958 or on 020 7946 0958.",
     [("PHONE_NUMBER", "+44 20 7946 0958"), ("PHONE_NUMBER", "020 7946 0958")]),
    ("Meine Nummer: +49 30 12345678, mobil 01512 3456789.",
     [("PHONE_NUMBER", "+49 30 12345678"), ("PHONE_NUMBER", "01512 3456789")]),
    ("Text me at 06 12 34 56 78 please.", [("PHONE_NUMBER", "06 12 34 56 78")]),
    ("I'm calling from +81 3-1234-5678 in Tokyo.", [("PHONE_NUMBER", "+81 3-1234-5678")]),
    ("my mobile is 612 34 56 78", [("PHONE_NUMBER", "612 34 56 78")]),
    # e-mail
    ("Send it to Maria.Garcia+orders@acme-dental.co.uk, thanks.",
     [("EMAIL_ADDRESS", "Maria.Garcia+orders@acme-dental.co.uk")]),
    # payment cards: Luhn-valid only (4111 1111 1111 1112 fails the check)
    ("The Visa is 4111 1111 1111 1111, the old one was 4111 1111 1111 1112.", [("CREDIT_CARD", "4111 1111 1111 1111")]),
    ("Amex 3782-822463-10005 and Mastercard 2221000000000009.",
     [("CREDIT_CARD", "3782-822463-10005"), ("CREDIT_CARD", "2221000000000009")]),
    # US SSN: delimited, or nine digits next to "social security" / "SSN"
    ("My social security number is 219-09-9999.", [("US_SSN", "219-09-9999")]),
    ("SSN 078051121 please.", [("US_SSN", "078051121")]),
    # IBAN: checksum-valid only (the second differs in its check digits)
    ("Refund to DE89 3704 0044 0532 0130 00, not DE88 3704 0044 0532 0130 00.",
     [("IBAN_CODE", "DE89 3704 0044 0532 0130 00")]),
    ("IBAN GB82WEST12345698765432.", [("IBAN_CODE", "GB82WEST12345698765432")]),
    # dates of birth: only with birth context in the same sentence
    ("I was born on March 3rd, 1985. The appointment is on 04/14/2026.", [("DATE_OF_BIRTH", "March 3rd, 1985")]),
    ("DOB: 14/03/1985", [("DATE_OF_BIRTH", "14/03/1985")]),
    # hard negatives: nothing at all
    ("My order number is 58219034 and it came to $1,249.99.", []),
    ("Can we do 10:30 am on Tuesday? Ticket 4821993 is open.", []),
    ("Policy number 385-790-103, part number 34-9377-83.", []),
    ("The tracking number is 4993 2049 2272 7711.", []),
    ("The appointment is on March 3rd, 2026 at 9:30.", []),
    ("Thanks for calling, how can I help you today?", []),
    ("", []),
]


@pytest.mark.parametrize("text, expected", SAMPLE, ids=[str(i) for i in range(len(SAMPLE))])
def test_exact_findings(text, expected):
    assert [(f.entity_type, text[f.start:f.end]) for f in detect(text)] == expected


def test_findings_do_not_overlap_and_are_in_order():
    text = "Card 4111 1111 1111 1111, phone +1 415-555-0132, IBAN GB82 WEST 1234 5698 7654 32, ssn 219-09-9999."
    findings = detect(text)
    assert [f.entity_type for f in findings] == ["CREDIT_CARD", "PHONE_NUMBER", "IBAN_CODE", "US_SSN"]
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:]))


def test_a_card_number_inside_an_iban_is_not_a_card():
    # The 16 digits after "ES89" happen to pass Luhn; with the wrong check digits the IBAN is not one either.
    text = "The IBAN on the invoice, ES89 1320 3760 9661 2028 1667, bounced."
    assert luhn_valid("1320376096612028")
    assert detect(text) == []
