"""The OPTIONS client's URI parsing, request building and response parsing/matching (no network)."""

import pytest

from telephony.health.sip_options import (
    RequestIds, SipParseError, SipTarget, build_options, parse_head, parse_response, parse_sip_uri,
    response_matches, split_head,
)
from telephony.health.responder import answer

IDS = RequestIds(branch="z9hG4bKabc123", call_id="c0ffee@aybiza-health", from_tag="t1")


def reply(*headers, status="SIP/2.0 200 OK", body=b"", end="\r\n"):
    return (status + end + end.join(headers) + end + end).encode() + body


GOOD = ("Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKabc123;rport=5999", "Call-ID: c0ffee@aybiza-health",
        "CSeq: 1 OPTIONS", "From: <sip:health@127.0.0.1>;tag=t1", "To: <sip:127.0.0.1:5060>;tag=x",
        "Content-Length: 0")


# --- URIs ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("uri, expected", [
    ("sip:carrier.example.net", SipTarget("carrier.example.net", 5060, "udp")),
    ("sip:carrier.example.net:5070", SipTarget("carrier.example.net", 5070, "udp")),
    ("sip:trunk@carrier.example.net:5080;transport=TCP", SipTarget("carrier.example.net", 5080, "tcp")),
    ("sip:carrier.example.net;transport=tls", SipTarget("carrier.example.net", 5061, "tls")),
    ("sips:carrier.example.net", SipTarget("carrier.example.net", 5061, "tls")),
    ("sips:carrier.example.net;transport=tcp", SipTarget("carrier.example.net", 5061, "tls")),
    ("SIP:10.0.0.7:5062", SipTarget("10.0.0.7", 5062, "udp")),
    ("sip:[2001:db8::1]:5062;transport=tcp", SipTarget("2001:db8::1", 5062, "tcp")),
    ("sip:[::1]", SipTarget("::1", 5060, "udp")),
    ("sip:user:secret@host.example?subject=x", SipTarget("host.example", 5060, "udp")),
])
def test_uri_parsing(uri, expected):
    assert parse_sip_uri(uri) == expected


def test_transport_setting_applies_only_without_a_uri_parameter():
    assert parse_sip_uri("sip:h.example", transport="tcp").transport == "tcp"
    assert parse_sip_uri("sip:h.example;transport=udp", transport="tcp").transport == "udp"
    assert parse_sip_uri("sip:h.example", transport="tls").port == 5061


@pytest.mark.parametrize("uri", [
    "", "carrier.example.net", "http://carrier.example.net", "sip:", "sip:host:0", "sip:host:65536", "sip:host:50x",
    "sip:[2001:db8::1", "sip:[not-ipv6]:5060", "sip:host;transport=sctp", "sip:bad host", "sip:-host.example",
    "sip:host.example:5060:5061", "tel:+15550100",
])
def test_bad_uris_are_refused_with_a_reason(uri):
    with pytest.raises(ValueError):
        parse_sip_uri(uri)


def test_request_uri_and_label():
    assert SipTarget("h.example", 5060, "udp").request_uri == "sip:h.example:5060"
    assert SipTarget("h.example", 5070, "tcp").request_uri == "sip:h.example:5070;transport=tcp"
    assert SipTarget("h.example", 5061, "tls").request_uri == "sips:h.example:5061"
    assert str(SipTarget("::1", 5060, "udp")) == "udp:[::1]:5060"


# --- request ------------------------------------------------------------------------------------------------

def test_options_request_has_the_mandatory_headers():
    raw = build_options(SipTarget("10.0.0.7", 5060, "tcp"), IDS, local_host="127.0.0.1", local_port=40000)
    text = raw.decode()
    assert text.startswith("OPTIONS sip:10.0.0.7:5060;transport=tcp SIP/2.0\r\n")
    assert text.endswith("Content-Length: 0\r\n\r\n")
    lines = text.split("\r\n")
    assert "Via: SIP/2.0/TCP 127.0.0.1:40000;branch=z9hG4bKabc123;rport" in lines
    assert "CSeq: 1 OPTIONS" in lines and "Call-ID: c0ffee@aybiza-health" in lines and "Max-Forwards: 70" in lines
    assert any(line.startswith("From: ") and line.endswith(";tag=t1") for line in lines)
    assert any(line.startswith("To: <sip:10.0.0.7:5060;transport=tcp>") for line in lines)


def test_new_ids_are_unique_and_rfc3261_branches():
    a, b = RequestIds.new(), RequestIds.new()
    assert a.branch.startswith("z9hG4bK") and a.branch != b.branch and a.call_id != b.call_id


