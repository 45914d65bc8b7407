"""EN 16931 syntax-binding rules for UBL: UBL-SR (cardinalities), UBL-DT (data types), UBL-CR.

UBL-CR is ~680 "this UBL element is not part of EN 16931" warnings. Instead of one XPath per rule,
the element paths (generated data in :mod:`belegwerk.rules.en16931_ubl_crdata`) are compiled into
a prefix tree that is walked once per document, visiting only elements that lead to a listed path.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Final

from lxml import etree

from belegwerk.rules.en16931_ubl_crdata import UBL_CR_PATHS
from belegwerk.rules.en16931_ubl_model import is_allowance, is_charge
from belegwerk.rules.en16931_ubl_support import (
    FATAL,
    WARNING,
    BulkContext,
    PathNode,
    attribute_names,
    count,
    decimals_after_point,
    first_text,
    has,
    has_attribute_anywhere,
    is_credit_note,
    memo,
    path_selector,
    rule,
    select_all,
    select_first,
    string_value,
    suffix_elements,
    texts,
    watch_paths,
    watch_suffix_tags,
    watched_elements,
    xpath,
)
from belegwerk.rules.engine import Context, Element, Pattern, Rule
from belegwerk.xml.ns import NSMAP


def _at_most(path: str, limit: int = 1) -> Callable[[Element], bool]:
    return lambda node: count(node, path) <= limit


def _upper_vat(el: Element) -> bool:
    return any(first_text(s, "cbc:ID").upper() == "VAT" for s in select_all(el, "cac:TaxScheme"))


def _seller_tax_ids(vat: bool) -> Callable[[Element], bool]:
    def test(root: Element) -> bool:
        n = 0
        for pts in select_all(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme"):
            schemes = [first_text(s, "cbc:ID").upper() for s in select_all(pts, "cac:TaxScheme")]
            matches = any(s == "VAT" for s in schemes) if vat else any(s != "VAT" for s in schemes)
            if matches:
                n += count(pts, "cbc:CompanyID")
        return n <= 1

    return test


def _buyer_vat_ids(root: Element) -> bool:
    n = sum(
        count(pts, "cbc:CompanyID")
        for pts in select_all(root, "cac:AccountingCustomerParty/cac:Party/cac:PartyTaxScheme")
        if _upper_vat(pts)
    )
    return n <= 1


def _sepa_ids(root: Element) -> bool:
    n = sum(
        1
        for el in select_all(root, ".//cac:PartyIdentification/cbc:ID")
        if (el.get("schemeID") or "").upper() == "SEPA"
    )
    return n <= 1


def _distinct_at_most_one(path: str) -> Callable[[Element], bool]:
    return lambda root: len(set(texts(root, path))) <= 1


def _payee_differs(extra: Callable[[Element], bool]) -> Callable[[Element], bool]:
    """UBL-SR-19/20/21: a cardinality check combined with "payee name differs from seller name"."""

    def test(payee: Element) -> bool:
        if not extra(payee):
            return False
        parent = payee.getparent()
        names = texts(payee, "cac:PartyName/cbc:Name")
        seller = (
            texts(parent, "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName")
            if parent is not None
            else []
        )
        return any(n != s for n in names for s in seller)

    return test


def _payee_non_sepa_ids(payee: Element) -> bool:
    n = sum(
        1 for el in select_all(payee, "cac:PartyIdentification/cbc:ID") if (el.get("schemeID") or "").upper() != "SEPA"
    )
    return n <= 1


def _document_reference_kind(ref: Element) -> bool:
    codes = texts(ref, "cbc:DocumentTypeCode")
    if "130" in codes:
        return True
    root = ref.getroottree().getroot()
    if etree.QName(root).localname == "CreditNote" and "50" in codes:
        return True
    return not any(el.get("schemeID") is not None for el in select_all(ref, "cbc:ID")) and not codes


# --------------------------------------------------------------------------------------------
# UBL-DT: attributes that EN 16931 does not use; collected with one XPath per document.

_DT_ATTRS: Final = {
    "UBL-DT-08": "schemeName",
    "UBL-DT-09": "schemeAgencyName",
    "UBL-DT-10": "schemeDataURI",
    "UBL-DT-11": "schemeURI",
    "UBL-DT-12": "format",
    "UBL-DT-13": "unitCodeListIdentifier",
    "UBL-DT-14": "unitCodeListAgencyIdentifier",
    "UBL-DT-15": "unitCodeListAgencyName",
    "UBL-DT-16": "listAgencyName",
    "UBL-DT-17": "listName",
    "UBL-DT-19": "languageID",
    "UBL-DT-20": "listURI",
    "UBL-DT-21": "listSchemeURI",
    "UBL-DT-22": "languageLocaleID",
    "UBL-DT-23": "uri",
    "UBL-DT-24": "currencyCodeListVersionID",
    "UBL-DT-25": "characterSetCode",
    "UBL-DT-26": "encodingCode",
    "UBL-DT-27": "schemeAgencyID",
    "UBL-DT-28": "listAgencyID",
}


def _no_attribute(name: str) -> Callable[[Element], bool]:
    return lambda root: name not in attribute_names(root)


def _amount_decimals(el: Element) -> bool:
    return decimals_after_point(string_value(el)) <= 2


# --------------------------------------------------------------------------------------------
# UBL-CR: "should not be present" table, evaluated by one walk per document.


@dataclass
class _CrTable:
    """The UBL-CR paths, indexed for lookup by an element's absolute tag path."""

    #: absolute element path (Clark tags below the root) -> rule ids ("this element must not exist")
    elements: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
    #: absolute element path -> [(attribute, rule ids)]
    attributes: dict[tuple[str, ...], list[tuple[str, list[str]]]] = field(default_factory=dict)
    #: last tag -> [(path suffix, attribute or None, rule ids)] for paths starting with "//"
    anywhere: dict[str, list[tuple[tuple[str, ...], str | None, list[str]]]] = field(default_factory=dict)
    #: "//@attr" -> rule ids
    any_attribute: dict[str, list[str]] = field(default_factory=dict)
    severities: dict[str, str] = field(default_factory=dict)
    #: the same as ``elements`` / ``attributes``, keyed by the index's trie node of the path
    by_node_elements: dict[PathNode, list[str]] = field(default_factory=dict)
    by_node_attributes: dict[PathNode, list[tuple[str, list[str]]]] = field(default_factory=dict)
    #: ``anywhere`` grouped by the tag before the last ("" for one-step paths): most candidates
    #: (every ``cbc:ID``) are ruled out by their parent's tag without comparing whole suffixes
    anywhere_by_parent: dict[str, dict[str, list[tuple[tuple[str, ...], str | None, list[str]]]]] = field(
        default_factory=dict
    )


