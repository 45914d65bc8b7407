"""EN 16931 CII rule set: XPath 2.0 details the official verdicts depend on.

Each test starts from a small, valid CII invoice written for these tests and changes one thing.
The expected outcomes were confirmed with the official pack (Saxon) when the tests were written;
``test_rules_cii_differential.py`` re-checks such variants against it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from lxml import etree

from belegwerk.rules.en16931_cii import RULESET
from belegwerk.rules.engine import Finding, Severity
from belegwerk.xml.ns import NSMAP
from belegwerk.xml.safe import parse_xml

pytestmark = pytest.mark.einvoice

MINIMAL = b"""<?xml version="1.0" encoding="UTF-8"?>
<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
  xmlns:ram="urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
  xmlns:udt="urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100">
  <rsm:ExchangedDocumentContext>
    <ram:GuidelineSpecifiedDocumentContextParameter><ram:ID>urn:cen.eu:en16931:2017</ram:ID></ram:GuidelineSpecifiedDocumentContextParameter>
  </rsm:ExchangedDocumentContext>
  <rsm:ExchangedDocument>
    <ram:ID>T-1</ram:ID>
    <ram:TypeCode>380</ram:TypeCode>
    <ram:IssueDateTime><udt:DateTimeString format="102">20240115</udt:DateTimeString></ram:IssueDateTime>
  </rsm:ExchangedDocument>
  <rsm:SupplyChainTradeTransaction>
    <ram:IncludedSupplyChainTradeLineItem>
      <ram:AssociatedDocumentLineDocument><ram:LineID>1</ram:LineID></ram:AssociatedDocumentLineDocument>
      <ram:SpecifiedTradeProduct><ram:Name>Widget</ram:Name></ram:SpecifiedTradeProduct>
      <ram:SpecifiedLineTradeAgreement>
        <ram:NetPriceProductTradePrice><ram:ChargeAmount>100.00</ram:ChargeAmount></ram:NetPriceProductTradePrice>
      </ram:SpecifiedLineTradeAgreement>
      <ram:SpecifiedLineTradeDelivery>
        <ram:BilledQuantity unitCode="C62">1</ram:BilledQuantity>
      </ram:SpecifiedLineTradeDelivery>
      <ram:SpecifiedLineTradeSettlement>
        <ram:ApplicableTradeTax>
          <ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>
          <ram:RateApplicablePercent>19</ram:RateApplicablePercent>
        </ram:ApplicableTradeTax>
        <ram:SpecifiedTradeSettlementLineMonetarySummation>
          <ram:LineTotalAmount>100.00</ram:LineTotalAmount>
        </ram:SpecifiedTradeSettlementLineMonetarySummation>
      </ram:SpecifiedLineTradeSettlement>
    </ram:IncludedSupplyChainTradeLineItem>
    <ram:ApplicableHeaderTradeAgreement>
      <ram:SellerTradeParty>
        <ram:Name>Seller GmbH</ram:Name>
        <ram:PostalTradeAddress><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
        <ram:SpecifiedTaxRegistration><ram:ID schemeID="VA">DE123456789</ram:ID></ram:SpecifiedTaxRegistration>
      </ram:SellerTradeParty>
      <ram:BuyerTradeParty>
        <ram:Name>Buyer AG</ram:Name>
        <ram:PostalTradeAddress><ram:CountryID>DE</ram:CountryID></ram:PostalTradeAddress>
      </ram:BuyerTradeParty>
    </ram:ApplicableHeaderTradeAgreement>
    <ram:ApplicableHeaderTradeDelivery/>
    <ram:ApplicableHeaderTradeSettlement>
      <ram:InvoiceCurrencyCode>EUR</ram:InvoiceCurrencyCode>
      <ram:ApplicableTradeTax>
        <ram:CalculatedAmount>19.00</ram:CalculatedAmount><ram:TypeCode>VAT</ram:TypeCode>
        <ram:BasisAmount>100.00</ram:BasisAmount><ram:CategoryCode>S</ram:CategoryCode>
        <ram:RateApplicablePercent>19</ram:RateApplicablePercent>
      </ram:ApplicableTradeTax>
      <ram:SpecifiedTradeSettlementHeaderMonetarySummation>
        <ram:LineTotalAmount>100.00</ram:LineTotalAmount>
        <ram:TaxBasisTotalAmount>100.00</ram:TaxBasisTotalAmount>
        <ram:TaxTotalAmount currencyID="EUR">19.00</ram:TaxTotalAmount>
        <ram:GrandTotalAmount>119.00</ram:GrandTotalAmount>
        <ram:DuePayableAmount>119.00</ram:DuePayableAmount>
      </ram:SpecifiedTradeSettlementHeaderMonetarySummation>
    </ram:ApplicableHeaderTradeSettlement>
  </rsm:SupplyChainTradeTransaction>
