"""TLS trunks (sips: or ;transport=tls): the certificate is checked unless configured otherwise."""

import pytest

from telephony.models import SipTrunkHealthCheck
from telephony.services.health import sip_trunks_check_health
from tests.factories import SipTrunkFactory

from .conftest import FAST

pytestmark = pytest.mark.django_db


def check(trunk, thresholds):
    sip_trunks_check_health(trunks=[trunk], thresholds=thresholds)
    trunk.refresh_from_db()
    return SipTrunkHealthCheck.objects.filter(sip_trunk=trunk).latest("id")


@pytest.mark.parametrize("uri", ["sips:127.0.0.1:{port}", "sip:127.0.0.1:{port};transport=tls"])
def test_tls_peer_trusted_through_the_configured_ca_is_healthy(tls_peer, uri):
    trunk = SipTrunkFactory(termination_uri=uri.format(port=tls_peer.port))
    result = check(trunk, FAST.but(tls_ca_file=str(tls_peer.cert_file)))
    assert (trunk.health_status, result.outcome, result.status_code) == ("healthy", "answered", 200)
    assert result.target == f"tls:127.0.0.1:{tls_peer.port}"


def test_an_untrusted_certificate_is_a_tls_failure(tls_peer):
    trunk = SipTrunkFactory(termination_uri=f"sips:127.0.0.1:{tls_peer.port}")
    result = check(trunk, FAST)  # system CAs only: the self-signed certificate is refused
    assert (trunk.health_status, result.outcome, result.status_code) == ("degraded", "tls_error", None)
    assert "CERTIFICATE_VERIFY_FAILED" in result.error


def test_verification_can_be_turned_off(tls_peer):
    trunk = SipTrunkFactory(termination_uri=f"sips:127.0.0.1:{tls_peer.port}")
    assert check(trunk, FAST.but(tls_verify=False)).status_code == 200


def test_tls_to_a_plain_tcp_peer_fails_cleanly(kamailio):
    trunk = SipTrunkFactory(termination_uri=f"sip:127.0.0.1:{kamailio.ok};transport=tls")
    result = check(trunk, FAST.but(tls_verify=False))
    # Kamailio reads the ClientHello as a (never ending) SIP message: the handshake times out.
    assert (trunk.health_status, result.outcome) == ("degraded", "timeout")
    assert result.error == f"no answer within {FAST.timeout_seconds:g} s (connecting / TLS handshake)"
