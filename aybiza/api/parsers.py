"""The API's JSON parser: bounded nesting, no NUL bytes, no lone surrogates (aybiza/core/json_limits.py).

Every /api/v1/ body goes through `JSONParser` (settings.REST_FRAMEWORK). It
refuses, with a 400 that names the problem and where it is, before any view
or serializer sees the data: nesting deeper than AYBIZA_API["MAX_JSON_DEPTH"]
(32), a NUL character or a lone UTF-16 surrogate in any key or string. The
error's `fields` name the value by its path, e.g.
``{"metrics.3.call_sid": ["NUL characters are not allowed."]}``.
"""

from __future__ import annotations

from rest_framework import exceptions, parsers

from aybiza.core.json_limits import bad_text, check_value, max_depth  # noqa: F401 - bad_text re-exported


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
