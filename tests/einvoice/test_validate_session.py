"""The per-validation document session: packs share one tree scan, and nothing outlives it."""

from __future__ import annotations

import gc
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from lxml import etree

from belegwerk.rules.engine import SCAN_KEY, Finding, document_session, offer, relevel, session_open, shared
from belegwerk.rules.scenarios import load_ruleset, select
from belegwerk.rules.validate import validate_bytes, validate_tree
from belegwerk.xml.ns import NSMAP
from belegwerk.xml.safe import parse_xml
from support import corpus_xml_files

pytestmark = pytest.mark.einvoice

#: One document per multi-pack scenario: XRechnung UBL and CII, Peppol BIS UBL.
_DOCS = (
    "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_ubl.xml",
    "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_uncefact.xml",
    "peppol-bis/billing/examples/Allowance-example.xml",
)


def _key(f: Finding) -> tuple[str, str, str, str, str]:
    return (f.rule_id, str(f.severity), f.location, f.ruleset, f.message)


def _packs_one_by_one(root: etree._Element) -> list[Finding]:
    """The scenario's packs evaluated separately, each walking the tree itself (no session)."""
    selection = select(root)
    assert selection is not None
    findings = [f for module in selection.modules for f in load_ruleset(module).evaluate(root)]
    return relevel(findings, dict(selection.levels)) if selection.levels else findings


@pytest.mark.parametrize("rel", _DOCS)
def test_shared_scan_gives_the_same_findings_as_separate_packs(corpus: Path, rel: str) -> None:
    path = corpus / rel
    if not path.exists():
        pytest.fail(f"corpus file missing: {rel}")
    root = parse_xml(path.read_bytes())
    # an empty element, so the Peppol/XRechnung "empty element" rule (which reads the shared
    # candidates) has something to find
    etree.SubElement(root, f"{{{NSMAP['cbc']}}}Note" if "ubl" in rel or "peppol" in rel else "Empty")
    report = validate_tree(root, xsd=False)
    assert len(report.rulesets) > 1
    assert [_key(f) for f in report.findings] == [_key(f) for f in _packs_one_by_one(root)]
    assert any(f.rule_id == "PEPPOL-EN16931-R008" for f in report.findings)


def test_session_values_are_per_root_and_end_with_the_session() -> None:
    root = etree.fromstring(b"<a><b/></a>")
    other = etree.fromstring(b"<c/>")
    offer(root, SCAN_KEY, "outside")  # no session: ignored
    assert shared(root, SCAN_KEY) is None
    with document_session(root):
        offer(root, SCAN_KEY, "inside")
        offer(other, SCAN_KEY, "wrong root")  # not the session's document: ignored
        assert shared(root, SCAN_KEY) == "inside"
        assert shared(other, SCAN_KEY) is None
        with document_session(other):
            assert shared(root, SCAN_KEY) is None
        assert shared(root, SCAN_KEY) == "inside"
    assert shared(root, SCAN_KEY) is None


def test_edited_tree_is_scanned_again_in_the_next_validation(corpus: Path) -> None:
    root = parse_xml((corpus / _DOCS[0]).read_bytes())
    before = {f.rule_id for f in validate_tree(root, xsd=False).findings}
    assert "PEPPOL-EN16931-R008" not in before
    etree.SubElement(root, f"{{{NSMAP['cbc']}}}Note")
    after = {f.rule_id for f in validate_tree(root, xsd=False).findings}
    assert "PEPPOL-EN16931-R008" in after


def test_a_session_belongs_to_its_thread() -> None:
    """Another thread validating meanwhile neither sees this thread's session nor ends it."""
    root = etree.fromstring(b"<a><b/></a>")
    entered, leave = threading.Event(), threading.Event()
    seen: list[object] = []

    def other_thread() -> None:
        seen.append(shared(root, SCAN_KEY))  # this thread has no session for root
        seen.append(session_open(root))
        with document_session(root):
            offer(root, SCAN_KEY, "other thread")
            entered.set()
            leave.wait(5)
        seen.append(shared(root, SCAN_KEY))

    with document_session(root):
        offer(root, SCAN_KEY, "main thread")
        worker = threading.Thread(target=other_thread)
        worker.start()
        assert entered.wait(5)
        assert shared(root, SCAN_KEY) == "main thread"  # the other session is the other thread's
        leave.set()
        worker.join(5)
        assert shared(root, SCAN_KEY) == "main thread"  # its end did not end this one
    assert seen == [None, False, None]
    assert shared(root, SCAN_KEY) is None
    assert not session_open(root)


def test_session_state_survives_inspection() -> None:
    """Every live object of the rules engine can be inspected from Python (a debugger, a memory
    profiler, ``gc.get_objects()``): a compiled class must not break what it inherits from."""
    root = etree.fromstring(b"<a><b/></a>")
    with document_session(root):
        offer(root, SCAN_KEY, "x")
        inspected = [o for o in gc.get_objects() if str(type(o).__dict__.get("__module__", "")).startswith("belegwerk.")]
        assert inspected
        for o in inspected:
            assert isinstance(o.__class__, type)
            assert not isinstance(o, etree._Element)


def test_concurrent_validations_give_the_sequential_reports(corpus: Path) -> None:
    """Whole validations of different documents (UBL, CII; EN 16931, XRechnung, Peppol BIS) in
    four threads at once, thread switches forced often, give exactly the reports one thread
    gives: no pack's per-document state (indexes, sessions, memos) leaks between documents."""
    files = corpus_xml_files(corpus)[::25]
    docs = [p.read_bytes() for p in files]

    def keys(data: bytes) -> list[tuple[str, str, str, str, str]]:
        return [_key(f) for f in validate_bytes(data).findings]

    expected = [keys(d) for d in docs]
    assert sum(1 for e in expected if e) > 5  # some documents have findings to mix up
    jobs = [i for _ in range(3) for i in range(len(docs))]
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            got = list(pool.map(lambda i: (i, keys(docs[i])), jobs))
    finally:
        sys.setswitchinterval(switch)
    mixed = [files[i].name for i, found in got if found != expected[i]]
    assert not mixed, mixed