</rsm:CrossIndustryInvoice>
"""

SETTLEMENT = "/rsm:CrossIndustryInvoice/rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement"
SUMMATION = f"{SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation"


def invoice(change: Callable[[etree._Element], None] | None = None) -> etree._Element:
    root = parse_xml(MINIMAL)
    if change is not None:
        change(root)
    return parse_xml(etree.tostring(root))


def one(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NSMAP)
    assert isinstance(found, list) and len(found) == 1, path
    el = found[0]
    assert isinstance(el, etree._Element)
    return el


def set_text(path: str, value: str) -> Callable[[etree._Element], None]:
    def change(root: etree._Element) -> None:
        one(root, path).text = value

    return change


def add_xml(parent_path: str, fragment: str, before: str | None = None) -> Callable[[etree._Element], None]:
    """Insert ``fragment`` (ram-prefixed XML) into the element at ``parent_path``."""

    def change(root: etree._Element) -> None:
        parent = one(root, parent_path)
        decl = " ".join(f'xmlns:{p}="{NSMAP[p]}"' for p in ("ram", "udt"))
        el = etree.fromstring(f"<wrap {decl}>{fragment}</wrap>")[0]
        if before is None:
            parent.append(el)
        else:
            one(root, f"{parent_path}/{before}").addprevious(el)

    return change


def ids(findings: list[Finding], severity: Severity | None = None) -> set[str]:
    return {f.rule_id for f in findings if severity is None or f.severity is severity}


def test_minimal_invoice_is_clean() -> None:
    assert RULESET.evaluate(invoice()) == []


def test_wrong_grand_total_breaks_br_co_15_and_br_co_16() -> None:
    findings = RULESET.evaluate(invoice(set_text(f"{SUMMATION}/ram:GrandTotalAmount", "118.00")))
    assert ids(findings, Severity.FATAL) == {"BR-CO-15", "BR-CO-16"}


@pytest.mark.parametrize(("basis", "fires"), [("0.13", False), ("0.12", True)])
def test_category_base_rounds_half_up(basis: str, fires: bool) -> None:
    """BR-S-08 rounds the line sum 0.125 with XPath round(): half goes up, so 0.13 is right."""

    def change(root: etree._Element) -> None:
        one(root, "//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount").text = "0.125"
        one(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:BasisAmount").text = basis

    assert ("BR-S-08" in ids(RULESET.evaluate(invoice(change)))) is fires


ALLOWANCE = """<ram:SpecifiedTradeAllowanceCharge>
  <ram:ChargeIndicator><udt:Indicator>{indicator}</udt:Indicator></ram:ChargeIndicator>
  <ram:ActualAmount>{amount}</ram:ActualAmount><ram:Reason>Discount</ram:Reason>
  <ram:CategoryTradeTax><ram:TypeCode>VAT</ram:TypeCode><ram:CategoryCode>S</ram:CategoryCode>
  <ram:RateApplicablePercent>19</ram:RateApplicablePercent></ram:CategoryTradeTax>