def test_a_request_answered_by_the_loopback_responder_matches():
    raw = build_options(SipTarget("127.0.0.1", 5060, "udp"), IDS, local_host="127.0.0.1", local_port=40000)
    response = parse_response(answer(raw, code=503, reason="Service Unavailable"))
    assert (response.status_code, response.reason) == (503, "Service Unavailable")
    assert response_matches(response, IDS)


# --- responses ----------------------------------------------------------------------------------------------

def test_status_line_headers_and_body():
    response = parse_response(reply(*GOOD[:-1], "Content-Type: application/sdp", "Content-Length: 5",
                                    status="SIP/2.0 404 Not Found Here", body=b"v=0\r\nEXTRA"))
    assert response.status_code == 404 and response.reason == "Not Found Here"
    assert response.header("content-type") == "application/sdp"
    assert response.body == b"v=0\r\n"  # Content-Length bounds the body


def test_reason_phrase_may_be_empty_and_utf8():
    assert parse_response(reply(*GOOD, status="SIP/2.0 200")).reason == ""
    assert parse_response(reply(*GOOD, status="SIP/2.0 486 Occupé")).reason == "Occupé"


def test_compact_forms_case_and_whitespace():
    response = parse_response(reply("v:SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKabc123", "i:  c0ffee@aybiza-health ",
                                    "cseq:1 OPTIONS", "l: 0", "f: <sip:a@b>;tag=t1", "t: <sip:c@d>"))
    assert response.header("Call-ID") == "c0ffee@aybiza-health"
    assert response_matches(response, IDS)


def test_folded_header_lines_are_joined():
    response = parse_response(reply(*GOOD, "Allow: INVITE, ACK,", "  OPTIONS, BYE,", "\tCANCEL"))
    assert response.header("allow") == "INVITE, ACK, OPTIONS, BYE, CANCEL"


def test_several_vias_on_one_line_and_on_several_lines():
    one_line = parse_response(reply("Via: SIP/2.0/UDP a;branch=z9hG4bKabc123, SIP/2.0/UDP b;branch=z9hG4bKother",
                                    *GOOD[1:]))
    assert one_line.headers["via"] == ["SIP/2.0/UDP a;branch=z9hG4bKabc123", "SIP/2.0/UDP b;branch=z9hG4bKother"]
    assert response_matches(one_line, IDS)
    other_first = parse_response(reply("Via: SIP/2.0/UDP b;branch=z9hG4bKother", GOOD[0], *GOOD[1:]))
    assert not response_matches(other_first, IDS)  # only the top Via is ours to match


def test_bare_lf_line_endings_are_accepted():
    assert parse_response(reply(*GOOD, end="\n")).status_code == 200


def test_leading_blank_lines_are_skipped():
    head, _ = split_head(b"\r\n" + reply(*GOOD))
    assert parse_head(head).status_code == 200


@pytest.mark.parametrize("changed, matches", [
    ({}, True),
    ({0: "Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKsomeoneelse"}, False),
    ({0: "Via: SIP/2.0/UDP 127.0.0.1:5999"}, False),  # no branch
    ({1: "Call-ID: other@host"}, False),
    ({2: "CSeq: 2 OPTIONS"}, False),
    ({2: "CSeq: 1 INVITE"}, False),
    ({2: "CSeq: 1"}, False),
    ({2: "CSeq: 1 options"}, True),  # method names compare case-insensitively here
])
def test_matching_on_branch_call_id_and_cseq(changed, matches):
    headers = [changed.get(i, h) for i, h in enumerate(GOOD)]
    assert response_matches(parse_response(reply(*headers)), IDS) is matches


def test_missing_headers_never_match():
    assert not response_matches(parse_response(reply("Content-Length: 0")), IDS)


@pytest.mark.parametrize("data", [
    b"",
    b"\x00\x01\x02garbage",
    b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
    b"OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\r\n\r\n",  # a request, not a response
    b"SIP/2.0 200 OK\r\nCall-ID: x\r\n",  # no end of headers
    b"SIP/2.0 20 OK\r\n\r\n",
    b"SIP/2.0 700 Weird\r\n\r\n",
    b"SIP/3.0 200 OK\r\n\r\n",
    b"SIP/2.0 200 OK\r\nno colon here\r\n\r\n",
    b"SIP/2.0 200 OK\r\n folded before any header\r\n\r\n",
    b"SIP/2.0 200 OK\r\nContent-Length: -1\r\n\r\n",
    b"SIP/2.0 200 OK\r\nContent-Length: 99999999\r\n\r\n",
    b"SIP/2.0 200 OK\r\nContent-Length: 10\r\n\r\nshort",
    b"SIP/2.0 200 OK\r\nBad Name: x\r\n\r\n",
    "SIP/2.0 200 OK\r\nX: \udcff\r\n\r\n".encode("utf-8", "surrogateescape"),
])
def test_garbage_is_refused(data):
    with pytest.raises(SipParseError):
        parse_response(data)
