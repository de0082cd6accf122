"""A labelled set of voice-agent utterances, generated from a seed, and its scoring (benchmark_pii).

Nothing here is a committed data file: every utterance is made by `generate(count, seed)`
from templates and random values (phone numbers valid for their region per
`phonenumbers`, Luhn-valid card numbers, checksum-valid IBANs, SSNs of issued
ranges, e-mail addresses, dates), so the same seed gives the same set.

About a third of the utterances carry no PII but look like it (the hard negatives):
order and tracking numbers, prices, times, quantities, digit runs of card length
that fail the Luhn check, IBANs with a wrong checksum, appointment dates, postcodes.

Scoring: a labelled value is *recalled* when one finding of its type covers it
whole (a partial cover would leave digits in the redacted text); a finding is a
*true positive* when it overlaps a labelled value of its type, else a false positive.
"""

from __future__ import annotations

import random
import string
import time
from collections import Counter
from dataclasses import dataclass, field

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from .detection import ENTITIES, detect
from .redaction import Redaction


@dataclass
class Utterance:
    text: str
    spans: list[tuple[str, int, int]] = field(default_factory=list)  # (type, start, end)


class _Builder:
    """Concatenates literal text and labelled values, keeping the labels' offsets."""

    def __init__(self):
        self.parts: list[str] = []
        self.length = 0
        self.spans: list[tuple[str, int, int]] = []

    def add(self, text: str, entity_type: str | None = None) -> "_Builder":
        if entity_type:
            self.spans.append((entity_type, self.length, self.length + len(text)))
        self.parts.append(text)
        self.length += len(text)
        return self

    def build(self) -> Utterance:
        return Utterance("".join(self.parts), self.spans)


# ---- values -------------------------------------------------------------------------------

PHONE_REGIONS_NATIONAL = ("US", "GB", "DE", "FR", "ES", "IT", "NL", "IE", "AU", "IN", "BR", "MX")
PHONE_REGIONS_INTERNATIONAL_ONLY = ("JP", "SG", "AE", "ZA", "CH", "SE", "PL", "PT", "BE", "NZ")


def phone_number(rng: random.Random) -> str:
    """A number valid for its region, in a format a transcript would show."""
    national = rng.random() < 0.55
    region = rng.choice(PHONE_REGIONS_NATIONAL if national else PHONE_REGIONS_NATIONAL + PHONE_REGIONS_INTERNATIONAL_ONLY)
    kind = rng.choice((PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE))
    example = phonenumbers.example_number_for_type(region, kind) or phonenumbers.example_number(region)
    digits = str(example.national_number)
    for _ in range(50):
        keep = max(2, len(digits) - rng.randint(4, 6))
        candidate = digits[:keep] + "".join(rng.choice(string.digits) for _ in range(len(digits) - keep))
        number = phonenumbers.parse(f"+{example.country_code}{candidate}")
        if phonenumbers.is_valid_number(number):
            break
    else:
        number = example
    if national:
        text = phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
        style = rng.random()
        if region == "US" and style < 0.3:
            text = text.replace("(", "").replace(") ", "-")  # 415-555-0132
        elif region == "US" and style < 0.45:
            text = text.replace("(", "").replace(") ", ".").replace("-", ".")  # 415.555.0132
        return text
    style = rng.random()
    if style < 0.2:
        return phonenumbers.format_number(number, PhoneNumberFormat.E164)
    text = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    if style < 0.35:
        text = text.replace("-", " ")
    return text


FIRST = ("john", "maria", "li", "ahmed", "sofia", "lukas", "chloe", "raj", "ana", "olga", "kenji", "fatima", "tom",
         "emma", "noah", "ines", "jan", "priya", "mateo", "zoe")
LAST = ("smith", "garcia", "chen", "khan", "rossi", "muller", "dubois", "patel", "silva", "novak", "tanaka", "okafor",
        "brown", "jensen", "oconnor", "martin", "kowalski", "nguyen", "haddad", "berg")
DOMAINS = ("gmail.com", "yahoo.co.uk", "outlook.com", "example.org", "acme-dental.com", "mail.de", "orange.fr",
           "bigpond.com.au", "company.io", "uni-hamburg.de", "hotmail.es", "proton.me", "clinic.co.nz", "shop.com.br")


