"""EN 16931 CII rule set against the official XSLT, finding for finding, on corpus files and on
seeded random mutations of them.

The corpus oracle only records rule ids per file; here every failed assertion is compared as a
multiset of (rule id, severity), so a rule firing on the wrong number of nodes is caught as well.
Mutations (removed, duplicated or re-valued elements and attributes) reach the many rules valid
invoices never trigger. Variants on which the official stylesheet stops with an XPath dynamic
error (for example ``xs:decimal('abc')``) are skipped: there the official pack gives no verdict.
"""

from __future__ import annotations

import copy
import json
import random
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree

from belegwerk.rules.en16931_cii import RULESET
from belegwerk.xml.safe import parse_xml

pytestmark = [pytest.mark.einvoice, pytest.mark.slow]

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
VALUES = [
    "",
    " ",
    "0",
    "-1",
    "0.5",
    "1.005",
    "12.345",
    "19",
    "X",
    "S",
    "Z",
    "E",
    "AE",
    "K",
    "G",
    "O",
    "L",
    "M",
    "VAT",
    "30",
    "58",
    "true",
    "false",
    "1",
    "EUR",
    "USD",
    "DE",
    "IT",
    "20241301",
    "916",
    "130",
    "VA",
    "FC",
    "0088",
    "a b",
]
ATTRS = ["schemeID", "unitCode", "currencyID", "format", "listID", "mimeCode"]


class Official:
    """The official pack run by Saxon: failed assertions as a multiset of (id, flag)."""

    def __init__(self, xslt: Path) -> None:
        saxonche = pytest.importorskip("saxonche")
        self.proc = saxonche.PySaxonProcessor(license=False)
        self.exe = self.proc.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(xslt))

    def __call__(self, data: bytes) -> Counter[tuple[str, str]] | None:
        try:
            node = self.proc.parse_xml(xml_text=data.decode("utf-8"))
            out = self.exe.transform_to_string(xdm_node=node)
        except Exception:
            return None
        if out is None:
            return None
        svrl = etree.fromstring(out.encode("utf-8"))
        return Counter((fa.get("id", ""), fa.get("flag", "")) for fa in svrl.iter(f"{SVRL}failed-assert"))


def ours(data: bytes) -> Counter[tuple[str, str]]:
    return Counter((f.rule_id, f.severity.value) for f in RULESET.evaluate(parse_xml(data)))


@pytest.fixture(scope="module")
def official(corpus: Path) -> Official:
    return Official(corpus / "rules/en16931/cii/EN16931-CII-validation.xslt")


@pytest.fixture(scope="module")
def cii_files(corpus: Path) -> list[Path]:
    lines = (corpus / "oracle-verdicts.jsonl").read_text(encoding="utf-8").splitlines()
    files = sorted({json.loads(x)["file"] for x in lines if json.loads(x)["syntax"] == "cii"})
    return [corpus / f for f in files]


def mutate(root: etree._Element, rnd: random.Random) -> None:
    elements = [e for e in root.iter() if isinstance(e.tag, str)][1:]
    e = rnd.choice(elements)
    parent = e.getparent()
    op = rnd.random()
    if parent is not None and (op < 0.3 or (op < 0.8 and len(e))):
        parent.remove(e)
    elif op < 0.4:
        e.addnext(copy.deepcopy(e))
    elif op < 0.8:
        e.text = rnd.choice(VALUES)
    elif e.attrib and rnd.random() < 0.5:
        del e.attrib[rnd.choice(list(e.attrib))]
    else:
        e.set(rnd.choice(ATTRS), rnd.choice(VALUES))


def _compare(official: Official, data: bytes) -> str | None:
    expected = official(data)
    if expected is None:
        return None
    got = ours(data)
    if got == expected:
        return ""
    diff = {k: (expected[k], got[k]) for k in expected.keys() | got.keys() if expected[k] != got[k]}
    return f"official vs ours: {diff}"


