"""Small generators of plausible values, driven by a `random.Random`.

The demo must run where test-only libraries (factory_boy, Faker) are not
installed, so it brings its own few word lists. Every function takes the
generator explicitly, so the same seed gives the same data; secrets are the
exception (see below).
"""

import base64
import itertools
import random
import secrets
from datetime import datetime, timedelta

FIRST_NAMES = (
    "Olivia", "Liam", "Amelia", "Noah", "Maya", "Ethan", "Sofia", "Lucas", "Grace", "Mateo",
    "Chloe", "Arjun", "Hannah", "Kenji", "Zara", "Omar", "Isla", "Leo", "Priya", "Samuel",
)
LAST_NAMES = (
    "Bennett", "Okafor", "Nguyen", "Garcia", "Schmidt", "Patel", "Kowalski", "Murphy", "Rossi", "Haddad",
    "Johansson", "Kim", "Fischer", "Silva", "Dubois", "Carter", "Tanaka", "Hughes", "Moreau", "Reyes",
)
STREETS = ("Harbor Street", "Maple Avenue", "Elm Road", "King's Parade", "Lakeview Drive", "Station Road")
USER_AGENTS = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    "python-requests/2.32.3",
    "aybiza-sdk-node/1.8.2",
    "curl/8.7.1",
)
# Documentation ranges (RFC 5737): never a real host.
IP_PREFIXES = ("192.0.2.", "198.51.100.", "203.0.113.")


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def ip_address(rng: random.Random) -> str:
    return f"{rng.choice(IP_PREFIXES)}{rng.randint(1, 254)}"


def user_agent(rng: random.Random) -> str:
    return rng.choice(USER_AGENTS)


def street_address(rng: random.Random) -> str:
    return f"{rng.randint(1, 480)} {rng.choice(STREETS)}"


# Secrets come from the `secrets` module, never from a seeded generator: the
# demo's source is public, so seeded "secrets" would be known to everyone.


def secret(length: int = 24) -> str:
    """A random token for demo credentials (stored encrypted, never printed)."""
    return secrets.token_urlsafe(length)


def totp_secret() -> str:
    """A base32 secret, as an MFA app would hold it."""
    return base64.b32encode(secrets.token_bytes(20)).decode()


def recovery_codes(count: int = 8) -> list[str]:
    return [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(count)]


def pin(digits: int = 6) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(digits))


# Relative call volume per hour of the day (UTC), peaking in office hours.
HOURLY_WEIGHTS = (1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 11, 11, 10, 8, 6, 4, 3, 2, 2, 1)
_HOURS = tuple(range(24))
_CUMULATIVE_HOURLY_WEIGHTS = tuple(itertools.accumulate(HOURLY_WEIGHTS))


def moment(rng: random.Random, now: datetime, days: int = 30) -> datetime:
    """A time in the last `days`, busier in office hours, as call traffic is."""
    hour = rng.choices(_HOURS, cum_weights=_CUMULATIVE_HOURLY_WEIGHTS)[0]
    day = now - timedelta(days=rng.randrange(days))
    at = day.replace(hour=hour, minute=0, second=0, microsecond=0) + timedelta(seconds=rng.randrange(3600))
    return at if at < now else at - timedelta(days=days)


def seeded(*key: object) -> random.Random:
    """A generator seeded by a record's natural key.

    The fixed records draw from their own generator, so what one of them
    looks like never depends on which others already existed.
    """
    return random.Random(":".join(map(str, key)))
