"""Limits on untrusted JSON and text: bounded nesting, no NUL, no lone surrogates.

Pure functions (no app imports) shared by the API's parser (aybiza/api/parsers.py)
and the ops console's JSON fields (aybiza/admin/forms.py, secrets.py):

- nesting deeper than AYBIZA_API["MAX_JSON_DEPTH"] (default 32) is refused: a
  value 1,000 levels deep blows Python's recursion limit in a decoder, a
  serializer, json.dumps(indent=...) or the admin's display;
- a NUL character (PostgreSQL text and jsonb cannot hold one) or a lone
  UTF-16 surrogate (not encodable as UTF-8) in any key or string is refused.
"""

from __future__ import annotations

import re

from django.conf import settings

DEFAULT_MAX_DEPTH = 32
_BAD = re.compile("[\x00\ud800-\udfff]")


def max_depth() -> int:
    return int(getattr(settings, "AYBIZA_API", {}).get("MAX_JSON_DEPTH") or DEFAULT_MAX_DEPTH)


def bad_text(text: str) -> str | None:
    """Why this string cannot be stored (None when it can)."""
    match = _BAD.search(text)
    if match is None:
        return None
    return "NUL characters are not allowed." if match.group() == "\x00" else "Lone surrogate characters are not allowed."


def check_value(value, *, limit: int | None = None, root: str = "") -> tuple[str, str] | None:
    """(path, problem) of the first value too deep or holding a bad character; None when all is well.

    Iterative, so it never recurses however deep `value` is. The path names the
    value ("metrics.3.call_sid"); "non_field_errors" for the whole document.
    """
    limit = max_depth() if limit is None else limit
    stack = [(value, root, 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            problem = bad_text(item)
            if problem:
                return path or "non_field_errors", problem
        elif isinstance(item, (dict, list)):
            if depth >= limit:
                return path or "non_field_errors", f"JSON nesting is deeper than {limit} levels."
            pairs = item.items() if isinstance(item, dict) else enumerate(item)
            for key, child in pairs:
                key = str(key)
                problem = bad_text(key)
                if problem:
                    return (path or "non_field_errors"), f"A key holds a bad character: {problem}"
                stack.append((child, f"{path}.{key}" if path else key, depth + 1))
    return None


def too_deep(value, *, limit: int | None = None) -> bool:
    """Whether a (stored) value nests deeper than the limit; iterative."""
    limit = max_depth() if limit is None else limit
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth >= limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False
