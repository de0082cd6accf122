"""A key can never make or become a key less restricted than itself (issue 9, #2).

The calling key's own restrictions are the ceiling of every key it creates
or changes, itself included:

- scopes: only what it holds (ApiKeySerializer.validate_permissions);
- rate limits: no period above its own; omitted on creation -> its own;
- expiry: no later than its own; omitted on creation -> its own; null
  (never expires) refused when it expires;
- IP allowlist: every entry inside one of its own networks; omitted on
  creation -> its own; empty (any address) refused when it has one.

`restrict(attrs, ...)` applies this to a serializer's validated data and
raises a ValidationError naming the field.
"""

from __future__ import annotations

from rest_framework import serializers

from aybiza.core.network import parse_network

from ..services import api_keys


def _inside(entry: str, networks) -> bool:
    try:
        network = parse_network(entry)
    except ValueError:
        return False
    return any(network.version == mine.version and network.subnet_of(mine) for mine in networks)


def restrict(attrs: dict, *, caller, creating: bool, sent: dict) -> dict:
    """attrs with the caller's ceilings applied (defaults filled on creation); ValidationError otherwise."""
    errors = {}
    if creating and "rate_limit" not in attrs:
        attrs["rate_limit"] = api_keys.normalize_rate_limit(caller.rate_limit or None)

    if caller.expires_at is not None and (creating or "expires_at" in attrs):
        value = attrs.get("expires_at")
        if value is None and "expires_at" in sent:
            errors["expires_at"] = [f"Your key expires at {caller.expires_at.isoformat()}: this key must expire too."]
        elif value is None:
            attrs["expires_at"] = caller.expires_at
        elif value > caller.expires_at:
            errors["expires_at"] = [f"Cannot be later than your own key's expiry ({caller.expires_at.isoformat()})."]

    mine = [parse_network(entry) for entry in (caller.ip_whitelist or [])]
    if mine and (creating or "ip_whitelist" in attrs):
        value = attrs.get("ip_whitelist")
        if not value and "ip_whitelist" in sent:
            errors["ip_whitelist"] = ["Your key is limited to an IP allowlist: this key needs one inside it."]
        elif not value:
            attrs["ip_whitelist"] = list(caller.ip_whitelist)
        else:
            outside = [entry for entry in value if not _inside(entry, mine)]
            if outside:
                errors["ip_whitelist"] = [f"Outside your own key's allowlist: {', '.join(outside)}."]
    if errors:
        raise serializers.ValidationError(errors)
    return attrs
