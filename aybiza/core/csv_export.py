"""CSV for spreadsheets: every text cell that a spreadsheet would run as a formula is neutralised.

A cell starting with =, +, -, @, a tab or a carriage return (or their
full-width forms) is a formula to Excel, LibreOffice and Google Sheets:
``=cmd|'/c calc'!A1`` or ``=HYPERLINK(...)`` from a caller's name would run
on the ops analyst's machine. `safe_cell` prefixes such cells with a single
quote (OWASP's advice), which spreadsheets show as text. Plain numbers,
including E.164 phone numbers like ``+14155550123`` and ``-1.5``, are left as
they are. Every CSV the project produces goes through `writer`.
"""

from __future__ import annotations

import csv
import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
PLAIN_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def safe_cell(value):
    if not isinstance(value, str) or not value.startswith(FORMULA_START) or PLAIN_NUMBER.match(value):
        return value
    return "'" + value


class SafeWriter:
    """csv.writer whose rows are neutralised cell by cell."""

    def __init__(self, out, **kwargs):
        self._writer = csv.writer(out, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(out, **kwargs) -> SafeWriter:
    return SafeWriter(out, **kwargs)
