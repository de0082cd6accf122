"""The API's JSON parser: bounded nesting, no NUL bytes, no lone surrogates.

Every /api/v1/ body goes through `JSONParser` (settings.REST_FRAMEWORK). It
refuses, with a 400 that names the problem and where it is, before any view
or serializer sees the data:

- nesting deeper than AYBIZA_API["MAX_JSON_DEPTH"] (default 32): a
  ``{"a": {"a": ...}}`` 1,000 levels deep would otherwise blow Python's
  recursion limit in the decoder, a serializer or the admin's display;
- a NUL character (PostgreSQL text cannot hold one) or a lone UTF-16
  surrogate (not encodable as UTF-8) in any key or string value.

The `fields` of the error name the offending value by its path, e.g.
``{"metrics.3.call_sid": ["..."]}``. `check_value` is the same check for any
decoded value (the admin's JSON fields use it).
"""

from __future__ import annotations

import json
import re

from rest_framework import exceptions, parsers

from .conf import api_setting

DEFAULT_MAX_DEPTH = 32
_BAD = re.compile("[\x00\ud800-\udfff]")


def max_depth() -> int:
    return int(api_setting("MAX_JSON_DEPTH") or DEFAULT_MAX_DEPTH)


def bad_text(text: str) -> str | None:
    """Why this string cannot be stored (None when it can)."""
    match = _BAD.search(text)
    if match is None:
        return None
    return "NUL characters are not allowed." if match.group() == "\x00" else "Lone surrogate characters are not allowed."


def check_value(value, *, limit: int | None = None, root: str = "") -> tuple[str, str] | None:
    """(path, problem) of the first value too deep or holding a bad character; None when all is well.

    Iterative, so it never recurses however deep `value` is.
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
                child_path = f"{path}.{key}" if path else key
                if problem:
                    return (path or "non_field_errors"), f"A key holds a bad character: {problem}"
                stack.append((child, child_path, depth + 1))
    return None


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser plus the checks above (a ParseError or ValidationError, never a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise exceptions.ParseError(f"JSON parse error - nesting is deeper than {max_depth()} levels.") from None
        found = check_value(data)
        if found:
            path, problem = found
            raise exceptions.ValidationError({path: [problem]})
        return data


def loads_checked(text: str | bytes):
    """json.loads for untrusted text, with the same limits; ValueError names the problem."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError(f"JSON nesting is deeper than {max_depth()} levels.") from None
    found = check_value(data)
    if found:
        raise ValueError(f"{found[0]}: {found[1]}" if found[0] != "non_field_errors" else found[1])
    return data
