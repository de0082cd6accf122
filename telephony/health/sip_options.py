"""A small RFC 3261 OPTIONS client: is a SIP peer there, how fast does it answer, with what code.

Why not a library: the maintained Python SIP stacks (sippy, pjsua2) are whole user agents with
their own event loops and threads; aiosip has been unmaintained since 2017. A health probe needs one
request and one response over UDP, TCP or TLS, bounded in time and run a thousand at once on
asyncio, so this module does just that:

- `parse_sip_uri()` turns a trunk's termination URI into a `SipTarget` (host, port, transport).
  No RFC 3263 NAPTR/SRV lookup: the host's A/AAAA records and the URI's port (default 5060, 5061
  for TLS / sips:) are used.
- `build_options()` writes the request; `parse_response()` reads an answer (status line, headers
  with compact forms and folded lines, body by Content-Length) and refuses anything else with
  `SipParseError`; `response_matches()` pairs it with our request (top Via branch, Call-ID, CSeq).
- `options_ping()` sends it and waits for the final answer (1xx are skipped; stray or garbage
  datagrams are ignored), retransmitting over UDP on RFC 3261 timer E (T1 = 500 ms, doubling to
  T2 = 4 s). The whole probe -- name resolution, connect, TLS handshake, answer -- is bounded by
  `timeout`; it never raises, it returns a `ProbeResult`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import secrets
import socket
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

TRANSPORTS = ("udp", "tcp", "tls")
DEFAULT_PORTS = {"udp": 5060, "tcp": 5060, "tls": 5061}
MAGIC_COOKIE = "z9hG4bK"  # RFC 3261 branch prefix
T1, T2 = 0.5, 4.0
MAX_MESSAGE = 65535  # largest answer we read (UDP datagram size; plenty for an OPTIONS answer)
USER_AGENT = "AYBIZA-health/1.0"

# Compact header forms (RFC 3261 7.3.3 and the common extensions).
COMPACT = {"v": "via", "i": "call-id", "f": "from", "t": "to", "l": "content-length", "m": "contact",
           "c": "content-type", "e": "content-encoding", "k": "supported", "s": "subject"}

_STATUS_LINE = re.compile(r"^SIP/2\.0 ([1-6][0-9]{2}) ?(.*)$")
_HOST = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$")


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class SipParseError(ValueError):
    """Not a SIP response we can read (garbage, a request, a truncated message...)."""


@dataclass(frozen=True)
class SipTarget:
    host: str  # a name or an IP literal, without brackets
    port: int
    transport: str  # udp | tcp | tls

    @property
    def request_uri(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.transport == "tls":
            return f"sips:{host}:{self.port}"
        if self.transport == "tcp":
            return f"sip:{host}:{self.port};transport=tcp"
        return f"sip:{host}:{self.port}"

    def __str__(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.transport}:{host}:{self.port}"


def parse_sip_uri(uri: str, *, transport: str | None = None) -> SipTarget:
    """`sip:[user@]host[:port][;params]` or `sips:...` -> SipTarget. ValueError naming what is wrong.

    The transport is the URI's `;transport=` parameter, else `transport` (a trunk setting), else
    TLS for sips: and UDP for sip:.
    """
    text = (uri or "").strip()
    scheme, sep, rest = text.partition(":")
    scheme = scheme.lower()
    if not sep or scheme not in ("sip", "sips"):
        raise ValueError(f"not a sip: or sips: URI: {uri!r}")
    rest = rest.split("?", 1)[0]
    hostport, *params = rest.split(";")
    if "@" in hostport:
        hostport = hostport.rsplit("@", 1)[1]
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise ValueError(f"unclosed IPv6 literal in {uri!r}")
        host, tail = hostport[1:end], hostport[end + 1:]
        port_text = tail[1:] if tail.startswith(":") else None
        if tail and not tail.startswith(":"):
            raise ValueError(f"bad host:port in {uri!r}")
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"bad IPv6 address in {uri!r}") from None
    else:
        host, _, port_text = hostport.partition(":")
        port_text = port_text or None
        if not host or not _HOST.match(host):
            raise ValueError(f"bad host in {uri!r}")
    chosen = None
    for param in params:
        name, _, value = param.partition("=")
        if name.strip().lower() == "transport":
            chosen = value.strip().lower()
    chosen = chosen or (transport or "").lower() or ("tls" if scheme == "sips" else "udp")
    if scheme == "sips" and chosen == "tcp":
        chosen = "tls"  # sips over TCP means TLS
    if chosen not in TRANSPORTS:
        raise ValueError(f"unsupported transport {chosen!r} in {uri!r} (udp, tcp or tls)")
    if port_text is None:
        port = DEFAULT_PORTS[chosen]
    else:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise ValueError(f"bad port {port_text!r} in {uri!r}")
        port = int(port_text)
    return SipTarget(host=host, port=port, transport=chosen)


# --- messages ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RequestIds:
    branch: str
    call_id: str
    from_tag: str
    cseq: int = 1

    @classmethod
    def new(cls) -> RequestIds:
        return cls(branch=MAGIC_COOKIE + secrets.token_hex(8), call_id=secrets.token_hex(12) + "@aybiza-health",
                   from_tag=secrets.token_hex(6))


def build_options(target: SipTarget, ids: RequestIds, *, local_host: str, local_port: int) -> bytes:
    via_transport = target.transport.upper()
    local = f"[{local_host}]" if ":" in local_host else local_host
    lines = [
        f"OPTIONS {target.request_uri} SIP/2.0",
        f"Via: SIP/2.0/{via_transport} {local}:{local_port};branch={ids.branch};rport",
        "Max-Forwards: 70",
        f"From: <sip:health@{local}>;tag={ids.from_tag}",
        f"To: <{target.request_uri}>",
        f"Call-ID: {ids.call_id}",
        f"CSeq: {ids.cseq} OPTIONS",
        f"Contact: <sip:health@{local}:{local_port}>",
        "Accept: application/sdp",
        f"User-Agent: {USER_AGENT}",
        "Content-Length: 0",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")


@dataclass
class SipResponse:
    status_code: int
    reason: str
    headers: dict[str, list[str]] = field(default_factory=dict)  # lower-case long names -> values in order
    body: bytes = b""

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


def split_head(data: bytes) -> tuple[bytes, bytes] | None:
    """(head, rest) at the first blank line (CRLF CRLF, or bare LF LF), or None if not there yet."""
    crlf, lf = data.find(b"\r\n\r\n"), data.find(b"\n\n")
    if crlf >= 0 and (lf < 0 or crlf < lf):
        return data[:crlf], data[crlf + 4:]
    if lf >= 0:
        return data[:lf], data[lf + 2:]
    return None


def parse_head(head: bytes) -> SipResponse:
    """Status line and headers (no body). SipParseError if it is not a SIP response."""
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        raise SipParseError("not UTF-8") from None
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and lines[0] == "":  # RFC 3261 7.5: leading blank lines (keep-alives) are skipped
        lines.pop(0)
    if not lines:
        raise SipParseError("empty message")
    match = _STATUS_LINE.match(lines[0])
    if not match:
        raise SipParseError("not a SIP/2.0 status line")  # the peer's bytes are not echoed (tenants read errors)
    headers: dict[str, list[str]] = {}
    unfolded: list[str] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t"):  # folded continuation (RFC 3261 7.3.1)
            if not unfolded:
                raise SipParseError("continuation line before any header")
            unfolded[-1] += " " + line.strip()
        else:
            unfolded.append(line)
    for line in unfolded:
        name, sep, value = line.partition(":")
        name = name.strip().lower()
        if not sep or not name or " " in name:
            raise SipParseError("bad header line")
        name = COMPACT.get(name, name)
        value = value.strip()
        if name == "via":  # several Vias may share one line
            headers.setdefault(name, []).extend(v.strip() for v in _split_commas(value))
        else:
            headers.setdefault(name, []).append(value)
    return SipResponse(status_code=int(match.group(1)), reason=match.group(2).strip(), headers=headers)


def content_length(response: SipResponse, *, stream: bool) -> int:
    value = response.header("content-length")
    if value is None:
        if stream:
            raise SipParseError("Content-Length is mandatory over a stream transport")
        return 0
    if not value.isdigit() or int(value) > MAX_MESSAGE:
        raise SipParseError("bad Content-Length")
    return int(value)


def parse_response(data: bytes) -> SipResponse:
    """A whole message (a UDP datagram). SipParseError on anything that is not one SIP response."""
    parts = split_head(data)
    if parts is None:
        raise SipParseError("no end of headers")
    head, rest = parts
    response = parse_head(head)
    length = content_length(response, stream=False)
    if len(rest) < length:
        raise SipParseError("body shorter than Content-Length")
    response.body = rest[:length]
    return response


def _split_commas(value: str) -> list[str]:
    """Split a header value on commas outside quotes and angle brackets."""
    out, depth, quoted, start = [], 0, False, 0
    for i, char in enumerate(value):
        if char == '"':
            quoted = not quoted
        elif not quoted and char == "<":
            depth += 1
        elif not quoted and char == ">":
            depth = max(0, depth - 1)
        elif not quoted and depth == 0 and char == ",":
            out.append(value[start:i])
            start = i + 1
    out.append(value[start:])
    return [v for v in (s.strip() for s in out) if v]


def via_branch(via: str) -> str | None:
    for param in via.split(";")[1:]:
        name, _, value = param.partition("=")
        if name.strip().lower() == "branch":
            return value.strip()
    return None


def response_matches(response: SipResponse, ids: RequestIds) -> bool:
    """RFC 3261 17.1.3: the top Via's branch and the CSeq method match; we also require our Call-ID."""
    vias = response.headers.get("via") or []
    if not vias or via_branch(vias[0]) != ids.branch:
        return False
    if response.header("call-id") != ids.call_id:
        return False
    cseq = (response.header("cseq") or "").split()
    return len(cseq) == 2 and cseq[0] == str(ids.cseq) and cseq[1].upper() == "OPTIONS"


