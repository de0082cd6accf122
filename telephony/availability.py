"""Which phone numbers are already in use, across every tenant.

Runs through a SECURITY DEFINER function (migration 0005), so the answer is
the same inside a tenant's row-level-security context, where other tenants'
numbers are invisible to ordinary queries.
"""

from django.db import connection


def numbers_in_use(numbers) -> set[str]:
    numbers = [str(n) for n in numbers]
    if not numbers:
        return set()
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.aybiza_phone_numbers_in_use(%s::text[])", [numbers])
        return {row[0] for row in cursor.fetchall()}


def number_served_elsewhere(number: str, *, tenant_id, exclude=None) -> bool:
    """Whether another tenant has this number or is porting it (yes/no only; never whose)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT public.aybiza_number_served_elsewhere(%s, %s, %s)", [str(number), tenant_id, exclude])
        return bool(cursor.fetchone()[0])