def _clark(step: str) -> str:
    prefix, _, local = step.partition(":")
    return f"{{{NSMAP[prefix]}}}{local}"


def _split(path: str) -> tuple[tuple[str, ...], str | None]:
    steps = path.split("/")
    attr = steps.pop()[1:] if steps[-1].startswith("@") else None
    return tuple(_clark(s) for s in steps), attr


def _expand_lines(path: str) -> list[str]:
    alt = "(cac:InvoiceLine|cac:CreditNoteLine)/"
    if path.startswith(alt):
        rest = path[len(alt) :]
        return [f"cac:InvoiceLine/{rest}", f"cac:CreditNoteLine/{rest}"]
    return [path]


def _build() -> _CrTable:
    table = _CrTable()
    for rid, flag, path in UBL_CR_PATHS:
        table.severities[rid] = flag
        if path.startswith("//@"):
            table.any_attribute.setdefault(path[3:], []).append(rid)
            continue
        if path.startswith("//"):
            steps, attr = _split(path[2:])
            entries = table.anywhere.setdefault(steps[-1], [])
            for existing_steps, existing_attr, ids in entries:
                if existing_steps == steps and existing_attr == attr:
                    ids.append(rid)
                    break
            else:
                entries.append((steps, attr, [rid]))
            continue
        for variant in _expand_lines(path):
            steps, attr = _split(variant)
            if attr is None:
                table.elements.setdefault(steps, []).append(rid)
            else:
                pairs = table.attributes.setdefault(steps, [])
                pairs.append((attr, [rid]))
    for steps, node in watch_paths(table.elements).items():
        table.by_node_elements[node] = table.elements[steps]
    for steps, node in watch_paths(table.attributes).items():
        table.by_node_attributes[node] = table.attributes[steps]
    watch_suffix_tags(table.anywhere)
    for last, entries in table.anywhere.items():
        by_parent = table.anywhere_by_parent.setdefault(last, {})
        for entry in entries:
            by_parent.setdefault(entry[0][-2] if len(entry[0]) > 1 else "", []).append(entry)
    return table