# --- probing -----------------------------------------------------------------------------------------------

# Outcomes of a probe (stored in the history's `outcome` column).
ANSWERED = "answered"      # a final response arrived (any code)
TIMEOUT = "timeout"        # nothing within the timeout
REFUSED = "refused"        # connection refused / ICMP port unreachable
UNREACHABLE = "unreachable"  # network or host unreachable, connection reset
DNS_ERROR = "dns_error"    # the host name does not resolve
TLS_ERROR = "tls_error"    # handshake or certificate failure
PROTOCOL_ERROR = "protocol_error"  # the peer answered something that is not a SIP response to us
INVALID_TARGET = "invalid_target"  # the trunk's URI cannot be probed
OUTCOMES = (ANSWERED, TIMEOUT, REFUSED, UNREACHABLE, DNS_ERROR, TLS_ERROR, PROTOCOL_ERROR, INVALID_TARGET)


@dataclass(frozen=True)
class ProbeResult:
    outcome: str
    status_code: int | None = None
    reason: str = ""
    rtt_ms: float | None = None
    error: str = ""

    @property
    def answered(self) -> bool:
        return self.outcome == ANSWERED


class _ProbeFailed(Exception):
    def __init__(self, outcome: str, error: str):
        super().__init__(error)
        self.outcome, self.error = outcome, error


