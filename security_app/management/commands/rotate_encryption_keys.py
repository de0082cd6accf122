"""Re-encrypt every encrypted column under the newest key.

    manage.py rotate_encryption_keys [--dry-run] [--batch-size N]

Put the new key first in AYBIZA_FIELD_ENCRYPTION_KEYS (keep the old ones
after it), run this command, then drop the old keys. It finds the columns
itself (every EncryptedTextField / EncryptedJSONField of every model), reads
the stored tokens with SQL and rewrites only those not already under the
newest key, so it is idempotent and can be re-run after an interruption.
Rows are written with plain UPDATEs: `version` (the optimistic lock) and
`updated_at` do not move, since the stored secret itself has not changed.

Exit status is non-zero (CommandError) when a token cannot be decrypted with
any configured key; every other row is still rotated.
"""

import sys

from cryptography.fernet import InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connections, transaction
from tqdm import tqdm

from aybiza.core.db import encryption
from aybiza.core.db.fields import EncryptedJSONField, encrypted_fields
from security_app.key_rotation import record_rotation

MAX_REPORTED_FAILURES = 20


class EncryptedColumn:
    """One encrypted column and the SQL to read and rewrite its tokens."""

    def __init__(self, model, field, connection):
        self.model, self.field = model, field
        quote = connection.ops.quote_name
        self.label = f"{model._meta.label}.{field.name}"
        self.table = quote(model._meta.db_table)
        self.pk = quote(model._meta.pk.column)
        column = quote(field.column)
        if isinstance(field, EncryptedJSONField):
            # A token is a JSON string; {} / [] / null are stored as they are and never rotated.
            self.token = f"({column} #>> '{{}}')"
            self.candidates = f"jsonb_typeof({column}) = 'string'"
            self.new_value = "to_jsonb(%s::text)"
        else:
            self.token = column
            self.candidates = f"{column} IS NOT NULL AND {column} <> ''"
            self.new_value = "%s"
        self.column = column

    def count(self, cursor) -> int:
        cursor.execute(f"SELECT count(*) FROM {self.table} WHERE {self.candidates}")
        return cursor.fetchone()[0]

    def batches(self, cursor, batch_size):
        """(pk, token) pairs in primary-key order, one batch at a time (keyset pagination)."""
        last = None
        while True:
            after = "" if last is None else f" AND {self.pk} > %s"
            cursor.execute(
                f"SELECT {self.pk}, {self.token} FROM {self.table} WHERE {self.candidates}{after} "
                f"ORDER BY {self.pk} LIMIT %s",
                ([] if last is None else [last]) + [batch_size],
            )
            rows = cursor.fetchall()
            if not rows:
                return
            yield rows
            last = rows[-1][0]

    def rewrite(self, cursor, pk, old_token, new_token) -> int:
        """Replace the token unless the row changed meanwhile (then the new value is already current)."""
        cursor.execute(
            f"UPDATE {self.table} SET {self.column} = {self.new_value} WHERE {self.pk} = %s AND {self.token} = %s",
            [new_token, pk, old_token],
        )
        return cursor.rowcount


class Command(BaseCommand):
    help = "Re-encrypt every encrypted column under the newest key of FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true",
            help="Only count the values still under an old key (and those no configured key can decrypt).",
        )
        parser.add_argument("--batch-size", type=int, default=500, help="Rows read and written per transaction.")
        parser.add_argument("--database", default="default", help="Database alias (default: 'default').")

    def handle(self, *args, dry_run, batch_size, database, verbosity, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if not settings.FIELD_ENCRYPTION_KEYS:
            raise CommandError("FIELD_ENCRYPTION_KEYS is empty: set AYBIZA_FIELD_ENCRYPTION_KEYS.")
        connection = connections[database]
        columns = [
            EncryptedColumn(model, field, connection)
            for model in apps.get_models()
            if model._meta.managed and not model._meta.proxy
            for field in encrypted_fields(model)
        ]
        rotated = current = 0
        failures = []
        with connection.cursor() as cursor:
            total = sum(column.count(cursor) for column in columns)
        progress = tqdm(
            total=total, unit="value", desc="dry run" if dry_run else "rotating",
            file=getattr(self.stderr, "_out", sys.stderr), disable=verbosity < 1 or total == 0,
        )
        with progress:
            for column in columns:
                r, c, f = self._process(connection, column, batch_size, progress, dry_run)
                rotated, current, failures = rotated + r, current + c, failures + f

        counts = (
            f"{current} already under the newest key, {len(failures)} undecryptable, "
            f"in {len(columns)} encrypted column(s)."
        )
        if dry_run:
            summary = f"Dry run: {rotated} value(s) still under an old key, {counts}"
        else:
            summary = f"Rotated {rotated} value(s) to the newest key, {counts}"
        if failures:
            shown = ", ".join(failures[:MAX_REPORTED_FAILURES])
            more = f" and {len(failures) - MAX_REPORTED_FAILURES} more" if len(failures) > MAX_REPORTED_FAILURES else ""
            raise CommandError(f"{summary} No configured key decrypts: {shown}{more}.")
        if not dry_run:
            record_rotation(rotated=rotated, columns=len(columns))  # evidence for the compliance reports
        self.stdout.write(summary)

    def _process(self, connection, column, batch_size, progress, dry_run):
        """Rotate (or, dry run, classify) one column's tokens; one transaction per batch."""
        rotated = current = 0
        failures = []
        with connection.cursor() as reader:
            for rows in column.batches(reader, batch_size):
                with transaction.atomic(using=connection.alias), connection.cursor() as writer:
                    for pk, token in rows:
                        if encryption.is_current(token):
                            current += 1
                            continue
                        try:
                            new_token = encryption.rotate(token)
                        except InvalidToken:
                            failures.append(f"{column.label} pk={pk}")
                            continue
                        rotated += 1 if dry_run else column.rewrite(writer, pk, token, new_token)
                progress.update(len(rows))
        return rotated, current, failures