_CR: Final = _build()
_CR_SEVERITY: Final = _CR.severities


def _cr_fired(root: Element) -> set[str]:
    """UBL-CR table rules that fail: one dictionary lookup per candidate element."""
    data = memo(root)
    fired = data.get("cr")
    if isinstance(fired, set):
        return fired
    fired = set()
    elements, attributes, anywhere = _CR.by_node_elements, _CR.by_node_attributes, _CR.anywhere_by_parent
    at_paths, suffixed = watched_elements(root)
    for el, node in at_paths:
        ids = elements.get(node)
        if ids:
            fired.update(ids)
        pairs = attributes.get(node)
        if pairs:
            for attr, attr_ids in pairs:
                if el.get(attr) is not None:
                    fired.update(attr_ids)
    for el, path in suffixed:  # path: the tags from below the root down to el
        by_parent = anywhere[path[-1]]
        for parent_tag in ("", path[-2]) if len(path) > 1 else ("",):
            for steps, attr_name, any_ids in by_parent.get(parent_tag, ()):
                n = len(steps)
                if path[-n:] == steps and (attr_name is None or el.get(attr_name) is not None):
                    fired.update(any_ids)
    names = attribute_names(root)  # complete except for "name" on cbc:PaymentMeansCode
    for attr, ids in _CR.any_attribute.items():
        if (attr in names) if attr != "name" else _has_attr_anywhere(root, attr):
            fired.update(ids)
    data["cr"] = fired
    return fired


_ATTR_XPATHS: Final[dict[str, etree.XPath]] = {}


def _has_attr_anywhere(root: Element, attr: str) -> bool:
    known = has_attribute_anywhere(root, attr)
    if known is not None:
        return known
    xp = _ATTR_XPATHS.get(attr)
    if xp is None:
        xp = _ATTR_XPATHS[attr] = xpath(f"boolean(//@{attr})")
    return bool(xp(root))


def _cr_absent(rid: str) -> Callable[[Element], bool]:
    return lambda root: rid not in _cr_fired(root)


def _cr_failing(root: Element) -> set[str]:
    """All UBL-CR rules that fail on ``root``: the table walk plus the hand-written ones."""
    failed = set(_cr_fired(root))
    for r in _CR_HAND:
        if not r.test(root):
            failed.add(r.id)
    return failed


def _invoiced_objects(root: Element, anywhere: bool) -> list[Element]:
    """``cac:AdditionalDocumentReference[cbc:DocumentTypeCode = '130']`` (children of the root, or anywhere)."""
    path = ".//cac:AdditionalDocumentReference" if anywhere else "cac:AdditionalDocumentReference"
    return [ref for ref in select_all(root, path) if "130" in texts(ref, "cbc:DocumentTypeCode")]


def _no_invoiced_object_child(child: str) -> Callable[[Element], bool]:
    return lambda root: not any(has(ref, child) for ref in _invoiced_objects(root, anywhere=True))


def _cr_665(root: Element) -> bool:
    for ref in select_all(root, ".//cac:AdditionalDocumentReference"):
        codes = texts(ref, "cbc:DocumentTypeCode")
        if (any(c != "130" for c in codes) or not codes) and any(
            el.get("schemeID") is not None for el in select_all(ref, "cbc:ID")
        ):
            return False
    return True


_CR_HAND: Final[list[Rule]] = []


