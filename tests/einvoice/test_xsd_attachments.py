"""The XSD step's shortcut for attachments: long, plainly valid base64 values are checked in C and
lent a short value while libxml2 validates; the findings must be exactly those of libxml2 on the
document as it is."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree
from test_scan import needs_c

from belegwerk.rules import scan, schema
from belegwerk.rules.engine import Finding
from belegwerk.xml.ns import NSMAP
from belegwerk.xml.safe import UnreadableXML, parse_xml

pytestmark = pytest.mark.einvoice

UBL_EXAMPLE = "en16931-examples/ubl/examples/ubl-tc434-example2.xml"
CII_EXAMPLE = "en16931-examples/cii/examples/CII_example2.xml"
UBL_BINARY = f"{{{NSMAP['cbc']}}}EmbeddedDocumentBinaryObject"
CII_BINARY = f"{{{NSMAP['ram']}}}AttachmentBinaryObject"
NAMES = schema.BINARIES["ubl-invoice"]


@pytest.fixture(autouse=True)
def _xsd_dir(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BELEGWERK_XSD_DIR", str(corpus / "rules/xsd"))


def _binary(root: etree._Element, tag: str) -> etree._Element:
    found = next(root.iter(tag), None)
    assert found is not None, f"the example has no {tag}"
    return found


def _as_libxml2_sees_it(root: etree._Element, syntax: str, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    with monkeypatch.context() as m:
        m.setattr(scan, "with_short_binaries", scan._with_short_binaries_python)
        return schema.validate_schema(root, syntax)


def _key(findings: list[Finding]) -> list[tuple[str, str, str]]:
    return [(f.rule_id, f.message, f.location) for f in findings]


@pytest.fixture(scope="module")
def ubl(corpus: Path) -> etree._Element:
    return parse_xml((corpus / UBL_EXAMPLE).read_bytes(), drop_blank_text=True)


def _payloads() -> st.SearchStrategy[str]:
    """Attachment values around the edge of validity: canonical base64 of 1.5–1.6 KB (so the
    value is past the shortcut's 2 KB), then line breaks and spaces, lost or extra padding,
    changed last characters (bits a padded group must leave zero), stray characters, '=' inside,
    data after the padding."""
    body = st.binary(min_size=1536, max_size=1600).map(lambda b: base64.b64encode(b).decode("ascii"))
    edits = st.lists(
        st.tuples(
            st.sampled_from(
                ["space", "newline", "tab", "cr", "stray", "inner-pad", "drop-pad", "add-pad", "last", "tail"]
            ),
            st.integers(min_value=0, max_value=4000),
            st.sampled_from(["A", "B", "Q", "g", "w", "/", "+", "!", "-", ".", "é", "_"]),
        ),
        max_size=3,
    )

    def apply(value: str, changes: list[tuple[str, int, str]]) -> str:
        for kind, at, char in changes:
            at %= len(value) + 1
            if kind == "space":
                value = value[:at] + " " + value[at:]
            elif kind == "newline":
                value = value[:at] + "\n" + value[at:]
            elif kind == "tab":
                value = value[:at] + "\t" + value[at:]
            elif kind == "cr":
                value = value[:at] + "\r" + value[at:]
            elif kind == "stray":
                value = value[:at] + char + value[at:]
            elif kind == "inner-pad":
                value = value[:at] + "=" + value[at:]
            elif kind == "drop-pad":
                value = value.rstrip("=")
            elif kind == "add-pad":
                value += "="
            elif kind == "last":
                stripped = value.rstrip("=")
                value = stripped[:-1] + char + value[len(stripped) :]
            else:
                value += char
        return value

    return st.builds(apply, body, edits)


@needs_c
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_payloads())
def test_findings_equal_libxml2s_on_the_value_as_it_is(
    ubl: etree._Element, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    binary = _binary(ubl, UBL_BINARY)
    binary.text = value
    expected = _as_libxml2_sees_it(ubl, "ubl-invoice", monkeypatch)
    assert _key(schema.validate_schema(ubl, "ubl-invoice")) == _key(expected)
    assert binary.text == value


@needs_c
def test_a_broken_attachment_is_still_reported(ubl: etree._Element, monkeypatch: pytest.MonkeyPatch) -> None:
    binary = _binary(ubl, UBL_BINARY)
    good = base64.b64encode(bytes(range(256)) * 12).decode("ascii")
    for bad in (good[:-1], good[:100] + "=" + good[100:], good + "QQ", good[:-4] + "QR==", good + "==="):
        binary.text = bad
        found = schema.validate_schema(ubl, "ubl-invoice")
        assert found and found == _as_libxml2_sees_it(ubl, "ubl-invoice", monkeypatch), bad[-8:]
    # libxml2 skips characters outside the base64 alphabet; the shortcut leaves such values to it
    binary.text = good + "!"
    assert schema.validate_schema(ubl, "ubl-invoice") == _as_libxml2_sees_it(ubl, "ubl-invoice", monkeypatch) == []
    binary.text = good
    assert schema.validate_schema(ubl, "ubl-invoice") == []


@needs_c
def test_cii_attachments_take_the_shortcut_too(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = parse_xml((corpus / CII_EXAMPLE).read_bytes(), drop_blank_text=True)
    binary = _binary(root, CII_BINARY)
    good = base64.b64encode(bytes(range(256)) * 12).decode("ascii")
    for value in (good, good[:-2] + "A=", "\n".join(good[i : i + 76] for i in range(0, len(good), 76))):
        binary.text = value
        assert _key(schema.validate_schema(root, "cii")) == _key(_as_libxml2_sees_it(root, "cii", monkeypatch))
        assert binary.text == value


def _seen_during(root: etree._Element, element: etree._Element, min_length: int = 2048) -> str | None:
    return scan.with_short_binaries(root, NAMES, min_length, lambda: element.text)  # type: ignore[no-any-return]


@needs_c
def test_only_long_plain_values_of_the_named_elements_are_lent_a_short_one() -> None:
    good = base64.b64encode(bytes(range(256)) * 12).decode("ascii")
    root = etree.fromstring(f'<r xmlns:c="{NSMAP["cbc"]}"><c:EmbeddedDocumentBinaryObject/><c:Other/></r>'.encode())
    binary, other = root[0], root[1]
    binary.text = good
    assert _seen_during(root, binary) == "AAAA"
    assert binary.text == good  # back afterwards, in the same text node
    assert _seen_during(root, binary, min_length=len(good) + 1) == good  # too short to bother
    other.text = good
    assert _seen_during(root, other) == good  # not an attachment element
    binary.text = good + "!"
    assert _seen_during(root, binary) == good + "!"  # not plainly valid: libxml2 judges it
    binary.text = good
    binary.append(etree.Comment("split"))
    binary[0].tail = "QUJD"
    assert _seen_during(root, binary) == good  # more than one text: left alone


@needs_c
def test_the_values_come_back_when_the_run_fails() -> None:
    good = base64.b64encode(bytes(range(256)) * 12).decode("ascii")
    root = etree.fromstring(f'<r xmlns:c="{NSMAP["cbc"]}"><c:EmbeddedDocumentBinaryObject/></r>'.encode())
    root[0].text = good

    def fail() -> None:
        assert root[0].text == "AAAA"
        raise RuntimeError("the run failed")

    with pytest.raises(RuntimeError, match="the run failed"):
        scan.with_short_binaries(root, NAMES, 2048, fail)
    assert root[0].text == good


def test_without_the_c_scanner_the_run_sees_the_tree_as_it_is() -> None:
    root = etree.fromstring(f'<r xmlns:c="{NSMAP["cbc"]}"><c:EmbeddedDocumentBinaryObject/></r>'.encode())
    root[0].text = "QUJD" * 1000
    assert scan._with_short_binaries_python(root, NAMES, 2048, lambda: root[0].text) == "QUJD" * 1000


def _corpus_with_attachments(corpus: Path) -> Iterator[Path]:
    for path in sorted(corpus.rglob("*.xml")):
        if path.stat().st_size > 20_000 and (b"BinaryObject" in path.read_bytes()):
            yield path


@needs_c
def test_corpus_attachments_give_libxml2s_findings(corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checked = 0
    for path in _corpus_with_attachments(corpus):
        try:
            root = parse_xml(path.read_bytes(), drop_blank_text=True)
        except UnreadableXML:  # unreadable test files are other tests' business
            continue
        syntax = "cii" if root.tag.endswith("CrossIndustryInvoice") else "ubl-invoice"
        if root.tag.endswith("}CreditNote"):
            syntax = "ubl-creditnote"
        elif syntax == "ubl-invoice" and not root.tag.endswith("}Invoice"):
            continue
        assert _key(schema.validate_schema(root, syntax)) == _key(_as_libxml2_sees_it(root, syntax, monkeypatch)), path
        checked += 1
    assert checked >= 20
