"""Real SIP peers on loopback for the health tests: Kamailio (Debian's package), a silent UDP
socket, and a closed port. `./dev test` installs kamailio as root; elsewhere the tests skip."""

from __future__ import annotations

import glob
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from telephony.health.probe import probe_many
from telephony.health.sip_options import SipTarget

def modules_dir() -> str | None:
    """Debian installs the modules under the architecture's multiarch directory."""
    found = sorted(glob.glob("/usr/lib/*/kamailio/modules/sl.so")) + sorted(glob.glob("/usr/lib/kamailio/modules/sl.so"))
    return str(Path(found[0]).parent) + "/" if found else None

CONFIG = """#!KAMAILIO
debug=1
log_stderror=yes
children=1
tcp_children=1
auto_aliases=no
dns=no
rev_dns=no
mpath="{modules}"
listen=udp:127.0.0.1:{ok}
listen=tcp:127.0.0.1:{ok}
listen=udp:127.0.0.1:{busy}
loadmodule "sl.so"
loadmodule "pv.so"

request_route {{
    if ($Rp == {busy}) {{
        sl_send_reply("503", "Service Unavailable");
        exit;
    }}
    if (method == "OPTIONS") {{
        sl_send_reply("200", "OK");
        exit;
    }}
    sl_send_reply("405", "Method Not Allowed");
}}
"""


def kamailio_binary() -> str:
    found = shutil.which("kamailio") or ("/usr/sbin/kamailio" if Path("/usr/sbin/kamailio").exists() else None)
    if found is None:
        pytest.skip("kamailio is not installed (./dev test installs Debian's package when run as root with apt)")
    if modules_dir() is None:
        pytest.skip("kamailio is installed but its modules (sl.so) were not found under /usr/lib/*/kamailio/modules/")
    return found


def free_port() -> int:
    """A port free for both UDP and TCP on 127.0.0.1."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
                try:
                    udp.bind(("127.0.0.1", port))
                except OSError:
                    continue
        return port
    raise RuntimeError("no free port")


class Kamailio:
    """Kamailio answering OPTIONS with 200 on `ok` (UDP and TCP) and 503 on `busy` (UDP)."""

    def __init__(self, binary: str, workdir: Path):
        self.binary, self.workdir = binary, workdir
        self.ok, self.busy = free_port(), free_port()
        self.config = workdir / "kamailio.cfg"
        self.config.write_text(CONFIG.format(modules=modules_dir(), ok=self.ok, busy=self.busy))
        self.process: subprocess.Popen | None = None
        self.log = workdir / "kamailio.log"

    def start(self) -> None:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [self.binary, "-f", str(self.config), "-DD", "-E", "-Y", str(self.workdir), "-w", str(self.workdir)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        deadline = time.monotonic() + 10
        targets = [SipTarget("127.0.0.1", self.ok, "udp"), SipTarget("127.0.0.1", self.ok, "tcp")]
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kamailio exited: {self.log.read_text()[-2000:]}")
            if all(r.status_code == 200 for r in probe_many(targets, concurrency=2, timeout=0.3)):
                return
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"kamailio did not answer within 10 s: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()  # kamailio's main process stops its children
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None


class SilentPeer:
    """A bound UDP socket that reads nothing and answers nothing."""

    def __init__(self):
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.socket.bind(("127.0.0.1", 0))
        self.port = self.socket.getsockname()[1]

    def close(self):
        self.socket.close()


class TlsPeer:
    """A SIP-over-TLS answerer (Python's ssl, i.e. OpenSSL) with a fresh self-signed certificate for
    127.0.0.1, answering OPTIONS with 200 through telephony.health.responder.answer."""

    def __init__(self, workdir: Path):
        import asyncio
        import datetime as dt
        import ipaddress
        import ssl
        import threading

        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        from telephony.health.responder import answer

        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aybiza test SIP peer")])
        now = dt.datetime.now(dt.timezone.utc)
        cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
                .not_valid_after(now + dt.timedelta(days=1))
                .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                               critical=False)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))
        self.cert_file = workdir / "peer.pem"
        self.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file = workdir / "peer.key"
        key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, key_file)

        async def handle(reader, writer):
            try:
                request = await reader.readuntil(b"\r\n\r\n")
                writer.write(answer(request) or b"")
                await writer.drain()
                await reader.read()  # until the client closes
            except (OSError, asyncio.IncompleteReadError, ssl.SSLError):
                pass
            finally:
                writer.close()

        ready = threading.Event()

        async def main():
            self.server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
            self.port = self.server.sockets[0].getsockname()[1]
            ready.set()
            async with self.server:
                await self.server.serve_forever()

        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=lambda: self._run(main), daemon=True)
        self.thread.start()
        if not ready.wait(10):
            raise RuntimeError("TLS peer did not start")

    def _run(self, main):
        import asyncio

        try:
            self.loop.run_until_complete(main())
        except asyncio.CancelledError:
            pass

    def close(self):
        def stop():
            self.server.close()
            for task in __import__("asyncio").all_tasks(self.loop):
                task.cancel()

        self.loop.call_soon_threadsafe(stop)
        self.thread.join(5)
