"""Passwords: Argon2 first, stored in the spec's encrypted_password column."""

import pytest
from django.db import connection

from aybiza import settings as project_settings
from tests.factories import UserFactory


def test_argon2_is_the_first_hasher():
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.django_db
def test_password_hash_is_argon2_in_encrypted_password_column(settings):
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS
    user = UserFactory()
    user.set_password("a long enough passphrase")
    user.save()
    with connection.cursor() as cursor:
        cursor.execute("SELECT encrypted_password, password_changed_at FROM agent_manager.users WHERE id = %s", [user.pk])
        stored, changed_at = cursor.fetchone()
    assert stored.startswith("argon2$")
    assert "a long enough passphrase" not in stored
    assert changed_at is not None
    user.refresh_from_db()
    assert user.check_password("a long enough passphrase")
    assert not user.check_password("wrong")
