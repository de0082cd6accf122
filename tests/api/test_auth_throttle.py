"""Failed authentication is throttled per client address, for API keys and the admin sign-in (issue 9, #11)."""

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from aybiza.api import auth_throttle
from security_app.services import api_keys
from tests import factories as f

from .conftest import client_for

AGENTS = "/api/v1/agents/"


def _limit(settings, n=3):
    settings.AYBIZA_API = {**settings.AYBIZA_API, "AUTH_FAILURE_LIMIT": n}


def test_unknown_keys_from_one_address_are_refused_after_the_limit(api, settings):
    _limit(settings)
    guesser = APIClient(REMOTE_ADDR="198.51.100.7")
    for _ in range(3):
        guesser.credentials(HTTP_AUTHORIZATION=f"Bearer {api_keys.generate_key()}")
        assert guesser.get(AGENTS).status_code == 401
    guesser.credentials(HTTP_AUTHORIZATION=f"Bearer {api_keys.generate_key()}")
    refused = guesser.get(AGENTS)
    assert refused.status_code == 429 and refused.json()["code"] == "rate_limited"
    assert int(refused["Retry-After"]) >= 1
    # once refused, further guesses cost the database nothing (not even the key lookup)
    with CaptureQueriesContext(connection) as queries:
        assert guesser.get(AGENTS).status_code == 429
    assert [q["sql"] for q in queries.captured_queries] == []
    # even a valid key is not served to that address for the rest of the window
    guesser.credentials(HTTP_AUTHORIZATION=f"Bearer {api.key_a.raw}")
    assert guesser.get(AGENTS).status_code == 429
    # other addresses are not affected
    assert client_for(api.key_a).get(AGENTS).status_code == 200


def test_the_count_is_shared_across_processes_through_the_database(api, settings):
    _limit(settings)
    guesser = APIClient(REMOTE_ADDR="198.51.100.8", HTTP_AUTHORIZATION="Bearer ayb_live_nope")
    for _ in range(3):
        assert guesser.get(AGENTS).status_code == 401
    auth_throttle.clear()  # another process: nothing remembered locally, the database still counts
    assert guesser.get(AGENTS).status_code == 429


def test_admin_sign_in_is_throttled_per_address(db, settings):
    _limit(settings)
    user = f.UserFactory(ops_superuser=True)
    others = [f.UserFactory(ops_superuser=True) for _ in range(3)]
    client = Client(REMOTE_ADDR="198.51.100.9")
    for other in others:  # spread over accounts: the per-account lockout never triggers
        response = client.post("/admin/login/", {"username": other.email, "password": "wrong", "next": "/admin/"})
        assert response.status_code == 200
    response = client.post("/admin/login/", {"username": user.email, "password": "wrong", "next": "/admin/"})
    assert response.status_code == 429
    response = client.post("/admin/login/", {"username": user.email, "password": f.DEFAULT_PASSWORD, "next": "/admin/"})
    assert response.status_code == 429 and "Too many failed sign-ins from your address" in response.content.decode()
    user.refresh_from_db()
    assert user.login_attempts == 1  # the refused attempt was not even checked
    ok = Client(REMOTE_ADDR="198.51.100.10").post("/admin/login/", {"username": user.email,
                                                                   "password": f.DEFAULT_PASSWORD, "next": "/admin/"})
    assert ok.status_code == 302