</ram:SpecifiedTradeAllowanceCharge>"""


def _with_allowance(amount: str, total: str, indicator: str = "false") -> etree._Element:
    def change(root: etree._Element) -> None:
        add_xml(
            SETTLEMENT,
            ALLOWANCE.format(amount=amount, indicator=indicator),
            before="ram:SpecifiedTradeSettlementHeaderMonetarySummation",
        )(root)
        add_xml(
            SUMMATION, f"<ram:AllowanceTotalAmount>{total}</ram:AllowanceTotalAmount>", before="ram:TaxBasisTotalAmount"
        )(root)

    return invoice(change)


@pytest.mark.parametrize(("total", "fires"), [("1.00", False), ("1.01", True)])
def test_allowance_total_uses_double_arithmetic(total: str, fires: bool) -> None:
    """BR-CO-11 sums untyped amounts as doubles: 1.005 × 100 is 100.49999… there, so the
    rounded sum is 1.00 (decimal arithmetic would give 1.01)."""
    findings = RULESET.evaluate(_with_allowance("1.005", total))
    assert ("BR-CO-11" in ids(findings)) is fires
    assert "BR-DEC-01" in ids(findings)  # three decimals on the allowance amount


def test_indicator_zero_counts_as_allowance_but_is_not_a_string_false() -> None:
    """``udt:Indicator = false()`` casts '0' to false (BR-CO-11 counts it), while the BR-31…33
    context compares the string 'false' and so does not select it."""
    findings = RULESET.evaluate(_with_allowance("5.00", "4.00", indicator="0"))
    got = ids(findings)
    assert "BR-CO-11" in got
    assert not got & {"BR-31", "BR-32", "BR-33", "BR-DEC-01"}


def test_first_matching_context_wins() -> None:
    """A breakdown of category O is handled by the BR-O context, so BR-45 (basis amount
    present) is not evaluated on it even though the general breakdown context would select it."""

    def change(root: etree._Element) -> None:
        tax = one(root, f"{SETTLEMENT}/ram:ApplicableTradeTax")
        basis = one(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:BasisAmount")
        tax.remove(basis)
        one(root, f"{SETTLEMENT}/ram:ApplicableTradeTax/ram:CategoryCode").text = "O"

    got = ids(RULESET.evaluate(invoice(change)))
    assert "BR-45" not in got
    assert "BR-O-08" in got


@pytest.mark.parametrize(
    ("value", "fires"),
    [("20240115", False), (" 20240230 ", False), ("20241301", True), ("2024-01-15", True), ("20240115\n", False)],
)
def test_date_format_102(value: str, fires: bool) -> None:
    """CII-DT-097 checks the YYYYMMDD shape and ranges (not the calendar; whitespace allowed)."""
    root = invoice(set_text("//ram:IssueDateTime/udt:DateTimeString", value))
    assert ("CII-DT-097" in ids(RULESET.evaluate(root))) is fires


def test_syntax_table_rules() -> None:
    def change(root: etree._Element) -> None:
        add_xml(
            "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext",
            "<ram:TestIndicator><udt:Indicator>true</udt:Indicator></ram:TestIndicator>",
            before="ram:GuidelineSpecifiedDocumentContextParameter",
        )(root)
        ctx = one(root, "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext")
        ctx.append(etree.fromstring(etree.tostring(ctx[-1])))  # a second specification identifier

    findings = RULESET.evaluate(invoice(change))
    by_id = {f.rule_id: f for f in findings}
    assert by_id["CII-SR-002"].severity is Severity.WARNING
    assert by_id["CII-SR-009"].severity is Severity.FATAL
    assert by_id["CII-SR-010"].severity is Severity.FATAL
    assert by_id["CII-SR-002"].location == "/rsm:CrossIndustryInvoice/rsm:ExchangedDocumentContext"


def test_code_list_and_vat_prefix() -> None:
    def change(root: etree._Element) -> None:
        one(root, f"{SETTLEMENT}/ram:InvoiceCurrencyCode").text = "XXY"
        one(root, "//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID").text = "QQ123"

    got = ids(RULESET.evaluate(invoice(change)), Severity.FATAL)
    assert {"BR-CL-04", "BR-CO-09"} <= got


def test_rules_work_outside_evaluate() -> None:
    """A single rule can be tested on its own (the document index is built on demand)."""
    root = invoice(set_text(f"{SUMMATION}/ram:GrandTotalAmount", "118.00"))
    co15 = next(r for r in RULESET.rules() if r.id == "BR-CO-15")
    assert co15.test(root) is False


def test_concurrent_evaluations_do_not_mix_documents() -> None:
    good, bad = invoice(), invoice(set_text(f"{SUMMATION}/ram:GrandTotalAmount", "118.00"))
    results: dict[str, set[str]] = {}

    def run(name: str, root: etree._Element) -> None:
        for _ in range(20):
            results[name] = ids(RULESET.evaluate(root))

    threads = [threading.Thread(target=run, args=("good", good)), threading.Thread(target=run, args=("bad", bad))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"good": set(), "bad": {"BR-CO-15", "BR-CO-16"}}
