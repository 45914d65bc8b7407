"""Document-level values are recomputed for every evaluation (no stale results after edits)."""

from __future__ import annotations

from pathlib import Path

import pytest

from belegwerk.rules import peppol_ubl
from belegwerk.rules.engine import Element
from belegwerk.xml.ns import NSMAP
from belegwerk.xml.safe import parse_xml

pytestmark = pytest.mark.einvoice

_DOC = "xrechnung-testsuite/business-cases/standard/01.01a-INVOICE_ubl.xml"


def _ids(root: Element) -> set[str]:
    return {f.rule_id for f in peppol_ubl.RULESET.evaluate(root)}


def test_edited_tree_is_revalidated_with_fresh_document_values(corpus: Path) -> None:
    root = parse_xml((corpus / _DOC).read_bytes())
    type_code = root.find("cbc:InvoiceTypeCode", NSMAP)
    buyer_country = root.find(
        "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode", NSMAP
    )
    assert type_code is not None and buyer_country is not None
    assert buyer_country.text == "DE"
    type_code.text = "384"  # corrected invoice: allowed in Peppol only between German parties
    assert "PEPPOL-EN16931-P0112" not in _ids(root)
    buyer_country.text = "FR"
    assert "PEPPOL-EN16931-P0112" in _ids(root)
