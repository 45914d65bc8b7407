"""Hostile and broken input gives a clear "unreadable" verdict: no crash, no file or network access."""

from __future__ import annotations

import re
import socket
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from belegwerk.rules.validate import PARSE_RULE, validate_bytes, validate_path
from belegwerk.xml.safe import CDATA, COMMENT, DTD, UnreadableXML, _bang_markup, parse_xml

pytestmark = pytest.mark.einvoice

UBL_OPEN = (
    b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"'
    b' xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
)


@pytest.fixture(autouse=True)
def _no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Any attempt to open a connection fails the test loudly."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"network access attempted: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts
    assert attempts == []


def _assert_unreadable(data: bytes, reason_part: str) -> None:
    report = validate_bytes(data, "hostile.xml")
    assert not report.readable
    assert not report.valid
    assert report.fatal == [PARSE_RULE]
    assert report.unreadable_reason and reason_part in report.unreadable_reason


def test_xxe_local_file() -> None:
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + UBL_OPEN
        + b"<cbc:ID>&xxe;</cbc:ID></Invoice>"
    )
    _assert_unreadable(doc, "DOCTYPE")
    assert b"root:" not in validate_bytes(doc).to_json().encode()


def test_xxe_remote_entity() -> None:
    doc = (
        b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/evil">]>'
        + UBL_OPEN
        + b"<cbc:ID>&xxe;</cbc:ID></Invoice>"
    )
    _assert_unreadable(doc, "DOCTYPE")


def test_external_dtd() -> None:
    doc = b'<?xml version="1.0"?><!DOCTYPE Invoice SYSTEM "http://127.0.0.1:9/invoice.dtd">' + UBL_OPEN + b"</Invoice>"
    _assert_unreadable(doc, "DOCTYPE")


def test_parameter_entity_without_doctype_keyword_case() -> None:
    doc = b'<?xml version="1.0"?><!doctype x [<!entity % p SYSTEM "http://127.0.0.1:9/p">%p;]><x/>'
    _assert_unreadable(doc, "DOCTYPE")


def test_billion_laughs() -> None:
    entities = b"".join(b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1)) * 10 if i else b"lol") for i in range(10))
    doc = b'<?xml version="1.0"?><!DOCTYPE lolz [' + entities + b"]><lolz>&lol9;</lolz>"
    _assert_unreadable(doc, "DOCTYPE")


def test_huge_file_rejected_by_size_before_reading(tmp_path: Path) -> None:
    """A 200 MB file is refused from its size: it is neither read into memory nor parsed."""
    big = tmp_path / "huge.xml"
    chunk = b"<x>" + b"a" * (1024 * 1024 - 7) + b"</x>\n"
    with big.open("wb") as fh:
        fh.write(UBL_OPEN)
        for _ in range(200):
            fh.write(chunk)
        fh.write(b"</Invoice>")
    assert big.stat().st_size > 200 * 1024 * 1024
    tracemalloc.start()
    try:
        report = validate_path(big)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not report.readable
    assert report.unreadable_reason and "limit" in report.unreadable_reason
    assert peak < 10 * 1024 * 1024, f"validating the oversized file allocated {peak} bytes"


def test_huge_bytes_rejected_by_size() -> None:
    data = UBL_OPEN + b" " * (2 * 1024 * 1024) + b"</Invoice>"
    report = validate_bytes(data, max_bytes=1024 * 1024)
    assert not report.readable and report.unreadable_reason and "limit" in report.unreadable_reason


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "not XML"),
        (b"\x00\x01\x02\x03binary", "XML"),
        (b"Rechnung Nr. 4711", "not XML"),
        (UBL_OPEN + b"<cbc:ID>1</cbc:ID>", "not well-formed"),
        (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            + UBL_OPEN.replace(b"Invoice-2", b"Invoice-2\xff\xfe")
            + b"</Invoice>",
            "XML",
        ),
        (b'<?xml version="1.0" encoding="klingon-8"?><a/>', "XML"),
        (b'<?xml version="1.0" encoding="UTF-16"?><a>\xc3\xa4</a>', "XML"),
        (b"<a><b></a>", "not well-formed"),
    ],
    ids=["empty", "pdf", "binary", "text", "truncated", "bad-utf8", "unknown-encoding", "wrong-encoding", "mismatched"],
)
def test_broken_input_is_unreadable(data: bytes, reason: str) -> None:
    _assert_unreadable(data, reason)


def test_missing_file_is_unreadable(tmp_path: Path) -> None:
    report = validate_path(tmp_path / "nope.xml")
    assert not report.readable and report.fatal == [PARSE_RULE]


def test_corpus_non_xml_instance(corpus: Path) -> None:
    report = validate_path(corpus / "xrechnung-testsuite/validator-configuration-tests/instances/bin001.xml")
    assert not report.readable and report.fatal == [PARSE_RULE]


_DECLARATION = re.compile(rb"<!(DOCTYPE|ENTITY)", re.IGNORECASE)
_PIECES = st.sampled_from(
    [b"<!", b"<!--", b"<![CDATA[", b"DOCTYPE", b"doctype", b"EnTiTy", b"<!DocType", b"<!entity", b"<", b"!", b"x"]
)


@given(st.lists(st.one_of(_PIECES, st.binary(max_size=8)), max_size=12).map(b"".join))
def test_declaration_scan_finds_exactly_what_a_regex_finds(data: bytes) -> None:
    """The fast DOCTYPE/ENTITY scan of parse_xml refuses exactly the inputs a case-insensitive
    search would; without them, it also sees every CDATA section and comment opening."""
    found = _bang_markup(data)
    assert bool(found & DTD) == bool(_DECLARATION.search(data))
    if not found & DTD:
        assert bool(found & CDATA) == (b"<![" in data)
        assert bool(found & COMMENT) == (b"<!-" in data)


def test_a_reused_parser_still_refuses_and_recovers() -> None:
    """The per-thread parser is reused: a broken document does not affect the next one."""
    good = UBL_OPEN + b"<cbc:ID>1</cbc:ID></Invoice>"
    with pytest.raises(UnreadableXML):
        parse_xml(UBL_OPEN + b"<cbc:ID>1</cbc:ID>")
    assert parse_xml(good).findtext("{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}ID") == "1"
    with pytest.raises(UnreadableXML, match="document type declaration"):
        parse_xml(b"<?xml version='1.0'?>\n<!doctype Invoice>" + good)