def email_address(rng: random.Random) -> str:
    first, last = rng.choice(FIRST), rng.choice(LAST)
    local = rng.choice((f"{first}.{last}", f"{first}{last}", f"{first[0]}{last}", f"{first}_{last}{rng.randint(1, 99)}",
                        f"{first}+orders", f"{last}.{first}{rng.randint(1970, 2005)}", f"{first}-{last}"))
    if rng.random() < 0.15:
        local = local.capitalize()
    return f"{local}@{rng.choice(DOMAINS)}"


def _luhn_digit(payload: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:  # the digit left of the check digit is doubled first
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def luhn_valid(number: str) -> bool:
    return _luhn_digit(number[:-1]) == number[-1]


CARD_BRANDS = (("4", 16), ("51", 16), ("53", 16), ("55", 16), ("2221", 16), ("2720", 16), ("34", 15), ("37", 15),
               ("6011", 16), ("65", 16), ("3528", 16))  # (13-digit Visa numbers are no longer issued)


def card_digits(rng: random.Random, *, valid: bool = True) -> str:
    prefix, length = rng.choice(CARD_BRANDS)
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    check = _luhn_digit(body)
    if not valid:
        check = str((int(check) + rng.randint(1, 9)) % 10)
    return body + check


def card_text(digits: str, rng: random.Random) -> str:
    style = rng.random()
    if len(digits) == 15:  # Amex 4-6-5
        groups = [digits[:4], digits[4:10], digits[10:]]
    else:
        groups = [digits[i:i + 4] for i in range(0, len(digits), 4)]
    if style < 0.5:
        return " ".join(groups)
    if style < 0.75:
        return "-".join(groups)
    return digits


def ssn_text(rng: random.Random) -> str:
    area = rng.choice([a for a in range(1, 900) if a != 666])
    group, serial = rng.randint(1, 99), rng.randint(1, 9999)
    sep = rng.choice(("-", "-", "-", " "))
    return f"{area:03d}{sep}{group:02d}{sep}{serial:04d}"


IBAN_FORMATS = {  # country: BBAN as (kind, length) runs; n digits, a upper-case letters, c either
    "DE": (("n", 18),), "GB": (("a", 4), ("n", 14)), "FR": (("n", 10), ("c", 11), ("n", 2)),
    "ES": (("n", 20),), "IT": (("a", 1), ("n", 10), ("c", 12)), "NL": (("a", 4), ("n", 10)),
    "BE": (("n", 12),), "AT": (("n", 16),), "CH": (("n", 5), ("c", 12)), "IE": (("a", 4), ("n", 14)),
    "PL": (("n", 24),), "PT": (("n", 21),),
}


def _iban_check(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    number = int("".join(str(int(ch, 36)) for ch in rearranged))
    return f"{98 - number % 97:02d}"


def iban_value(rng: random.Random, *, valid: bool = True) -> str:
    country = rng.choice(sorted(IBAN_FORMATS))
    alphabet = {"n": string.digits, "a": string.ascii_uppercase, "c": string.digits + string.ascii_uppercase}
    bban = "".join("".join(rng.choice(alphabet[kind]) for _ in range(length))
                   for kind, length in IBAN_FORMATS[country])
    check = _iban_check(country, bban)
    if not valid:
        check = f"{(int(check) + rng.randint(1, 96)) % 97 + 2:02d}"
        if check == _iban_check(country, bban):
            check = f"{(int(check) + 1) % 97 + 2:02d}"
    compact = country + check + bban
    if rng.random() < 0.6:
        return " ".join(compact[i:i + 4] for i in range(0, len(compact), 4))
    return compact


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def date_text(rng: random.Random, year: int) -> str:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd"}.get(day, "th")
    return rng.choice((
        f"{month:02d}/{day:02d}/{year}", f"{day:02d}/{month:02d}/{year}", f"{year}-{month:02d}-{day:02d}",
        f"{MONTHS[month - 1]} {day}, {year}", f"{MONTHS[month - 1]} {day}{suffix} {year}",
        f"{day} {MONTHS[month - 1]} {year}", f"the {day}{suffix} of {MONTHS[month - 1]} {year}",
        f"{day}.{month}.{year}", f"{MONTHS[month - 1][:3]} {day} {year}",
    ))


# ---- utterances ---------------------------------------------------------------------------

OPENERS = ("Caller: ", "Caller: Yeah, ", "Caller: Sure, ", "Caller: Okay so ", "Caller: Um, ", "")


def _positive(rng: random.Random) -> Utterance:
    b = _Builder().add(rng.choice(OPENERS))
    kind = rng.choice(ENTITIES)
    if kind == "PHONE_NUMBER":
        pre, post = rng.choice((
            ("my number is ", "."), ("you can reach me on ", " after five."), ("call me back at ", ", thanks."),
            ("the best number is ", "."), ("it's ", " for the office."), ("text me at ", " please."),
            ("my mobile is ", " and the landline is the same."), ("please ring ", " tomorrow."),
            ("my wife's cell, ", ", is better."), ("I'm calling from ", "."),
        ))
        b.add(pre).add(phone_number(rng), "PHONE_NUMBER").add(post)
        if rng.random() < 0.25:
            b.add(" Or try ").add(phone_number(rng), "PHONE_NUMBER").add(".")
    elif kind == "EMAIL_ADDRESS":
        pre, post = rng.choice((
            ("my email is ", "."), ("send it to ", " please."), ("it's ", ", all lower case."),
            ("the invoice goes to ", "."), ("you can write to ", " if that's easier."),
            ("my e-mail address is ", " and my order is for two."),
        ))
        b.add(pre).add(email_address(rng), "EMAIL_ADDRESS").add(post)
    elif kind == "CREDIT_CARD":
        pre, post = rng.choice((
            ("my card number is ", "."), ("the Visa is ", ", expiry next March."), ("it's ", " on the Mastercard."),
            ("use the card ", " please."), ("the number on the card is ", ", and the code is on the back."),
            ("charge ", " for the deposit."),
        ))
        b.add(pre).add(card_text(card_digits(rng), rng), "CREDIT_CARD").add(post)
    elif kind == "US_SSN":
        value = ssn_text(rng)
        if rng.random() < 0.2:
            value = value.replace("-", "").replace(" ", "")
            pre = rng.choice(("my social security number is ", "SSN ", "the social is "))
        else:
            pre = rng.choice(("my social security number is ", "my SSN is ", "it's ", "the last one I gave was ",
                              "social: "))
        b.add(pre).add(value, "US_SSN").add(rng.choice((".", ", I think.", " and my zip is 30301.")))
    elif kind == "IBAN_CODE":
        pre, post = rng.choice((
            ("my IBAN is ", "."), ("please refund to ", "."), ("the account is ", ", in my name."),
            ("transfer it to IBAN ", " by Friday."), ("it's ", " at my bank."),
        ))
        b.add(pre).add(iban_value(rng), "IBAN_CODE").add(post)
    else:
        pre, post = rng.choice((
            ("my date of birth is ", "."), ("I was born on ", "."), ("DOB ", "."), ("my birthday is ", ", if you need it."),
            ("date of birth: ", "."), ("born ", ", in Lyon."),
        ))
        b.add(pre).add(date_text(rng, rng.randint(1935, 2008)), "DATE_OF_BIRTH").add(post)
    if rng.random() < 0.3:
        b.add(" " + _negative_sentence(rng))
    return b.build()


def _negative_sentence(rng: random.Random) -> str:
    n = rng.randint
    options = (
        f"My order number is {n(10_000_000, 99_999_999)}.",
        f"The order is #{n(100_000, 999_999)}-{n(10, 99)}.",
        f"It came to ${n(10, 2999)}.{n(10, 99)} with tax.",
        f"That's {n(2, 900)} euros {n(10, 99)} per month.",
        f"Can we do {n(1, 12)}:{rng.choice(('00', '15', '30', '45'))} {rng.choice(('am', 'pm'))} on Tuesday?",
        f"The appointment is on {date_text(rng, n(2025, 2027))} at {n(8, 17)}:30.",
        f"My tracking number is {card_text(card_digits(rng, valid=False), rng)}.",
        f"The reference on the letter is {card_digits(rng, valid=False)}.",
        f"The IBAN on the invoice, {iban_value(rng, valid=False)}, bounced.",
        f"I need {n(2, 40)} boxes of {n(100, 500)} units.",
        f"The confirmation code is {rng.choice(string.ascii_uppercase)}{rng.choice(string.ascii_uppercase)}{n(1000, 9999)}.",
        f"We're at suite {n(100, 999)}, zip code {n(10_000, 99_999)}.",
        f"Flight {rng.choice(('BA', 'LH', 'UA', 'AF'))}{n(100, 9999)} lands at {n(10, 23)}:{n(10, 59)}.",
        f"I've been a customer since {n(1995, 2024)}.",
        f"Ticket {n(1_000_000, 9_999_999)} is still open.",
        f"Extension {n(100, 9999)}, please.",
        f"The invoice total was {n(1, 99)},{n(100, 999)}.{n(10, 99)} dollars.",
        f"Policy number {n(100, 999)}-{n(100, 999)}-{n(100, 999)}.",
        f"It's {n(1, 30)} degrees and the meter reads {n(10_000, 999_999)}.",
        f"Part number {n(10, 99)}-{n(1000, 9999)}-{n(10, 99)}, quantity {n(1, 9)}.",
    )
    return rng.choice(options)


def _negative(rng: random.Random) -> Utterance:
    return _Builder().add(rng.choice(OPENERS)).add(_negative_sentence(rng)).build()


def generate(count: int, seed: int) -> list[Utterance]:
    """`count` labelled utterances; about 65% carry PII (one or two values), the rest are hard negatives."""
    rng = random.Random(seed)
    return [_positive(rng) if rng.random() < 0.65 else _negative(rng) for _ in range(count)]


# ---- scoring ------------------------------------------------------------------------------


@dataclass
class Score:
    true_positives: Counter = field(default_factory=Counter)
    false_positives: Counter = field(default_factory=Counter)
    labelled: Counter = field(default_factory=Counter)
    recalled: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    utterances: int = 0

    def precision(self, entity: str) -> float | None:
        found = self.true_positives[entity] + self.false_positives[entity]
        return self.true_positives[entity] / found if found else None

    def recall(self, entity: str) -> float | None:
        return self.recalled[entity] / self.labelled[entity] if self.labelled[entity] else None


def score(utterances: list[Utterance], *, misses: list | None = None) -> Score:
    """Run detection over every utterance; compare with the labels. `misses` collects (utterance, kind, span)."""
    result = Score(utterances=len(utterances))
    started = time.perf_counter()
    found = [detect(u.text) for u in utterances]
    result.seconds = time.perf_counter() - started
    for utterance, findings in zip(utterances, found):
        for entity, start, end in utterance.spans:
            result.labelled[entity] += 1
            if any(f.entity_type == entity and f.start <= start and f.end >= end for f in findings):
                result.recalled[entity] += 1
            elif misses is not None:
                misses.append((utterance.text, "missed", entity, utterance.text[start:end]))
        for f in findings:
            if any(entity == f.entity_type and f.start < end and f.end > start for entity, start, end in utterance.spans):
                result.true_positives[f.entity_type] += 1
            else:
                result.false_positives[f.entity_type] += 1
                if misses is not None:
                    misses.append((utterance.text, "false positive", f.entity_type, utterance.text[f.start:f.end]))
    return result


def transcripts(utterances: list[Utterance], *, turns_per_transcript: int = 10) -> list[dict]:
    """The utterances grouped into transcript-shaped dicts (turns + full_text), as ingestion stores them."""
    out = []
    for i in range(0, len(utterances), turns_per_transcript):
        chunk = utterances[i:i + turns_per_transcript]
        turns = [{"speaker": "caller" if j % 2 else "agent", "text": u.text, "start_ms": j * 4000,
                  "end_ms": j * 4000 + 3500} for j, u in enumerate(chunk)]
        out.append({"turns": turns, "full_text": "\n".join(u.text for u in chunk)})
    return out


def redaction_throughput(utterances: list[Utterance]) -> tuple[int, float]:
    """(transcripts, seconds) to redact every text of the grouped transcripts in memory (no database)."""
    grouped = transcripts(utterances)
    started = time.perf_counter()
    for transcript in grouped:
        redaction = Redaction()
        redaction.text(transcript["full_text"], "full_text")
        redaction.json(transcript["turns"], "turns")
    return len(grouped), time.perf_counter() - started