def _cr_rules() -> list[Rule]:
    hand: dict[str, Rule] = {
        "UBL-CR-002": rule(
            "UBL-CR-002",
            "A UBL version other than 2.1 should not be given.",
            lambda r: not has(r, "cbc:UBLVersionID") or "2.1" in texts(r, "cbc:UBLVersionID"),
            WARNING,
        ),
        "UBL-CR-412": rule(
            "UBL-CR-412",
            "A payment due date inside payment means should not be present in an invoice.",
            lambda r: not has(r, "cac:PaymentMeans/cbc:PaymentDueDate") or is_credit_note(r),
            WARNING,
        ),
        "UBL-CR-665": rule(
            "UBL-CR-665",
            "A scheme identifier on a supporting document reference is only used for invoiced objects (code 130).",
            _cr_665,
            WARNING,
        ),
        "UBL-CR-666": rule(
            "UBL-CR-666",
            "An invoiced object identifier (code 130) must not carry an attachment.",
            _no_invoiced_object_child("cac:Attachment"),
            FATAL,
        ),
        "UBL-CR-673": rule(
            "UBL-CR-673",
            "An invoiced object identifier (code 130) must not carry a document description.",
            _no_invoiced_object_child("cbc:DocumentDescription"),
            FATAL,
        ),
    }
    _CR_HAND.extend(hand.values())
    out: list[Rule] = []
    ids = sorted({*_CR_SEVERITY, *hand}, key=lambda s: int(s.rsplit("-", 1)[1]))
    for rid in ids:
        if rid in hand:
            out.append(hand[rid])
            continue
        severity = FATAL if _CR_SEVERITY[rid] == "fatal" else WARNING
        out.append(
            rule(rid, "This UBL element is not part of EN 16931 and should not be present.", _cr_absent(rid), severity)
        )
    return out


_CR_RULES: Final = _cr_rules()

