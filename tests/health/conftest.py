import pytest

from telephony.health.thresholds import Thresholds

from .sip_peers import Kamailio, SilentPeer, free_port, kamailio_binary

# Small timeouts keep these files at a few seconds (with room for a busy shared machine).
FAST = Thresholds(timeout_seconds=0.5, concurrency=20, rtt_degraded_ms=450, failures_unhealthy=2,
                  error_answers_unhealthy=1, number_min_calls=4)


@pytest.fixture(scope="module")
def kamailio(tmp_path_factory):
    server = Kamailio(kamailio_binary(), tmp_path_factory.mktemp("kamailio"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def silent_peer():
    peer = SilentPeer()
    yield peer
    peer.close()


@pytest.fixture
def closed_port():
    return free_port()


@pytest.fixture
def tls_peer(tmp_path):
    from .sip_peers import TlsPeer

    peer = TlsPeer(tmp_path)
    yield peer
    peer.close()
