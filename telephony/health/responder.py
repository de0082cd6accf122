"""A minimal SIP OPTIONS answerer over UDP on loopback, for `manage.py benchmark_health`.

It answers every request with a fixed status, copying Via, From, To (adding a tag), Call-ID and
CSeq as RFC 3261 8.2.6 asks. Not a SIP server: the tests use a real one (kamailio).
`serve()` runs in a child process (multiprocessing, spawn) so the answering side does not share
the prober's interpreter.
"""

from __future__ import annotations

import asyncio
import socket

COPIED = ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq")


def answer(request: bytes, *, code: int = 200, reason: str = "OK") -> bytes | None:
    try:
        text = request.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    if not head or not head[0].endswith(" SIP/2.0"):
        return None
    copied = []
    for line in head[1:]:
        name = line.split(":", 1)[0].strip().lower()
        if name in COPIED:
            if name in ("to", "t") and ";tag=" not in line:
                line += ";tag=aybiza-bench"
            copied.append(line)
    return (f"SIP/2.0 {code} {reason}\r\n" + "\r\n".join(copied) + "\r\nContent-Length: 0\r\n\r\n").encode()


class _Answerer(asyncio.DatagramProtocol):
    def __init__(self, code: int, reason: str):
        self.code, self.reason = code, reason

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        reply = answer(data, code=self.code, reason=self.reason)
        if reply is not None:
            self.transport.sendto(reply, addr)


def serve(sockets: int, ports, *, code: int = 200, reason: str = "OK") -> None:
    """Bind `sockets` UDP sockets on 127.0.0.1 (free ports), put their ports on `ports`, answer forever."""

    async def main():
        loop = asyncio.get_running_loop()
        bound = []
        for _ in range(sockets):
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            sock.bind(("127.0.0.1", 0))
            await loop.create_datagram_endpoint(lambda: _Answerer(code, reason), sock=sock)
            bound.append(sock.getsockname()[1])
        ports.put(bound)
        await asyncio.Event().wait()

    asyncio.run(main())