def test_corpus_files_finding_for_finding(official: Official, cii_files: list[Path]) -> None:
    assert len(cii_files) >= 200
    problems = []
    for path in cii_files:
        result = _compare(official, path.read_bytes())
        assert result is not None, f"the official pack failed on an unmodified corpus file {path}"
        if result:
            problems.append(f"{path.name}: {result}")
    assert problems == []


def test_mutated_corpus_files_finding_for_finding(official: Official, cii_files: list[Path]) -> None:
    rnd = random.Random(16931)
    compared, problems = 0, []
    for path in cii_files:
        base = etree.fromstring(path.read_bytes())
        for _ in range(3):
            variant = copy.deepcopy(base)
            for _ in range(rnd.choice((1, 2, 3))):
                mutate(variant, rnd)
            data = etree.tostring(variant, xml_declaration=True, encoding="utf-8")
            result = _compare(official, data)
            if result is None:
                continue
            compared += 1
            if result:
                problems.append(f"{path.name} (mutated): {result}")
    assert compared >= 400
    assert problems == []


def _category_variants() -> list[tuple[str, bytes]]:
    """The small test invoice with every VAT category code, combined with the things the
    category rules look at: allowances, charges, exemption reasons, rates, VAT identifiers."""
    from test_rules_cii_semantics import ALLOWANCE, MINIMAL, SETTLEMENT

    from belegwerk.xml.ns import NSMAP

    def frag(xml: str) -> etree._Element:
        decl = " ".join(f'xmlns:{p}="{NSMAP[p]}"' for p in ("ram", "udt"))
        return etree.fromstring(f"<w {decl}>{xml}</w>")[0]

    def tweak(root: etree._Element, what: str) -> None:
        settlement = root.xpath(SETTLEMENT, namespaces=NSMAP)[0]
        summation = settlement[-1]
        header_tax = settlement.find("ram:ApplicableTradeTax", NSMAP)
        if what in ("allowance", "charge"):
            indicator = "false" if what == "allowance" else "true"
            summation.addprevious(frag(ALLOWANCE.format(amount="10.00", indicator=indicator)))
        elif what == "exemption":
            header_tax.find("ram:BasisAmount", NSMAP).addnext(frag("<ram:ExemptionReason>exempt</ram:ExemptionReason>"))
        elif what == "rate0":
            for r in root.iterfind(".//ram:RateApplicablePercent", NSMAP):
                r.text = "0"
        elif what == "no-rate":
            for r in list(root.iterfind(".//ram:RateApplicablePercent", NSMAP)):
                r.getparent().remove(r)
        elif what == "buyer-vat":
            buyer = root.find(".//ram:BuyerTradeParty", NSMAP)
            buyer.append(
                frag(
                    '<ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">FR123</ram:ID></ram:SpecifiedTaxRegistration>'
                )
            )
        elif what == "no-seller-vat":
            reg = root.find(".//ram:SellerTradeParty/ram:SpecifiedTaxRegistration", NSMAP)
            reg.getparent().remove(reg)

    variants = []
    for code in ("S", "Z", "E", "AE", "K", "G", "O", "L", "M", "B"):
        for what in ("", "allowance", "charge", "exemption", "rate0", "no-rate", "buyer-vat", "no-seller-vat"):
            root = etree.fromstring(MINIMAL)
            tweak(root, what)
            for c in root.iterfind(".//ram:CategoryCode", NSMAP):
                c.text = code
            variants.append((f"{code}/{what or 'plain'}", etree.tostring(root, xml_declaration=True, encoding="utf-8")))
    return variants


def test_vat_category_variants_finding_for_finding(official: Official) -> None:
    problems, compared = [], 0
    for name, data in _category_variants():
        result = _compare(official, data)
        if result is None:
            continue
        compared += 1
        if result:
            problems.append(f"{name}: {result}")
    assert compared >= 70
    assert problems == []
