"""The client's address, and API keys' IP allowlists (api_keys.ip_whitelist).

X-Forwarded-For is believed only when the connection comes from a trusted
proxy (settings.AYBIZA_API["TRUSTED_PROXIES"], CIDRs): then the client is the
right-most address in the header that is not itself a trusted proxy. Anyone
else could write any address into the header, so otherwise REMOTE_ADDR it is.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_network(value: str) -> Network:
    """An address or CIDR as a network (ValueError when it is neither)."""
    return ipaddress.ip_network(str(value).strip(), strict=False)


@lru_cache(maxsize=32)
def _trusted(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(parse_network(p) for p in proxies)


def _address(value: str):
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _in_any(address, networks) -> bool:
    return any(address.version == n.version and address in n for n in networks)


def client_ip(request) -> str | None:
    meta = request.META
    remote = _address(meta.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    proxies = _trusted(tuple(getattr(settings, "AYBIZA_API", {}).get("TRUSTED_PROXIES", ())))
    if not proxies or not _in_any(remote, proxies):
        return str(remote)
    hops = [h for h in (meta.get("HTTP_X_FORWARDED_FOR") or "").split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break  # a garbled header: stop at the last proxy we trust
        if not _in_any(address, proxies):
            return str(address)
        remote = address
    return str(remote)


def ip_allowed(ip: str | None, whitelist) -> bool:
    """True when the list is empty or `ip` is in one of its addresses/CIDRs (bad entries match nothing)."""
    if not whitelist:
        return True
    address = _address(ip or "")
    if address is None:
        return False
    for entry in whitelist:
        try:
            network = parse_network(entry)
        except ValueError:
            continue
        if address.version == network.version and address in network:
            return True
    return False
