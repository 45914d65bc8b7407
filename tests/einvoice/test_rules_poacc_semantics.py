"""POACC rule internals: identifier check digits against python-stdnum, XPath value semantics,
and rules firing on deliberately broken copies of the official examples."""

from __future__ import annotations

import copy
import math
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from stdnum import ean
from stdnum.au import abn
from stdnum.it import iva
from stdnum.no import orgnr as no_orgnr
from stdnum.se import orgnr as se_orgnr

from belegwerk.rules.poacc import RULESETS, ruleset_for
from belegwerk.rules.poacc_common import (
    abn_ok,
    codice_fiscale_ok,
    codice_ipa_ok,
    gln_ok,
    mod11_ok,
    mod97_0208_ok,
    partita_iva_ok,
    se_orgnr_ok,
    xnumber,
)
from belegwerk.xml.ns import NSMAP
from belegwerk.xml.safe import parse_xml

pytestmark = pytest.mark.einvoice

digits = st.text(alphabet="0123456789", min_size=1, max_size=14)


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_gln_agrees_with_gs1_check(value: str) -> None:
    assert gln_ok(value) == ean.is_valid(value)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9).filter(lambda s: int(s) > 0))
def test_norwegian_orgnr_agrees_with_stdnum(value: str) -> None:
    assert mod11_ok(value) == no_orgnr.is_valid(value)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_swedish_orgnr_agrees_with_luhn(value: str) -> None:
    assert se_orgnr_ok(value) == se_orgnr.is_valid(value)


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_abn_agrees_with_stdnum(value: str) -> None:
    # stdnum also refuses a leading zero, and it writes the check digits as 11..99, so it refuses
    # the prefix "10", which the weighted mod-89 sum accepts just like "99" (both add 0 mod 89);
    # the Peppol rule only computes the checksum.
    if value[0] != "0" and not value.startswith("10"):
        assert abn_ok(value) == abn.is_valid(value)
    elif value.startswith("10"):
        assert abn_ok(value) == abn.is_valid("99" + value[2:])
    elif abn.is_valid(value):
        assert abn_ok(value)


@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_partita_iva_accepts_what_stdnum_accepts(value: str) -> None:
    # stdnum also checks the office code; the Peppol rule checks only the check digit.
    if iva.is_valid(value):
        assert partita_iva_ok("IT" + value)


def test_identifier_examples() -> None:
    assert mod97_0208_ok("0403170701")
    assert not mod97_0208_ok("0403170702")
    assert codice_ipa_ok("UFY9MH") and not codice_ipa_ok("UFY9M") and not codice_ipa_ok("UFY-MH")
    assert codice_fiscale_ok("RSSMRA85T10A562S") and codice_fiscale_ok("12345678901")
    assert not codice_fiscale_ok("RSSMRA85T10A562") and not codice_fiscale_ok("1234567890A")
    assert partita_iva_ok("DE123") and not partita_iva_ok("IT1234567890")
    assert not gln_ok("５７９０００００４３５９６８")


def test_xpath_number_semantics() -> None:
    assert xnumber(" 12.5 ") == 12.5
    assert xnumber("1e3") == 1000.0
    assert math.isnan(xnumber(None)) and math.isnan(xnumber("")) and math.isnan(xnumber("1,5"))


# ---------------------------------------------------------------------------------------------
# Broken copies of the official examples
# ---------------------------------------------------------------------------------------------


def _example(corpus: Path, name: str) -> etree._Element:
    path = corpus / "peppol-bis/poacc/examples" / name
    if not path.exists():
        raise FileNotFoundError(path)
    return parse_xml(path.read_bytes())


def _fired(root: etree._Element) -> set[str]:
    ruleset = ruleset_for(root)
    assert ruleset is not None
    return {f.rule_id for f in ruleset.evaluate(root)}


def test_order_totals_rules_fire_on_wrong_totals(corpus: Path) -> None:
    root = _example(corpus, "Order_Example.xml")
    assert _fired(root) == set()
    broken = copy.deepcopy(root)
    payable = broken.find("cac:AnticipatedMonetaryTotal/cbc:PayableAmount", NSMAP)
    assert payable is not None and payable.text
    payable.text = str(Decimal(payable.text) + Decimal("1.00"))
    assert "PEPPOL-T01-R016" in _fired(broken)


def test_order_line_ids_must_be_unique(corpus: Path) -> None:
    root = _example(corpus, "Order_Example.xml")
    ids = root.findall("cac:OrderLine/cac:LineItem/cbc:ID", NSMAP)
    assert len(ids) >= 2
    ids[1].text = ids[0].text
    findings = [f for f in RULESETS["T01"].evaluate(root) if f.rule_id == "PEPPOL-T01-R001"]
    assert len(findings) == 2


def test_empty_element_is_fatal(corpus: Path) -> None:
    root = _example(corpus, "DespatchAdvice_Example.xml")
    note = etree.SubElement(root, f"{{{NSMAP['cbc']}}}Note")
    note.text = ""
    assert "PEPPOL-COMMON-R001" in _fired(root)


def test_order_agreement_tax_total_must_match_breakdown(corpus: Path) -> None:
    root = _example(corpus, "OrderAgreement_Example.xml")
    assert _fired(root) == set()
    tax = root.find("cac:TaxTotal/cbc:TaxAmount", NSMAP)
    assert tax is not None and tax.text
    tax.text = str(Decimal(tax.text) + Decimal("0.01"))
    fired = _fired(root)
    assert "PEPPOL-T110-R025" in fired


def test_punch_out_service_indicator_must_be_boolean(corpus: Path) -> None:
    root = _example(corpus, "PunchOut_Example.xml")
    assert _fired(root) == set()
    item = root.find(".//cac:CatalogueLine/cac:Item", NSMAP)
    assert item is not None
    prop = etree.SubElement(item, f"{{{NSMAP['cac']}}}AdditionalItemProperty")
    etree.SubElement(prop, f"{{{NSMAP['cbc']}}}Name").text = "ServiceIndicator"
    etree.SubElement(prop, f"{{{NSMAP['cbc']}}}Value").text = "yes"
    assert "PEPPOL-T77-R007" in _fired(root)


@pytest.mark.parametrize(
    ("example", "rule_id"),
    [
        ("Order_Example.xml", "PEPPOL-T01-R034"),
        ("OrderChange_Example.xml", "PEPPOL-T114-R034"),
        ("OrderCancellation_Example.xml", "PEPPOL-T115-R034"),
        ("OrderResponse_Example.xml", "PEPPOL-T76-R006"),
        ("OrderResponseAdvanced_Example.xml", "PEPPOL-T116-R006"),
        ("DespatchAdvice_Example.xml", "PEPPOL-T16-R011"),
        ("InvoiceResponse_Example.xml", "PEPPOL-T111-R003"),
        ("MessageLevelResponse_Example.xml", "PEPPOL-T71-R001"),
        ("CatalogueResponse_Example.xml", "PEPPOL-T58-R001"),
    ],
)
def test_specification_identifier_version_is_checked(corpus: Path, example: str, rule_id: str) -> None:
    root = _example(corpus, example)
    spec = root.find("cbc:CustomizationID", NSMAP)
    assert spec is not None and spec.text
    tid = rule_id.split("-")[1]
    assert _fired(root) == set()
    spec.text = spec.text.replace(":3", ":2")
    findings = [f.rule_id for f in RULESETS[tid].evaluate(root)]
    assert rule_id in findings
