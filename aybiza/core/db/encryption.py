"""Symmetric encryption of secret columns, with key rotation.

Keys come from `settings.FIELD_ENCRYPTION_KEYS` (the environment variable
`AYBIZA_FIELD_ENCRYPTION_KEYS`, comma-separated Fernet keys, newest first),
never from SECRET_KEY. The newest key encrypts; every listed key decrypts, so
adding a key at the front and running `manage.py rotate_encryption_keys`
moves all rows to it, after which the old key can be dropped.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "decrypt", "encrypt", "generate_key", "rotate"]


def generate_key() -> str:
    return Fernet.generate_key().decode()


@lru_cache(maxsize=8)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS is empty: set AYBIZA_FIELD_ENCRYPTION_KEYS.")
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(f"FIELD_ENCRYPTION_KEYS holds an invalid Fernet key: {exc}") from exc


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(plaintext: str) -> str:
    return _current().encrypt(plaintext.encode()).decode()


def decrypt(token: str) -> str:
    return _current().decrypt(token.encode()).decode()


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key (keeps its original timestamp)."""
    return _current().rotate(token.encode()).decode()


def is_current(token: str) -> bool:
    """True when the newest key decrypts the token (nothing to rotate)."""
    try:
        Fernet(settings.FIELD_ENCRYPTION_KEYS[0].encode()).decrypt(token.encode())
    except InvalidToken:
        return False
    return True