async def options_ping(target: SipTarget, *, timeout: float, ssl_context: ssl.SSLContext | None = None,
                       blocked_networks: Sequence[IPNetwork] = ()) -> ProbeResult:
    """Send one OPTIONS to `target` and wait for its final answer, `timeout` seconds at most in all.

    An address inside `blocked_networks` (checked after resolution, on the address actually used)
    is never contacted: the result is INVALID_TARGET.
    """
    stage = ["resolving the host"]  # where a timeout struck, for the error text
    try:
        async with asyncio.timeout(timeout):
            address = await _resolve(target)
            ip = ipaddress.ip_address(address[1][0].split("%")[0])
            if any(ip in network for network in blocked_networks if network.version == ip.version):
                return ProbeResult(INVALID_TARGET, error=f"address {ip} is in a blocked network "
                                                         "(AYBIZA_HEALTH_BLOCKED_NETWORKS)")
            if target.transport == "udp":
                stage[0] = "waiting for the answer"
                response, sent_at = await _udp(target, address)
            else:
                response, sent_at = await _stream(target, address, ssl_context, stage)
    except TimeoutError:
        return ProbeResult(TIMEOUT, error=f"no answer within {timeout:g} s ({stage[0]})")
    except _ProbeFailed as failure:
        return ProbeResult(failure.outcome, error=failure.error[:500])
    except ssl.SSLError as exc:
        return ProbeResult(TLS_ERROR, error=str(exc)[:500])
    except ConnectionRefusedError as exc:
        return ProbeResult(REFUSED, error=str(exc) or "connection refused")
    except OSError as exc:
        return ProbeResult(UNREACHABLE, error=(str(exc) or type(exc).__name__)[:500])
    rtt = (time.monotonic() - sent_at) * 1000
    return ProbeResult(ANSWERED, status_code=response.status_code, reason=response.reason[:255], rtt_ms=round(rtt, 3))