_ROOT_SR: Final = [
    rule("UBL-SR-01", "Only one contract reference is allowed.", _at_most("cac:ContractDocumentReference/cbc:ID")),
    rule(
        "UBL-SR-02", "Only one receiving advice reference is allowed.", _at_most("cac:ReceiptDocumentReference/cbc:ID")
    ),
    rule(
        "UBL-SR-03", "Only one despatch advice reference is allowed.", _at_most("cac:DespatchDocumentReference/cbc:ID")
    ),
    rule(
        "UBL-SR-04",
        "Only one invoiced object identifier is allowed.",
        lambda r: sum(count(ref, "cbc:ID") for ref in _invoiced_objects(r, anywhere=False)) <= 1,
    ),
    rule("UBL-SR-05", "Only one payment terms note is allowed.", _at_most("cac:PaymentTerms/cbc:Note")),
    rule("UBL-SR-08", "Only one invoicing period is allowed.", _at_most("cac:InvoicePeriod")),
    rule(
        "UBL-SR-09",
        "Only one seller name is allowed.",
        _at_most("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"),
    ),
    rule(
        "UBL-SR-10",
        "Only one seller trading name is allowed.",
        _at_most("cac:AccountingSupplierParty/cac:Party/cac:PartyName/cbc:Name"),
    ),
    rule(
        "UBL-SR-11",
        "Only one seller legal registration identifier is allowed.",
        _at_most("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
    ),
    rule("UBL-SR-12", "Only one seller VAT identifier is allowed.", _seller_tax_ids(vat=True)),
    rule("UBL-SR-13", "Only one seller tax registration identifier is allowed.", _seller_tax_ids(vat=False)),
    rule(
        "UBL-SR-14",
        "Only one seller additional legal information is allowed.",
        _at_most("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyLegalForm"),
    ),
    rule(
        "UBL-SR-15",
        "Only one buyer name is allowed.",
        _at_most("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"),
    ),
    rule(
        "UBL-SR-16",
        "Only one buyer identifier is allowed.",
        _at_most("cac:AccountingCustomerParty/cac:Party/cac:PartyIdentification/cbc:ID"),
    ),
    rule(
        "UBL-SR-17",
        "Only one buyer legal registration identifier is allowed.",
        _at_most("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:CompanyID"),
    ),
    rule("UBL-SR-18", "Only one buyer VAT identifier is allowed.", _buyer_vat_ids),
    rule("UBL-SR-24", "Only one delivery is allowed.", _at_most("cac:Delivery")),
    rule("UBL-SR-29", "Only one bank assigned creditor identifier is allowed.", _sepa_ids),
    rule("UBL-SR-39", "Only one project reference is allowed.", _at_most("cac:ProjectReference/cbc:ID")),
    rule(
        "UBL-SR-40",
        "Only one buyer trading name is allowed.",
        _at_most("cac:AccountingCustomerParty/cac:Party/cac:PartyName/cbc:Name"),
    ),
    rule("UBL-SR-44", "All payment identifiers must be the same.", _distinct_at_most_one(".//cbc:PaymentID")),
    rule("UBL-SR-45", "Only one payment due date is allowed.", _at_most("cac:PaymentMeans/cbc:PaymentDueDate")),
    rule(
        "UBL-SR-46",
        "Only one payment means text is allowed.",
        lambda r: (
            sum(1 for el in select_all(r, "cac:PaymentMeans/cbc:PaymentMeansCode") if el.get("name") is not None) <= 1
        ),
    ),
    rule("UBL-SR-47", "All payment means codes must be the same.", _distinct_at_most_one(".//cbc:PaymentMeansCode")),
    rule("UBL-SR-49", "Only one VAT point date code is allowed.", _at_most("cac:InvoicePeriod/cbc:DescriptionCode")),
    rule("UBL-SR-54", "Only one card account is allowed.", _at_most("cac:PaymentMeans/cac:CardAccount")),
    rule("UBL-SR-55", "Only one payment mandate is allowed.", _at_most("cac:PaymentMeans/cac:PaymentMandate")),
    rule(
        "UBL-SR-56",
        "Only one originator document reference is allowed.",
        _at_most("cac:OriginatorDocumentReference/cbc:ID"),
    ),
]

_ROOT_DT: Final = [
    rule(
        rid, f"The attribute '{name}' is not used by EN 16931 and should not be present.", _no_attribute(name), WARNING
    )
    for rid, name in _DT_ATTRS.items()
]
_ROOT_DT.insert(
    10,
    rule("UBL-DT-18", "The attribute 'name' is only used on the payment means code.", _no_attribute("name"), WARNING),
)


def _in_price_with_allowance(el: Element) -> bool:
    """``ancestor::cac:Price/cac:AllowanceCharge`` is not empty."""
    return any(a.tag == _PRICE and select_first(a, "cac:AllowanceCharge") is not None for a in el.iterancestors())


_PRICE: Final = f"{{{NSMAP['cac']}}}Price"


def _amount_elements(root: Element) -> list[Element]:
    """Amount elements as the official UBL-DT-01 context selects them.

    That is ``*Amount`` but not ``*PriceAmount``, and nothing inside a price that has an allowance.
    """
    return [el for el in suffix_elements(root, "amount") if not _in_price_with_allowance(el)]


def _binary_elements(root: Element) -> list[Element]:
    return suffix_elements(root, "binary")


PATTERN: Final = Pattern(
    [
        Context(
            path_selector("cac:PostalAddress|cac:Address"),
            [rule("UBL-SR-51", "Only one address line is allowed.", _at_most("cac:AddressLine"))],
        ),
        Context(
            path_selector("cac:AccountingSupplierParty/cac:Party"),
            [rule("UBL-SR-42", "At most two seller tax schemes are allowed.", _at_most("cac:PartyTaxScheme", 2))],
        ),
        Context(
            path_selector("cac:AdditionalDocumentReference"),
            [
                rule(
                    "UBL-SR-33",
                    "Only one supporting document description is allowed.",
                    _at_most("cbc:DocumentDescription"),
                ),
                rule(
                    "UBL-SR-43",
                    "A supporting document reference with a scheme or type code must be an invoiced object (130)"
                    " or, in a credit note, a referenced invoice (50).",
                    _document_reference_kind,
                ),
            ],
        ),
        Context(_amount_elements, [rule("UBL-DT-01", "Amounts may have at most two decimals.", _amount_decimals)]),
        Context(
            _binary_elements,
            [
                rule(
                    "UBL-DT-06", "An attached binary object needs a MIME code.", lambda n: n.get("mimeCode") is not None
                ),
                rule(
                    "UBL-DT-07", "An attached binary object needs a file name.", lambda n: n.get("filename") is not None
                ),
            ],
        ),
        Context(
            path_selector("cac:Delivery"),
            [
                rule(
                    "UBL-SR-25",
                    "Only one deliver-to party name is allowed.",
                    _at_most("cac:DeliveryParty/cac:PartyName/cbc:Name"),
                )
            ],
        ),
        Context(
            path_selector("cac:AllowanceCharge", is_allowance),
            [rule("UBL-SR-30", "Only one allowance reason is allowed.", _at_most("cbc:AllowanceChargeReason"))],
        ),
        Context(
            path_selector("cac:AllowanceCharge", is_charge),
            [rule("UBL-SR-31", "Only one charge reason is allowed.", _at_most("cbc:AllowanceChargeReason"))],
        ),
        Context(
            path_selector("cac:PartyTaxScheme"),
            [
                rule(
                    "UBL-SR-53",
                    "A party tax scheme needs a company identifier and a tax scheme identifier.",
                    lambda n: has(n, "cac:TaxScheme/cbc:ID") and has(n, "cbc:CompanyID"),
                )
            ],
        ),
        BulkContext(
            path_selector("/ubl:Invoice|cn:CreditNote"),
            [*_ROOT_DT, *_ROOT_SR, *_CR_RULES],
            failing=_cr_failing,
            bulk=frozenset(r.id for r in _CR_RULES),
        ),
        Context(
            path_selector("cac:InvoiceLine|cac:CreditNoteLine"),
            [
                rule("UBL-SR-34", "Only one invoice line note is allowed.", _at_most("cbc:Note")),
                rule(
                    "UBL-SR-35",
                    "Only one referenced purchase order line is allowed.",
                    _at_most("cac:OrderLineReference/cbc:LineID"),
                ),
                rule("UBL-SR-36", "Only one invoice line period is allowed.", _at_most("cac:InvoicePeriod")),
                rule(
                    "UBL-SR-37",
                    "Only one price discount is allowed.",
                    _at_most("cac:Price/cac:AllowanceCharge/cbc:Amount"),
                ),
                rule(
                    "UBL-SR-48",
                    "An invoice line needs exactly one classified tax category.",
                    lambda n: count(n, "cac:Item/cac:ClassifiedTaxCategory") == 1,
                ),
                rule("UBL-SR-50", "Only one item description is allowed.", _at_most("cac:Item/cbc:Description")),
                rule("UBL-SR-52", "Only one line object identifier is allowed.", _at_most("cac:DocumentReference")),
            ],
        ),
        Context(
            path_selector("cac:PayeeParty"),
            [
                rule(
                    "UBL-SR-19",
                    "Only one payee name is allowed, and it must differ from the seller's name.",
                    _payee_differs(_at_most("cac:PartyName/cbc:Name")),
                ),
                rule(
                    "UBL-SR-20",
                    "Only one payee identifier is allowed, and the payee name must differ from the seller's name.",
                    _payee_differs(_payee_non_sepa_ids),
                ),
                rule(
                    "UBL-SR-21",
                    "Only one payee legal registration identifier is allowed, and the payee name must differ"
                    " from the seller's name.",
                    _payee_differs(_at_most("cac:PartyLegalEntity/cbc:CompanyID")),
                ),
            ],
        ),
        Context(
            path_selector("cac:PaymentMeans"),
            [
                rule("UBL-SR-26", "Only one payment reference is allowed.", _at_most("cbc:PaymentID")),
                rule("UBL-SR-27", "Only one payment means code is allowed.", _at_most("cbc:PaymentMeansCode")),
                rule("UBL-SR-28", "Only one mandate reference is allowed.", _at_most("cac:PaymentMandate/cbc:ID")),
            ],
        ),
        Context(
            path_selector("cac:BillingReference"),
            [
                rule(
                    "UBL-SR-06",
                    "Only one preceding invoice reference per billing reference is allowed.",
                    _at_most("cac:InvoiceDocumentReference"),
                ),
                rule(
                    "UBL-SR-07",
                    "A billing reference needs the preceding invoice number.",
                    lambda n: has(n, "cac:InvoiceDocumentReference/cbc:ID"),
                ),
            ],
        ),
        Context(
            path_selector("cac:TaxRepresentativeParty"),
            [
                rule("UBL-SR-22", "Only one tax representative name is allowed.", _at_most("cac:PartyName/cbc:Name")),
                rule(
                    "UBL-SR-23",
                    "Only one tax representative VAT identifier is allowed.",
                    _at_most("cac:PartyTaxScheme/cbc:CompanyID"),
                ),
            ],
        ),
        Context(
            path_selector("cac:TaxSubtotal"),
            [
                rule(
                    "UBL-SR-32",
                    "Only one VAT exemption reason per breakdown is allowed.",
                    _at_most("cac:TaxCategory/cbc:TaxExemptionReason"),
                )
            ],
        ),
    ],
    name="EN 16931 UBL syntax",
)

__all__ = ["PATTERN"]
