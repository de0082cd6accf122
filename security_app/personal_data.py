"""Where a data subject's personal data lives: a registry of sources, filled by the apps that own the tables.

A `Source` says how to find the rows of one table that refer to a `Subject` (a person named by phone
number and/or e-mail, or a whole organization being offboarded), how to export them (which columns)
and how to erase them (delete, or redact in place). security_app registers its own tables and the
users table here; analytics (a higher app, which may import this one) registers calls, transcripts,
call analytics, detailed metrics and the automation logs in its AppConfig.ready(). Nothing here
imports a higher app.

Resolvers fill `Subject.refs` before any source runs (e.g. analytics adds the subject's call_sids,
which the detection tables use), so a source never needs another app's models.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import F, Func, JSONField, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast
from django.utils.crypto import salted_hmac

ERASED = "[erased]"


@dataclass
class Subject:
    """Who a request is about. `organization_id` always; `tenant_id` narrows; no identifiers = the organization."""

    organization_id: object
    tenant_id: object = None
    phone: str | None = None  # E.164
    email: str | None = None  # lower case
    refs: dict = field(default_factory=dict)  # filled by resolvers: {"call_sids": set, "user_ids": set}

    @property
    def whole_organization(self) -> bool:
        return not (self.phone or self.email)

    def phone_variants(self) -> list[str]:
        """The forms a number is written in (E.164, international, national, digits only)."""
        if not self.phone:
            return []
        parsed = phonenumbers.parse(self.phone)
        forms = {
            self.phone,
            self.phone.lstrip("+"),
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL),
            str(parsed.national_number),
        }
        return sorted((f for f in forms if len(f) >= 7), key=len, reverse=True)

    def variants(self) -> list[str]:
        return self.phone_variants() + ([self.email] if self.email else [])

    def scope(self, prefix: str = "") -> Q:
        q = Q(**{f"{prefix}organization_id": self.organization_id})
        if self.tenant_id is not None:
            q &= Q(**{f"{prefix}tenant_id": self.tenant_id})
        return q

    def text_q(self, *columns: str) -> Q:
        """Rows where any of `columns` (text, or JSON annotated as `<col>_text`) contains an identifier."""
        q = Q(pk__in=[])
        for column in columns:
            for variant in self.variants():
                q |= Q(**{f"{column}__icontains": variant})
        return q


def normalize_phone(value: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        parsed = phonenumbers.parse(value, None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError({"subject_phone": f"Not a phone number in international format (+country...): {exc}."})
    if not phonenumbers.is_possible_number(parsed):
        raise ValidationError({"subject_phone": "Not a possible phone number."})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(value: str | None) -> str | None:
    value = (value or "").strip().lower()
    if not value:
        return None
    try:
        validate_email(value)
    except ValidationError:
        raise ValidationError({"subject_email": "Enter a valid e-mail address."})
    return value


def fingerprint(phone: str | None, email: str | None) -> str:
    """A keyed hash of the identifiers: matches a later request for the same person, reveals nobody."""
    return salted_hmac("aybiza.data-subject", f"{phone or ''}|{email or ''}", algorithm="sha256").hexdigest()


def as_text(queryset: QuerySet, *columns: str) -> QuerySet:
    """Annotate `<column>_text` = column::text for the JSON columns a search looks into."""
    return queryset.annotate(**{f"{c}_text": Cast(c, TextField()) for c in columns})


class RegexpReplace(Func):
    function = "regexp_replace"
    output_field = TextField()


def _replaced(expression, subject: Subject, *, in_json: bool):
    for variant in subject.variants():
        literal = json.dumps(variant)[1:-1] if in_json else variant
        # Case-insensitive, like the search (icontains) that found the row.
        expression = RegexpReplace(expression, Value(re.escape(literal)), Value(ERASED), Value("gi"))
    return expression


def scrub_json(queryset: QuerySet, subject: Subject, *columns: str) -> int:
    """Replace every identifier inside JSON `columns` by "[erased]" (the JSON stays valid). Rows changed."""
    if not subject.variants():
        return 0
    return queryset.update(**{c: Cast(_replaced(Cast(F(c), TextField()), subject, in_json=True), JSONField())
                              for c in columns})


def scrub_text(queryset: QuerySet, subject: Subject, *columns: str) -> int:
    if not subject.variants():
        return 0
    return queryset.update(**{c: _replaced(F(c), subject, in_json=False) for c in columns})


@dataclass(frozen=True)
class Source:
    """One table's personal data.

    find(subject) -> QuerySet of the rows referring to the subject (the whole organization's when
    `subject.whole_organization`). erase(queryset, subject, actor) -> (verb, rows) with verb
    "deleted" or "redacted"; None for a legal hold (the rows are exported, never erased).
    """

    key: str  # "call_analytics.calls": the table, also the file name in the export
    find: Callable[[Subject], QuerySet]
    erase: Callable[[QuerySet, Subject, object], tuple[str, int]] | None
    exclude: tuple[str, ...] = ()  # columns never exported (secrets)
    order: int = 100  # erasure order: dependants before what they point at
    hold: str = ""  # why the rows are kept (legal hold), when erase is None
    hold_years: int = 0


SOURCES: dict[str, Source] = {}
RESOLVERS: list[Callable[[Subject], None]] = []


def register(source: Source) -> Source:
    SOURCES[source.key] = source
    return source


def resolver(function: Callable[[Subject], None]) -> Callable[[Subject], None]:
    if function not in RESOLVERS:
        RESOLVERS.append(function)
    return function


def resolve(subject: Subject) -> Subject:
    for function in RESOLVERS:
        function(subject)
    return subject


def sources() -> list[Source]:
    return sorted(SOURCES.values(), key=lambda s: (s.order, s.key))


def export_fields(source: Source, queryset: QuerySet) -> list[str]:
    return [f.attname for f in queryset.model._meta.concrete_fields if f.name not in source.exclude
            and f.attname not in source.exclude]