async def _resolve(target: SipTarget) -> tuple:
    try:
        ip = ipaddress.ip_address(target.host)
    except ValueError:
        pass
    else:  # a literal needs no resolver thread
        if ip.version == 6:
            return socket.AF_INET6, (target.host, target.port, 0, 0)
        return socket.AF_INET, (target.host, target.port)
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise _ProbeFailed(DNS_ERROR, f"{target.host}: {exc.strerror or exc}") from None
    if not infos:
        raise _ProbeFailed(DNS_ERROR, f"{target.host}: no address")
    family, _, _, _, sockaddr = infos[0]
    return family, sockaddr


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, ids: RequestIds):
        self.ids = ids
        self.answer: asyncio.Future = asyncio.get_running_loop().create_future()
        self.last_garbage = ""

    def datagram_received(self, data, addr):
        if self.answer.done():
            return
        try:
            response = parse_response(data)
        except SipParseError as exc:
            self.last_garbage = str(exc)
            return  # garbage or a stray datagram: keep waiting for ours
        if response.status_code >= 200 and response_matches(response, self.ids):
            self.answer.set_result(response)

    def error_received(self, exc):
        if not self.answer.done():
            self.answer.set_exception(exc)

    def connection_lost(self, exc):
        if exc is not None and not self.answer.done():
            self.answer.set_exception(exc)


async def _udp(target: SipTarget, address: tuple) -> tuple[SipResponse, float]:
    family, sockaddr = address
    loop = asyncio.get_running_loop()
    ids = RequestIds.new()
    transport, protocol = await loop.create_datagram_endpoint(lambda: _UdpProtocol(ids), remote_addr=sockaddr[:2],
                                                              family=family)
    try:
        local_host, local_port = transport.get_extra_info("sockname")[:2]
        request = build_options(target, ids, local_host=local_host, local_port=local_port)
        sent_at = time.monotonic()
        interval = T1
        while True:
            transport.sendto(request)
            try:
                response = await asyncio.wait_for(asyncio.shield(protocol.answer), interval)
                return response, sent_at
            except TimeoutError:
                interval = min(interval * 2, T2)  # timer E: retransmit
    finally:
        transport.close()


async def _stream(target: SipTarget, address: tuple, ssl_context: ssl.SSLContext | None,
                  stage: list[str]) -> tuple[SipResponse, float]:
    family, sockaddr = address
    tls = None
    stage[0] = "connecting"
    if target.transport == "tls":
        tls = ssl_context or ssl.create_default_context()
        stage[0] = "connecting / TLS handshake"
    reader, writer = await asyncio.open_connection(
        sockaddr[0], sockaddr[1], family=family, ssl=tls, server_hostname=target.host if tls else None,
        limit=MAX_MESSAGE,
    )
    try:
        stage[0] = "waiting for the answer"
        ids = RequestIds.new()
        local_host, local_port = writer.get_extra_info("sockname")[:2]
        writer.write(build_options(target, ids, local_host=local_host, local_port=local_port))
        sent_at = time.monotonic()
        await writer.drain()
        while True:
            response = await _read_stream_message(reader)
            if response.status_code >= 200:
                if not response_matches(response, ids):
                    raise _ProbeFailed(PROTOCOL_ERROR, "the answer does not match our request (Via/Call-ID/CSeq)")
                return response, sent_at
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except (OSError, ssl.SSLError):
            pass


async def _read_stream_message(reader: asyncio.StreamReader) -> SipResponse:
    head = b""
    while not head.strip():  # CRLF keep-alives (RFC 5626) between messages are skipped
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            if not exc.partial.strip():
                raise _ProbeFailed(UNREACHABLE, "the peer closed the connection without answering") from None
            raise _ProbeFailed(PROTOCOL_ERROR, "the peer closed the connection mid-message") from None
        except asyncio.LimitOverrunError:
            raise _ProbeFailed(PROTOCOL_ERROR, "answer headers too large") from None
    try:
        response = parse_head(head[:-4])
        length = content_length(response, stream=True)
        if length:
            response.body = await reader.readexactly(length)
    except SipParseError as exc:
        raise _ProbeFailed(PROTOCOL_ERROR, str(exc)) from None
    except asyncio.IncompleteReadError:
        raise _ProbeFailed(PROTOCOL_ERROR, "the peer closed the connection mid-body") from None
    return response
