"""`manage.py rotate_encryption_keys`: every encrypted column moves to the newest key."""

from io import StringIO

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import override_settings

from accounts.models import User
from automation.models import Tool, ToolVersion
from aybiza.core.db.encryption import generate_key
from telephony.models import PortingRequest, SipTrunk
from tests.test_model_integrity import fetch_one, make_porting_request, make_secrets, make_world, raw_column

pytestmark = pytest.mark.django_db

OLD, NEW, STRANGER = generate_key(), generate_key(), generate_key()

ENCRYPTED_COLUMNS = 7  # users.mfa_secret, users.recovery_codes, porting_requests.pin_password, webhook_endpoints.secret,
#                        sip_trunks.credentials, tools.auth_config, tool_versions.auth_config


def token(model, field, pk) -> str:
    """The stored Fernet token (JSONB columns hold it as a JSON string)."""
    raw = raw_column(model, field, pk)
    return raw[1:-1] if raw.startswith('"') else raw


def tokens(secrets) -> dict:
    return {key: token(*key) for key in secrets}


def rotate(*args) -> str:
    out, err = StringIO(), StringIO()
    call_command("rotate_encryption_keys", *args, stdout=out, stderr=err)
    return out.getvalue().strip()


def summary(rotated, current, undecryptable=0, dry_run=False) -> str:
    tail = (f"{current} already under the newest key, {undecryptable} undecryptable, "
            f"in {ENCRYPTED_COLUMNS} encrypted column(s).")
    if dry_run:
        return f"Dry run: {rotated} value(s) still under an old key, {tail}"
    return f"Rotated {rotated} value(s) to the newest key, {tail}"


def bookkeeping(secrets) -> dict:
    """version / updated_at of the rows holding secrets: rotation must not touch them."""
    result = {}
    for model, _field, pk in secrets:
        table = model._meta.db_table.replace('"."', ".")
        columns = [c for c in ("version", "updated_at") if c in {f.column for f in model._meta.concrete_fields}]
        if columns:
            result[(model, pk)] = fetch_one(f"SELECT {', '.join(columns)} FROM {table} WHERE id = %s", [pk])
    return result


def test_rotation_moves_every_secret_to_the_newest_key():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        secrets = make_secrets()
    before = tokens(secrets)
    for value in before.values():
        Fernet(OLD).decrypt(value.encode())  # written under the old key
    kept = bookkeeping(secrets)

    # The new key alone cannot read the old rows yet.
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]), pytest.raises(InvalidToken):
        PortingRequest.objects.get(pk=next(pk for model, _f, pk in secrets if model is PortingRequest))

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        assert rotate("--dry-run") == summary(6, 0, dry_run=True)
        assert tokens(secrets) == before  # a dry run writes nothing

        assert rotate() == summary(6, 0)
        after = tokens(secrets)
        for key, new_token in after.items():
            assert new_token != before[key], key
            assert Fernet(NEW).decrypt(new_token.encode()) == Fernet(OLD).decrypt(before[key].encode())
            with pytest.raises(InvalidToken):
                Fernet(OLD).decrypt(new_token.encode())

        # Idempotent: nothing left to rotate, nothing rewritten.
        assert rotate() == summary(0, 6)
        assert tokens(secrets) == after

    assert bookkeeping(secrets) == kept  # no version bump, no updated_at change

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW]):
        for (model, field, pk), (plaintext, _fragments) in secrets.items():
            assert getattr(model.objects.get(pk=pk), field) == plaintext, f"{model.__name__}.{field}"
        assert rotate("--dry-run") == summary(0, 6, dry_run=True)


def test_rotation_pages_through_batches():
    _org, tenant, _role, user, _agent = make_world()
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        requests = [make_porting_request(tenant, user, pin_password=f"pin-{n}") for n in range(5)]
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        assert rotate("--batch-size", "2") == summary(5, 0)
    for n, request in enumerate(requests):
        assert Fernet(NEW).decrypt(token(PortingRequest, "pin_password", request.pk).encode()) == f"pin-{n}".encode()


def test_empty_and_null_values_are_left_alone():
    _org, tenant, _role, user, _agent = make_world()
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        tool = Tool.objects.create(
            organization=tenant.organization, tenant=tenant, name="No auth", tool_type="webhook",
            input_schema={}, output_schema={}, auth_config={},
        )
        trunk = SipTrunk.objects.create(
            name="ACL only", organization=tenant.organization, tenant=tenant, provider_name="C",
            termination_uri="sip:x", created_by=user, credentials=None,
        )
    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        assert rotate() == summary(0, 0)
    assert raw_column(Tool, "auth_config", tool.pk) == "{}"
    assert raw_column(SipTrunk, "credentials", trunk.pk) is None
    assert fetch_one("SELECT mfa_secret FROM agent_manager.users WHERE id = %s", [user.pk]) == (None,)


def test_undecryptable_token_fails_the_command_but_the_rest_is_rotated():
    with override_settings(FIELD_ENCRYPTION_KEYS=[OLD]):
        secrets = make_secrets()
    _org, tenant, _role, user, _agent = make_world()
    with override_settings(FIELD_ENCRYPTION_KEYS=[STRANGER]):
        orphan = make_porting_request(tenant, user, pin_password="lost-key")
    orphan_token = token(PortingRequest, "pin_password", orphan.pk)

    with override_settings(FIELD_ENCRYPTION_KEYS=[NEW, OLD]):
        with pytest.raises(CommandError) as dry:
            rotate("--dry-run")
        assert str(dry.value) == (
            f"{summary(6, 0, undecryptable=1, dry_run=True)} "
            f"No configured key decrypts: telephony.PortingRequest.pin_password pk={orphan.pk}."
        )
        with pytest.raises(CommandError) as real:
            rotate()
        assert str(real.value) == (
            f"{summary(6, 0, undecryptable=1)} "
            f"No configured key decrypts: telephony.PortingRequest.pin_password pk={orphan.pk}."
        )

    assert token(PortingRequest, "pin_password", orphan.pk) == orphan_token  # left as it was
    for key in secrets:
        Fernet(NEW).decrypt(token(*key).encode())  # everything else moved


def test_discovers_exactly_the_spec_encrypted_columns():
    from django.apps import apps

    from aybiza.core.db.fields import encrypted_fields

    found = {(m._meta.db_table.split('"."')[1], f.column) for m in apps.get_models() for f in encrypted_fields(m)}
    assert found == {
        ("users", "mfa_secret"), ("users", "recovery_codes"), ("porting_requests", "pin_password"),
        ("sip_trunks", "credentials"), ("tools", "auth_config"), ("tool_versions", "auth_config"),
        ("webhook_endpoints", "secret"),  # ours (alerting), encrypted like the spec's secrets
    }
    from security_app.models import WebhookEndpoint

    assert {User, PortingRequest, SipTrunk, Tool, ToolVersion, WebhookEndpoint} == {
        m for m in apps.get_models() if encrypted_fields(m)
    }
