"""The client against misbehaving peers on loopback: garbage, provisional answers, wrong ids, hang-ups."""

import socket
import threading

import pytest

from telephony.health.probe import probe_many
from telephony.health.responder import answer
from telephony.health.sip_options import SipTarget


class ScriptedUdpPeer:
    """Answers each request with `script(request) -> [datagrams]`."""

    def __init__(self, script):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.port, self.script, self.running = self.sock.getsockname()[1], script, True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                data, addr = self.sock.recvfrom(65535)
            except (TimeoutError, OSError):
                continue
            for datagram in self.script(data):
                self.sock.sendto(datagram, addr)

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


class ScriptedTcpPeer:
    def __init__(self, script):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.sock.settimeout(0.1)
        self.port, self.script, self.running = self.sock.getsockname()[1], script, True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(1)
                data = b""
                try:
                    while b"\r\n\r\n" not in data:
                        chunk = conn.recv(65535)
                        if not chunk:
                            break
                        data += chunk
                    reply = self.script(data)
                    if reply:
                        conn.sendall(reply)
                except OSError:
                    pass

    def close(self):
        self.running = False
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def peer():
    made = []

    def make(kind, script):
        p = (ScriptedUdpPeer if kind == "udp" else ScriptedTcpPeer)(script)
        made.append(p)
        return SipTarget("127.0.0.1", p.port, kind)

    yield make
    for p in made:
        p.close()


def probe(target, timeout=0.5):
    [result] = probe_many([target], concurrency=1, timeout=timeout)
    return result


def test_garbage_and_stray_datagrams_are_ignored_until_our_answer(peer):
    stray = answer(b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKnotyours\r\nCall-ID: other\r\n"
                   b"CSeq: 1 OPTIONS\r\n\r\n")
    target = peer("udp", lambda req: [b"\x00garbage\xff", b"HTTP/1.1 200 OK\r\n\r\n", stray, answer(req)])
    result = probe(target)
    assert (result.outcome, result.status_code) == ("answered", 200)


def test_provisional_answers_are_skipped(peer):
    target = peer("udp", lambda req: [answer(req, code=100, reason="Trying"), answer(req, code=486, reason="Busy")])
    result = probe(target)
    assert (result.status_code, result.reason) == (486, "Busy")


def test_only_answers_that_are_not_ours_time_out(peer):
    def wrong_branch(req):
        return [answer(req.replace(b"branch=z9hG4bK", b"branch=z9hG4bKX"))]

    result = probe(peer("udp", wrong_branch), timeout=0.3)
    assert result.outcome == "timeout" and result.error == "no answer within 0.3 s (waiting for the answer)"


def test_udp_retransmits_on_timer_e(peer):
    seen = []

    def drop_first(req):
        seen.append(req)
        return [answer(req)] if len(seen) > 1 else []

    result = probe(peer("udp", drop_first), timeout=1.2)  # T1 = 0.5 s: the second copy is answered
    assert result.status_code == 200 and len(seen) == 2 and seen[0] == seen[1]


@pytest.mark.parametrize("reply, outcome, words", [
    (lambda req: b"NOT SIP AT ALL\r\n\r\n", "protocol_error", "not a SIP/2.0 status line"),
    (lambda req: b"", "unreachable", "closed the connection without answering"),
    (lambda req: answer(req).replace(b"Call-ID: ", b"Call-ID: x"), "protocol_error", "does not match"),
    (lambda req: answer(req).replace(b"Content-Length: 0\r\n", b""), "protocol_error", "Content-Length is mandatory"),
    (lambda req: b"\r\n\r\n" + answer(req, code=202, reason="Accepted"), "answered", ""),  # keep-alive first
])
def test_tcp_answers(peer, reply, outcome, words):
    result = probe(peer("tcp", reply))
    assert result.outcome == outcome and words in result.error, result


def test_many_silent_peers_all_time_out_without_failing_the_run():
    socks = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(30)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        targets = [SipTarget("127.0.0.1", s.getsockname()[1], "udp") for s in socks]
        results = probe_many(targets, concurrency=30, timeout=0.3)
        assert [r.outcome for r in results] == ["timeout"] * 30
    finally:
        for s in socks:
            s.close()
