"""EN 16931 business rules bound to CII (pattern "EN16931-CII-Model"): BR-*, BR-CO-*, BR-DEC-*,
and the VAT category rules BR-S/Z/E/AE/IC/G/O/AF/AG/B-*.

Each context below corresponds to one rule context of the official pack, in the official order
(first match wins: for instance a document-level VAT breakdown of category "O" is checked by the
BR-O context and therefore not by the general BR-45…BR-48 context). Tests are Python functions
over lxml elements; where the verdict depends on XPath number semantics (decimal versus double
arithmetic, ``round`` half towards +∞, string versus number comparison) the functions mirror the
official expression step by step using :mod:`belegwerk.rules.en16931_cii_numbers`, and the
comments say which semantics applies.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Final

from belegwerk.rules.codelists import rule_codelist
from belegwerk.rules.en16931_cii_index import (
    EMPTY,
    DocIndex,
    P,
    Picker,
    any_boolean,
    clark,
    doc,
    kid,
    kids,
    select,
    string_value,
    up,
)
from belegwerk.rules.en16931_cii_numbers import (
    add,
    decimal_of,
    double_to_decimal,
    eq_double,
    mul,
    round2_decimal,
    round2_double,
    round_decimal,
    round_double,
    sub,
    sum_decimals,
    sum_doubles,
    to_double,
)
from belegwerk.rules.engine import Context, Element, Pattern, Rule, Severity
from belegwerk.rules.functions import normalize_space

_ROOT: Final = "/rsm:CrossIndustryInvoice"
_TX: Final = f"{_ROOT}/rsm:SupplyChainTradeTransaction"
_AGREEMENT: Final = f"{_TX}/ram:ApplicableHeaderTradeAgreement"
_SETTLEMENT: Final = f"{_TX}/ram:ApplicableHeaderTradeSettlement"

Test = Callable[[Element], bool]


def _fatal(rule_id: str, message: str, test: Test) -> Rule:
    return Rule(rule_id, Severity.FATAL, message, test)


def _always(_: Element) -> bool:
    """Some official assertions are ``true()`` (the rule cannot be checked in CII); kept for completeness."""
    return True


# --------------------------------------------------------------------------------------------
# small building blocks


def _exists(path: str) -> Test:
    return P(path).exists


def _filled(path: str) -> Test:
    return P(path).filled


def _any_exists(*paths: str) -> Test:
    compiled = [P(p) for p in paths]
    return lambda n: any(p.exists(n) for p in compiled)


def _max_decimals(path: str) -> Test:
    """BR-DEC-*: at most two digits after the point (``substring-after(x, '.')``, raw text)."""
    compiled = P(path)

    def test(n: Element) -> bool:
        value = compiled.value(n)
        return value is None or len(value.partition(".")[2]) <= 2

    return test


def _values_at(d_root: Element, path: str) -> list[str]:
    """String values of an absolute path (``/rsm:…/ram:X``) in the current document."""
    return [string_value(e) for e in select(path)(d_root)]


def _nodes(path: str) -> Callable[[Element], list[Element]]:
    """A memoised absolute node set: evaluated once per document."""
    sel = select(path)
    key = ("nodes", path)

    def nodes(n: Element) -> list[Element]:
        d = doc(n)
        found: list[Element] | None = d.recall(key)
        if found is None:
            found = sel.pick(d)
            d.store(key, found)
        return found

    return nodes


def _codes(el: Element) -> list[str]:
    return [string_value(c) for c in kids(el, _CATEGORY_CODE)]


def _is_vat(el: Element) -> bool:
    """``upper-case(ram:TypeCode) = 'VAT'`` (first type code, not normalised)."""
    tc = kid(el, _TYPE_CODE)
    return tc is not None and string_value(tc).upper() == "VAT"


_CATEGORY_CODE: Final = clark("ram:CategoryCode")
_TYPE_CODE: Final = clark("ram:TypeCode")
_INDICATOR: Final = P("ram:ChargeIndicator/udt:Indicator")


def _indicator_is(el: Element, charge: bool) -> bool:
    """``ram:ChargeIndicator/udt:Indicator = true()/false()`` (boolean cast, any of them)."""
    return any_boolean(_INDICATOR.values(el), charge)


def _indicator_text(el: Element, text: str) -> bool:
    """``ram:ChargeIndicator[udt:Indicator = 'false']`` (string comparison) for the node itself."""
    return any(string_value(i) == text for i in kids(el, clark("udt:Indicator")))


# --------------------------------------------------------------------------------------------
# document facts (computed once per document)

_seller_ids_anchored: Final = _nodes(f"{_AGREEMENT}/ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID")
_taxrep_ids_anchored: Final = _nodes(f"{_AGREEMENT}/ram:SellerTaxRepresentativeTradeParty/ram:SpecifiedTaxRegistration/ram:ID")
_seller_ids_any: Final = _nodes("//ram:SellerTradeParty/ram:SpecifiedTaxRegistration/ram:ID")
_taxrep_ids_any: Final = _nodes("//ram:SellerTaxRepresentativeTradeParty/ram:SpecifiedTaxRegistration/ram:ID")
_buyer_ids_any: Final = _nodes("//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration/ram:ID")
_buyer_legal_any: Final = _nodes("//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID")


def _scheme_in(nodes: list[Element], *schemes: str) -> bool:
    return any(e.get("schemeID") in schemes for e in nodes)


def _seller_vat_standard(n: Element) -> bool:
    """Seller VAT id (VA or FC) or tax representative VAT id, at their document-level places."""
    return _scheme_in(_seller_ids_anchored(n), "VA", "FC") or _scheme_in(_taxrep_ids_anchored(n), "VA")


def _seller_vat_reverse_charge(n: Element) -> bool:
    """AE: seller (VA/FC) or representative VAT id, and buyer VAT id or buyer legal registration."""
    seller = _scheme_in(_seller_ids_any(n), "VA", "FC") or _scheme_in(_taxrep_ids_any(n), "VA")
    return seller and (_scheme_in(_buyer_ids_any(n), "VA") or bool(_buyer_legal_any(n)))


def _seller_vat_any(n: Element) -> bool:
    return _scheme_in(_seller_ids_any(n), "VA") or _scheme_in(_taxrep_ids_any(n), "VA")


def _seller_and_buyer_vat(n: Element) -> bool:
    return _seller_vat_any(n) and _scheme_in(_buyer_ids_any(n), "VA")


def _no_vat_ids(n: Element) -> bool:
    """O (not subject to VAT): neither seller, representative nor buyer carries a VAT id."""
    return not (
        _scheme_in(_seller_ids_anchored(n), "VA")
        or _scheme_in(_taxrep_ids_anchored(n), "VA")
        or _scheme_in(_buyer_ids_any(n), "VA")
    )


# the VAT breakdowns and their totals by category --------------------------------------------

_line_settlements: Final = _nodes(f"{_TX}/ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement")
_header_charges: Final = _nodes(f"{_SETTLEMENT}/ram:SpecifiedTradeAllowanceCharge")
_ATT: Final = clark("ram:ApplicableTradeTax")
_CTT: Final = clark("ram:CategoryTradeTax")
_RATE: Final = clark("ram:RateApplicablePercent")
_LINE_TOTAL: Final = P("ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount")
_ACTUAL: Final = clark("ram:ActualAmount")


def _rates(el: Element, child: str) -> list[Decimal | None]:
    """``child/xs:decimal(ram:RateApplicablePercent)`` for every ``child`` of ``el``."""
    out: list[Decimal | None] = []
    for tax in kids(el, child):
        r = kid(tax, _RATE)
        if r is not None:
            out.append(decimal_of(string_value(r)))
    return out


def _category_base(n: Element, code: str, rate: Decimal | None = None) -> Decimal | None:
    """Memoised per document: see :func:`_compute_category_base`."""
    return doc(n).memo(("base", code, rate), lambda: _compute_category_base(n, code, rate))


class _BaseEntry:
    """What the category bases need of one line settlement or document allowance/charge: its
    VAT category codes, its rates (``xs:decimal``, None where not castable), its amounts (line
    net amounts or the first ``ActualAmount``, None where not castable) and, for allowances
    and charges, which indicator values it carries. Read once per document instead of once
    per category and rate."""

    __slots__ = ("allowance", "amounts", "charge", "codes", "rates")

    def __init__(
        self, codes: set[str], rates: list[Decimal | None], amounts: list[Decimal | None], charge: bool, allowance: bool
    ) -> None:
        self.codes = codes
        self.rates = rates
        self.amounts = amounts
        self.charge = charge
        self.allowance = allowance


def _base_entries(n: Element) -> tuple[list[_BaseEntry], list[_BaseEntry]]:
    """The line settlements and the document allowances/charges as :class:`_BaseEntry` (per document)."""
    return doc(n).memo("base-entries", lambda: _read_base_entries(n))


def _read_base_entries(n: Element) -> tuple[list[_BaseEntry], list[_BaseEntry]]:
    lines = [
        _BaseEntry(
            {c for t in kids(s, _ATT) for c in _codes(t)},
            _rates(s, _ATT),
            [decimal_of(string_value(a)) for a in _LINE_TOTAL.all(s)],
            False,
            False,
        )
        for s in _line_settlements(n)
    ]
    charges: list[_BaseEntry] = []
    for ac in _header_charges(n):
        actual = kid(ac, _ACTUAL)
        charges.append(
            _BaseEntry(
                {c for t in kids(ac, _CTT) for c in _codes(t)},
                _rates(ac, _CTT),
                [] if actual is None else [decimal_of(string_value(actual))],
                _indicator_is(ac, True),
                _indicator_is(ac, False),
            )
        )
    return lines, charges


def _compute_category_base(n: Element, code: str, rate: Decimal | None) -> Decimal | None:
    """Sum of line net amounts plus document charges minus allowances for one VAT category
    (and rate), each part rounded to cents as the official rule does; None on a cast error."""
    lines, charges = _base_entries(n)
    line_amounts: list[Decimal] = []
    for e in lines:
        if code not in e.codes:
            continue
        if rate is not None and rate not in e.rates:
            continue
        for value in e.amounts:
            if value is None:
                return None
            line_amounts.append(value)
    parts = [round2_decimal(sum_decimals(line_amounts))]
    for charge in (True, False):
        amounts: list[Decimal] = []
        for e in charges:
            if not (e.charge if charge else e.allowance) or code not in e.codes:
                continue
            if rate is not None and rate not in e.rates:
                continue
            for value in e.amounts:
                if value is None:
                    return None
                amounts.append(value)
        parts.append(round2_decimal(sum_decimals(amounts)))
    return sub(add(parts[0], parts[1]), parts[2])


def _first_double(el: Element | None, child: str) -> float | None:
    if el is None:
        return None
    c = kid(el, clark(child))
    return None if c is None else to_double(string_value(c))


def _base_within_one(code: str) -> Test:
    """-08 rules (Z, E, AE, G, IC): the breakdown's taxable amount within ±1 of the computed base
    (``../ram:BasisAmount ± 1`` is double arithmetic, the base a decimal promoted to double)."""

    def test(n: Element) -> bool:
        basis = _first_double(up(n), "ram:BasisAmount")
        expected = _category_base(n, code)
        if basis is None or expected is None:
            return False
        return basis - 1 < float(expected) and basis + 1 > float(expected)

    return test


def _base_per_rate(code: str) -> Test:
    """BR-S-08: for every rate of the breakdown, taxable amount = computed base for that rate."""

    def test(n: Element) -> bool:
        tax = up(n)
        if tax is None:
            return True
        basis_values = [string_value(b) for b in kids(tax, clark("ram:BasisAmount"))]
        for r in kids(tax, _RATE):
            rate = decimal_of(string_value(r))
            if rate is None:
                return False
            expected = _category_base(n, code, rate)
            if expected is None or not any(eq_double(b, expected) for b in basis_values):
                return False
        return True

    return test


def _parent_calculated_zero(n: Element) -> bool:
    """``../ram:CalculatedAmount = 0`` (double comparison, any)."""
    parent = up(n)
    if parent is None:
        return False
    return any(eq_double(string_value(c), 0.0) for c in kids(parent, clark("ram:CalculatedAmount")))


def _exemption(on_parent: bool, present: bool) -> Test:
    reason, code = clark("ram:ExemptionReason"), clark("ram:ExemptionReasonCode")

    def test(n: Element) -> bool:
        el = up(n) if on_parent else n
        if el is None:
            return not present
        has = kid(el, reason) is not None or kid(el, code) is not None
        return has if present else not has

    return test


def _rate_compare(op: str) -> Test:
    """``ram:RateApplicablePercent > 0`` / ``>= 0`` / ``= 0`` (double, any) or ``not(...)``."""

    def test(n: Element) -> bool:
        rates = [to_double(string_value(r)) for r in kids(n, _RATE)]
        if op == "absent":
            return not rates
        values = [r for r in rates if r is not None]
        if op == ">":
            return any(r > 0 for r in values)
        if op == ">=":
            return any(r >= 0 for r in values)
        return any(r == 0 for r in values)

    return test


def _s_09(n: Element) -> bool:
    """BR-S-09: VAT amount within ±1 of basis × rate / 100 (decimal abs values, double product)."""
    tax = up(n)
    if tax is None:
        return False
    calc = decimal_of(P("ram:CalculatedAmount").value(tax))
    basis = decimal_of(P("ram:BasisAmount").value(tax))
    rate = to_double(P("ram:RateApplicablePercent").value(tax))
    if calc is None or basis is None or rate is None:
        return False
    expected = round_double(float(abs(basis)) * rate) / 100
    return float(abs(calc) - 1) < expected and float(abs(calc) + 1) > expected


def _o_08(n: Element) -> bool:
    expected = _category_base(n, "O")
    return expected is not None and any(eq_double(v, expected) for v in P("ram:BasisAmount").values(n))


def _no_other_category(tag: str) -> Test:
    """BR-O-11…14: no VAT breakdown / allowance-charge VAT with a category other than O."""

    def test(n: Element) -> bool:
        return not any(any(c != "O" for c in _codes(t)) for t in doc(n).tagged(tag))

    return test


# --------------------------------------------------------------------------------------------
# category contexts


class _Grouping:
    """Nodes of a path grouped by category code, computed once per document and shared by the
    contexts of all categories (instead of every category context scanning the same nodes)."""

    def __init__(self, path: str, flag: bool | None, keys: Callable[[Element], Iterable[str]]) -> None:
        self.sel = select(path)
        self.keys = keys
        self.memo_key = ("grouping", path, flag)

    def of(self, d: DocIndex) -> dict[str, list[Element]]:
        found: dict[str, list[Element]] | None = d.recall(self.memo_key)
        if found is None:
            found = {}
            keys = self.keys
            for e in self.sel.pick(d):
                for k in dict.fromkeys(keys(e)):
                    found.setdefault(k, []).append(e)
            d.store(self.memo_key, found)
        return found


class _CodeGroup(Picker):
    """A category context's selector: the nodes of one code in a :class:`_Grouping`."""

    def __init__(self, grouping: _Grouping, code: str, tag: str) -> None:
        self.grouping = grouping
        self.code = code
        self.tags = frozenset({tag})

    def pick(self, d: DocIndex) -> list[Element]:
        return self.grouping.of(d).get(self.code, EMPTY)


_GROUPINGS: Final[dict[tuple[str, bool | None], _Grouping]] = {}


def _grouping(path: str, flag: bool | None, keys: Callable[[Element], Iterable[str]]) -> _Grouping:
    """The shared :class:`_Grouping` of ``path`` (one per path and flag)."""
    found = _GROUPINGS.get((path, flag))
    if found is None:
        found = _GROUPINGS[(path, flag)] = _Grouping(path, flag, keys)
    return found


def _header_code_ctx(code: str, with_vat: bool, anchored: bool) -> Callable[[Element], list[Element]]:
    """Header VAT breakdown ``ram:CategoryCode[. = code]`` nodes (with the VAT type check if asked)."""
    path = (
        "//rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"
        if anchored
        else "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CategoryCode"
    )

    def keys(e: Element) -> list[str]:
        parent = up(e)
        if with_vat and (parent is None or not _is_vat(parent)):
            return []
        return [string_value(e)]

    return _CodeGroup(_grouping(path, with_vat, keys), code, clark("ram:CategoryCode"))


def _tax_ctx(path: str, code: str, charge: bool | None = None) -> Callable[[Element], list[Element]]:
    """VAT entries of ``path`` with category ``code`` and type VAT (and, for allowance/charge
    entries, the given charge indicator)."""

    def keys(e: Element) -> list[str]:
        if not _is_vat(e):
            return []
        if charge is not None:
            parent = up(e)
            if parent is None or not _indicator_is(parent, charge):
                return []
        return _codes(e)

    return _CodeGroup(_grouping(path, charge, keys), code, clark(path.rsplit("/", 1)[1]))


_LINE_TAX: Final = (
    "//rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem/"
    "ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"
)
_AC_TAX: Final = "//ram:SpecifiedTradeAllowanceCharge/ram:CategoryTradeTax"
_HEADER_TAX: Final = "//rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"


def _line_ctx(code: str) -> Callable[[Element], list[Element]]:
    return _tax_ctx(_LINE_TAX, code)


def _allowance_ctx(code: str) -> Callable[[Element], list[Element]]:
    return _tax_ctx(_AC_TAX, code, charge=False)


def _charge_ctx(code: str) -> Callable[[Element], list[Element]]:
    return _tax_ctx(_AC_TAX, code, charge=True)


def _side_contexts(
    prefix: str, name: str, seller: Test, seller_text: str, rate: str, rate_text: str
) -> dict[str, Context]:
    """The line / allowance / charge contexts of one category (rules -02…-07)."""
    where = {
        "line": ("02", "05", "an invoice line"),
        "allowance": ("03", "06", "a document level allowance"),
        "charge": ("04", "07", "a document level charge"),
    }
    make = {"line": _line_ctx, "allowance": _allowance_ctx, "charge": _charge_ctx}
    code = _CATEGORY_LETTER[prefix]
    out: dict[str, Context] = {}
    for side in where:
        seller_id, rate_id, what = where[side]
        out[side] = Context(
            select=make[side](code),
            rules=[
                _fatal(
                    f"{prefix}-{seller_id}",
                    f"{what.capitalize()} with VAT category '{name}' requires {seller_text}.",
                    seller,
                ),
                _fatal(
                    f"{prefix}-{rate_id}",
                    f"In {what} with VAT category '{name}' the VAT rate {rate_text}.",
                    _rate_compare(rate),
                ),
            ],
        )
    return out


_CATEGORY_LETTER: Final = {
    "BR-S": "S",
    "BR-Z": "Z",
    "BR-E": "E",
    "BR-AE": "AE",
    "BR-IC": "K",
    "BR-G": "G",
    "BR-O": "O",
    "BR-AF": "L",
    "BR-AG": "M",
}

_STD_SELLER: Final = "the seller's VAT identifier (or tax registration) or the tax representative's VAT identifier"


def _category_contexts() -> list[Context]:
    """All VAT category contexts, in the official order (AE, L, M, E, G, K, O, S, Z)."""
    contexts: list[Context] = []

    # AE — reverse charge
    ae = _side_contexts(
        "BR-AE",
        "Reverse charge",
        _seller_vat_reverse_charge,
        "seller and buyer VAT identifiers (or a buyer legal registration)",
        "=",
        "is 0",
    )
    contexts.append(
        Context(
            select=_header_code_ctx("AE", True, True),
            rules=[
                _fatal(
                    "BR-AE-08",
                    "The reverse-charge taxable amount must match lines, allowances and charges.",
                    _base_within_one("AE"),
                ),
                _fatal("BR-AE-09", "The reverse-charge VAT amount must be 0.", _parent_calculated_zero),
                _fatal(
                    "BR-AE-10",
                    "A reverse-charge VAT breakdown needs an exemption reason or reason code.",
                    _exemption(on_parent=True, present=True),
                ),
            ],
        )
    )
    contexts += [ae["allowance"], ae["charge"], ae["line"]]

    # L — IGIC (Canary Islands)
    af = _side_contexts("BR-AF", "IGIC", _seller_vat_standard, _STD_SELLER, ">", "is greater than 0")
    contexts.append(
        Context(
            select=_tax_ctx(_HEADER_TAX, "L"),
            rules=[
                # The official -08 test iterates over ../ram:RateApplicablePercent of the *settlement*,
                # which never exists, so it always holds; -09 is ``true()``.
                _fatal(
                    "BR-AF-08", "The IGIC taxable amount must match lines, allowances and charges per rate.", _always
                ),
                _fatal("BR-AF-09", "The IGIC VAT amount must equal taxable amount × rate.", _always),
                _fatal(
                    "BR-AF-10",
                    "An IGIC VAT breakdown must not have an exemption reason.",
                    _exemption(on_parent=False, present=False),
                ),
            ],
        )
    )
    contexts += [af["line"], af["allowance"], af["charge"]]

    # M — IPSI (Ceuta and Melilla)
    ag = _side_contexts("BR-AG", "IPSI", _seller_vat_standard, _STD_SELLER, ">=", "is 0 or greater")
    contexts.append(
        Context(
            select=_tax_ctx(_HEADER_TAX, "M"),
            rules=[
                _fatal(
                    "BR-AG-08", "The IPSI taxable amount must match lines, allowances and charges per rate.", _always
                ),
                _fatal("BR-AG-09", "The IPSI VAT amount must equal taxable amount × rate.", _always),
                _fatal(
                    "BR-AG-10",
                    "An IPSI VAT breakdown must not have an exemption reason.",
                    _exemption(on_parent=False, present=False),
                ),
            ],
        )
    )
    contexts += [ag["line"], ag["allowance"], ag["charge"]]

    # E — exempt from VAT
    e = _side_contexts("BR-E", "Exempt from VAT", _seller_vat_standard, _STD_SELLER, "=", "is 0")
    contexts.append(
        Context(
            select=_header_code_ctx("E", True, True),
            rules=[
                _fatal(
                    "BR-E-08",
                    "The VAT-exempt taxable amount must match lines, allowances and charges.",
                    _base_within_one("E"),
                ),
                _fatal("BR-E-09", "The VAT-exempt VAT amount must be 0.", _parent_calculated_zero),
                _fatal(
                    "BR-E-10",
                    "A VAT-exempt breakdown needs an exemption reason or reason code.",
                    _exemption(on_parent=True, present=True),
                ),
            ],
        )
    )
    contexts += [e["allowance"], e["charge"], e["line"]]

    # G — export outside the EU
    g = _side_contexts(
        "BR-G",
        "Export outside the EU",
        _seller_vat_any,
        "the seller's or the tax representative's VAT identifier",
        "=",
        "is 0",
    )
    contexts.append(
        Context(
            select=_header_code_ctx("G", True, True),
            rules=[
                _fatal(
                    "BR-G-08",
                    "The export taxable amount must match lines, allowances and charges.",
                    _base_within_one("G"),
                ),
                _fatal("BR-G-09", "The export VAT amount must be 0.", _parent_calculated_zero),
                _fatal(
                    "BR-G-10",
                    "An export VAT breakdown needs an exemption reason or reason code.",
                    _exemption(on_parent=True, present=True),
                ),
            ],
        )
    )
    contexts += [g["allowance"], g["charge"], g["line"]]

    # K — intra-community supply
    ic = _side_contexts(
        "BR-IC",
        "Intra-community supply",
        _seller_and_buyer_vat,
        "the seller's (or representative's) and the buyer's VAT identifiers",
        "=",
        "is 0",
    )
    contexts.append(
        Context(
            select=_header_code_ctx("K", True, True),
            rules=[
                _fatal(
                    "BR-IC-08",
                    "The intra-community taxable amount must match lines, allowances and charges.",
                    _base_within_one("K"),
                ),
                _fatal("BR-IC-09", "The intra-community VAT amount must be 0.", _parent_calculated_zero),
                _fatal(
                    "BR-IC-10",
                    "An intra-community VAT breakdown needs an exemption reason or reason code.",
                    _exemption(on_parent=True, present=True),
                ),
                _fatal(
                    "BR-IC-11",
                    "An intra-community supply needs an actual delivery date or an invoicing period.",
                    _ic_11,
                ),
                _fatal("BR-IC-12", "An intra-community supply needs the deliver-to country code.", _ic_12),
            ],
        )
    )
    contexts += [ic["allowance"], ic["charge"], ic["line"]]

    # O — not subject to VAT
    o = _side_contexts(
        "BR-O",
        "Not subject to VAT",
        _no_vat_ids,
        "that neither seller, tax representative nor buyer states a VAT identifier",
        "absent",
        "is not given",
    )
    contexts.append(
        Context(
            select=_tax_ctx(_HEADER_TAX, "O"),
            rules=[
                _fatal(
                    "BR-O-08",
                    "The not-subject-to-VAT taxable amount must equal lines plus charges minus allowances.",
                    _o_08,
                ),
                _fatal(
                    "BR-O-09",
                    "The not-subject-to-VAT VAT amount must be 0.",
                    lambda n: any(eq_double(v, 0.0) for v in P("ram:CalculatedAmount").values(n)),
                ),
                _fatal(
                    "BR-O-10",
                    "A not-subject-to-VAT breakdown needs an exemption reason or reason code.",
                    _exemption(on_parent=False, present=True),
                ),
                _fatal(
                    "BR-O-11",
                    "With category O the invoice must not have VAT breakdowns of other categories.",
                    _no_other_category("ram:ApplicableTradeTax"),
                ),
                _fatal(
                    "BR-O-12",
                    "With category O no invoice line may have another VAT category.",
                    _no_other_category("ram:ApplicableTradeTax"),
                ),
                _fatal(
                    "BR-O-13",
                    "With category O no document level allowance may have another VAT category.",
                    _no_other_category("ram:CategoryTradeTax"),
                ),
                _fatal(
                    "BR-O-14",
                    "With category O no document level charge may have another VAT category.",
                    _no_other_category("ram:CategoryTradeTax"),
                ),
            ],
        )
    )
    contexts += [o["allowance"], o["charge"], o["line"]]

    # S — standard rate
    s = _side_contexts("BR-S", "Standard rated", _seller_vat_standard, _STD_SELLER, ">", "is greater than 0")
    contexts.append(
        Context(
            select=_header_code_ctx("S", False, False),
            rules=[
                _fatal(
                    "BR-S-08",
                    "The standard-rate taxable amount must match lines, allowances and charges per rate.",
                    _base_per_rate("S"),
                ),
                _fatal("BR-S-09", "The standard-rate VAT amount must equal taxable amount × rate (±1).", _s_09),
                _fatal(
                    "BR-S-10",
                    "A standard-rate VAT breakdown must not have an exemption reason.",
                    _exemption(on_parent=True, present=False),
                ),
            ],
        )
    )
    contexts += [s["line"], s["allowance"], s["charge"]]

    # Z — zero rated
    z = _side_contexts("BR-Z", "Zero rated", _seller_vat_standard, _STD_SELLER, "=", "is 0")
    contexts.append(
        Context(
            select=_header_code_ctx("Z", False, False),
            rules=[
                _fatal(
                    "BR-Z-08",
                    "The zero-rated taxable amount must match lines, allowances and charges.",
                    _base_within_one("Z"),
                ),
                _fatal("BR-Z-09", "The zero-rated VAT amount must be 0.", _parent_calculated_zero),
                _fatal(
                    "BR-Z-10",
                    "A zero-rated VAT breakdown must not have an exemption reason.",
                    _exemption(on_parent=True, present=False),
                ),
            ],
        )
    )
    contexts += [z["allowance"], z["charge"], z["line"]]
    return contexts


_delivery_date: Final = _nodes(
    f"{_TX}/ram:ApplicableHeaderTradeDelivery/ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString"
)
_ship_to_country: Final = _nodes(
    f"{_TX}/ram:ApplicableHeaderTradeDelivery/ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID"
)
_period_start_end: Final = P("ram:BillingSpecifiedPeriod/ram:StartDateTime")
_period_end: Final = P("ram:BillingSpecifiedPeriod/ram:EndDateTime")


def _ic_11(n: Element) -> bool:
    settlement = up(up(n))
    if _delivery_date(n):
        return True
    return settlement is not None and (_period_start_end.exists(settlement) or _period_end.exists(settlement))


def _ic_12(n: Element) -> bool:
    return bool(_ship_to_country(n))


# --------------------------------------------------------------------------------------------
# document totals (BG-22) and the VAT breakdown


_icc: Final = _nodes(f"{_SETTLEMENT}/ram:InvoiceCurrencyCode")
_tcc: Final = _nodes(f"{_SETTLEMENT}/ram:TaxCurrencyCode")
_header_taxes: Final = _nodes(f"{_SETTLEMENT}/ram:ApplicableTradeTax")
_summation: Final = _nodes(f"{_SETTLEMENT}/ram:SpecifiedTradeSettlementHeaderMonetarySummation")


def _texts(nodes: Iterable[Element]) -> list[str]:
    return [string_value(e) for e in nodes]


def _first_decimal(n: Element, child: str) -> Decimal | None:
    """``xs:decimal(child[1])``: None when absent or not castable."""
    return decimal_of(P(child).value(n))


def _br_53(n: Element) -> bool:
    tcc = _texts(_tcc(n))
    if not tcc:
        return True
    icc = _texts(_icc(n))
    currencies = P("ram:TaxTotalAmount/@currencyID").values(n)
    return any(c in tcc for c in currencies) and not any(t in icc for t in tcc)


_LINE_AMOUNTS: Final = P(
    "ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeSettlement/"
    "ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"
)


def _co_10(n: Element) -> bool:
    """Sum of line net amounts: the line amounts are summed as doubles (untyped ``sum``), then
    cast to decimal and rounded to cents."""
    total = _first_decimal(n, "ram:LineTotalAmount")
    tx = up(up(n))
    values: list[str] = []
    if tx is not None:
        values = [string_value(e) for e in _LINE_AMOUNTS.all(tx)]
    lines = sum_doubles(values)
    if total is None or lines is None:
        return False
    return total == round2_decimal(double_to_decimal(lines))


def _charges_total(charge: bool, child: str) -> Test:
    """BR-CO-11/12: the allowance (charge) total equals the rounded sum of the document level
    allowances (charges); everything here is double arithmetic."""

    def test(n: Element) -> bool:
        acs = [ac for ac in _header_charges(n) if _indicator_is(ac, charge)]
        totals = P(child).values(n)
        if not acs and not totals:
            return True
        amounts = [string_value(first) for ac in acs if (first := kid(ac, _ACTUAL)) is not None]
        s = sum_doubles(amounts)
        if s is None:
            return False
        expected = round2_double(s)
        return any(to_double(t) == expected for t in totals)

    return test


def _co_13(n: Element) -> bool:
    """Sum without VAT = lines − allowances + charges (decimal, rounded to cents)."""
    basis = _first_decimal(n, "ram:TaxBasisTotalAmount")
    lines = _first_decimal(n, "ram:LineTotalAmount")
    allowances = _first_decimal(n, "ram:AllowanceTotalAmount")
    charges = _first_decimal(n, "ram:ChargeTotalAmount")
    has_allowances = P("ram:AllowanceTotalAmount").exists(n)
    has_charges = P("ram:ChargeTotalAmount").exists(n)
    if basis is None or lines is None:
        return False
    if allowances is not None and charges is not None and basis == round2_decimal(add(sub(lines, allowances), charges)):
        return True
    if allowances is not None and not has_charges and basis == round2_decimal(sub(lines, allowances)):
        return True
    if charges is not None and not has_allowances and basis == round2_decimal(add(lines, charges)):
        return True
    return not has_charges and not has_allowances and basis == round2_decimal(lines)


def _co_16(n: Element) -> bool:
    """Amount due = total with VAT − paid amount + rounding amount (exact decimals)."""
    due = _first_decimal(n, "ram:DuePayableAmount")
    grand = _first_decimal(n, "ram:GrandTotalAmount")
    prepaid = _first_decimal(n, "ram:TotalPrepaidAmount")
    rounding = _first_decimal(n, "ram:RoundingAmount")
    has_prepaid = P("ram:TotalPrepaidAmount").exists(n)
    has_rounding = P("ram:RoundingAmount").exists(n)
    if due is None or grand is None:
        return False
    if prepaid is not None and rounding is not None and due == add(sub(grand, prepaid), rounding):
        return True
    if rounding is not None and not has_prepaid and due == add(grand, rounding):
        return True
    if prepaid is not None and not has_rounding and due == sub(grand, prepaid):
        return True
    return not has_prepaid and not has_rounding and due == grand


def _tax_total_cents(currencies: Callable[[Element], list[Element]], need_currency: bool) -> Test:
    """BR-DEC-13/15: a VAT total in the given currency has at most two decimals, tested as the
    official rule does (``. = round(. * 100) div 100`` in doubles)."""

    def test(n: Element) -> bool:
        totals = list(kids(n, clark("ram:TaxTotalAmount")))
        if not totals:
            return True
        codes = _texts(currencies(n))
        if not need_currency and not codes:
            return True
        for t in totals:
            matches = t.get("currencyID") is not None and t.get("currencyID") in codes
            if not matches and need_currency:
                return True
            if matches:
                v = to_double(string_value(t))
                if v is not None and v == round_double(v * 100) / 100:
                    return True
        return False

    return test


def _co_14(n: Element) -> bool:
    """The VAT total equals the rounded sum of the breakdown VAT amounts (doubles)."""
    amounts = [string_value(c) for t in _header_taxes(n) for c in kids(t, clark("ram:CalculatedAmount"))]
    s = sum_doubles(amounts)
    return s is not None and to_double(string_value(n)) == round2_double(s)


def _tax_total_in_invoice_currency(e: Element) -> bool:
    cur = e.get("currencyID")
    return cur is not None and cur in _texts(_icc(e))


def _co_15(n: Element) -> bool:
    """Total with VAT = total without VAT + VAT total, for every invoice currency code."""
    summation = _summation(n)
    sums = summation
    grand = decimal_of(_first_value(sums, "ram:GrandTotalAmount"))
    basis = decimal_of(_first_value(sums, "ram:TaxBasisTotalAmount"))
    for currency in _texts(_icc(n)):
        totals = [t for s in sums for t in kids(s, clark("ram:TaxTotalAmount")) if t.get("currencyID") == currency]
        ok = False
        if len(totals) == 1 and grand is not None and basis is not None:
            tax = decimal_of(string_value(totals[0]))
            ok = tax is not None and grand == round2_decimal(add(basis, tax))
        if not ok and not (grand is not None and basis is not None and grand == basis):
            return False
    return True


def _first_value(nodes: list[Element], child: str) -> str | None:
    tag = clark(child)
    for n in nodes:
        for c in kids(n, tag):
            return string_value(c)
    return None


def _co_17(n: Element) -> bool:
    """VAT amount = taxable amount × rate / 100, rounded to cents, with a tolerance of 1 (decimals)."""
    vat = normalize_upper(P("ram:TypeCode").value(n)) == "VAT"
    rate_nodes = list(kids(n, _RATE)) if vat else []
    rate = decimal_of(string_value(rate_nodes[0])) if rate_nodes else None
    calc = _first_decimal(n, "ram:CalculatedAmount")
    basis = _first_decimal(n, "ram:BasisAmount")
    if rate is not None and round_decimal(rate) == 0:
        return calc is not None and round_decimal(calc) == 0
    if rate is not None:
        if calc is None or basis is None:
            return False
        expected = round2_decimal(mul(abs(basis), rate / Decimal(100)))
        return sub(abs(calc), Decimal(1)) <= expected and add(abs(calc), Decimal(1)) >= expected
    return not rate_nodes and calc is not None and round_decimal(calc) == 0


def normalize_upper(value: str | None) -> str:
    return normalize_space((value or "").upper())


# --------------------------------------------------------------------------------------------
# the document as a whole


_any_header_taxes: Final = _nodes("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax")
_any_line_taxes: Final = _nodes("//ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax")
_any_ac_taxes: Final = _nodes("//ram:CategoryTradeTax")


def _category_counts(n: Element, code: str) -> tuple[int, int, int]:
    """How many header breakdowns, line VAT entries and allowance/charge VAT entries use ``code``."""
    header, lines, acs = doc(n).memo("category-counts", lambda: _count_categories(n))
    return header.get(code, 0), lines.get(code, 0), acs.get(code, 0)


def _count_categories(n: Element) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """Per category code: the number of VAT entries of each kind naming it (one pass per document)."""
    out: list[dict[str, int]] = []
    for nodes in (_any_header_taxes(n), _any_line_taxes(n), _any_ac_taxes(n)):
        counts: dict[str, int] = {}
        for t in nodes:
            for c in set(_codes(t)):
                counts[c] = counts.get(c, 0) + 1
        out.append(counts)
    return out[0], out[1], out[2]


_ISSUE_DATE: Final = P("rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString")


def _br_03(n: Element) -> bool:
    for e in _ISSUE_DATE.all(n):
        if e.get("format") == "102":
            return normalize_space(string_value(e)) != ""
    return False


def _one_breakdown(code: str) -> Test:
    """Z, E, AE, K, G: a category used on lines or allowances/charges has exactly one breakdown."""

    def test(n: Element) -> bool:
        header, lines, acs = _category_counts(n, code)
        if header == 0 and lines == 0 and acs == 0:
            return True
        return header == 1 and (lines > 0 or acs > 0)

    return test


def _some_breakdown(code: str) -> Test:
    """S, L, M: a category used on lines (or on allowances/charges) has at least one breakdown."""

    def test(n: Element) -> bool:
        header, lines, acs = _category_counts(n, code)
        return (lines + header >= 2 or lines == 0) and (acs + header >= 2 or acs == 0)

    return test


def _o_01(n: Element) -> bool:
    header, lines, acs = _category_counts(n, "O")
    return header == 0 or (header == 1 and (lines > 0 or acs > 0))


def _all_codes(n: Element) -> list[str]:
    d = doc(n)
    return d.memo("all-category-codes", lambda: [string_value(e) for e in d.tagged("ram:CategoryCode")])


def _b_01(n: Element) -> bool:
    """Split payment (B) only in Italian invoices: with B, every country code is IT."""
    codes = _all_codes(n)
    if "B" not in codes:
        return True
    countries = [string_value(e) for e in doc(n).tagged("ram:CountryID")]
    return not any(c != "IT" for c in countries)


def _b_02(n: Element) -> bool:
    codes = _all_codes(n)
    return "B" not in codes or "S" not in codes


def _uri_scheme(party: str) -> Test:
    comm = P(
        f"rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement/ram:{party}/ram:URIUniversalCommunication"
    )
    uri = clark("ram:URIID")

    def test(n: Element) -> bool:
        first = comm.first(n)
        if first is None:
            return True
        u = kid(first, uri)
        return u is not None and normalize_space(u.get("schemeID")) != ""

    return test


_A: Final = "rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement"

_ROOT_RULES: Final = [
    _fatal(
        "BR-01",
        "The invoice must have a specification identifier (BT-24).",
        _filled("rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
    ),
    _fatal("BR-02", "The invoice must have an invoice number (BT-1).", _filled("rsm:ExchangedDocument/ram:ID")),
    _fatal("BR-03", "The invoice must have an issue date (BT-2) in format 102.", _br_03),
    _fatal(
        "BR-04", "The invoice must have an invoice type code (BT-3).", _filled("rsm:ExchangedDocument/ram:TypeCode")
    ),
    _fatal(
        "BR-05",
        "The invoice must have an invoice currency code (BT-5).",
        _filled("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:InvoiceCurrencyCode"),
    ),
    _fatal("BR-06", "The invoice must name the seller (BT-27).", _filled(f"{_A}/ram:SellerTradeParty/ram:Name")),
    _fatal("BR-07", "The invoice must name the buyer (BT-44).", _filled(f"{_A}/ram:BuyerTradeParty/ram:Name")),
    _fatal(
        "BR-08",
        "The invoice must contain the seller postal address (BG-5).",
        _exists(f"{_A}/ram:SellerTradeParty/ram:PostalTradeAddress"),
    ),
    _fatal(
        "BR-09",
        "The seller postal address must have a country code (BT-40).",
        _filled(f"{_A}/ram:SellerTradeParty/ram:PostalTradeAddress/ram:CountryID"),
    ),
    _fatal(
        "BR-10",
        "The invoice must contain the buyer postal address (BG-8).",
        _exists(f"{_A}/ram:BuyerTradeParty/ram:PostalTradeAddress"),
    ),
    _fatal(
        "BR-11",
        "The buyer postal address must have a country code (BT-55).",
        _filled(f"{_A}/ram:BuyerTradeParty/ram:PostalTradeAddress/ram:CountryID"),
    ),
    _fatal(
        "BR-16",
        "The invoice must have at least one invoice line (BG-25).",
        lambda n: bool(doc(n).tagged("ram:IncludedSupplyChainTradeLineItem")),
    ),
    _fatal(
        "BR-62", "The seller electronic address (BT-34) needs a scheme identifier.", _uri_scheme("SellerTradeParty")
    ),
    _fatal("BR-63", "The buyer electronic address (BT-49) needs a scheme identifier.", _uri_scheme("BuyerTradeParty")),
    _fatal(
        "BR-CO-15",
        "Invoice total with VAT (BT-112) must equal total without VAT (BT-109) plus VAT total (BT-110).",
        _co_15,
    ),
    _fatal("BR-S-01", "Standard rated items need a standard rated VAT breakdown.", _some_breakdown("S")),
    _fatal("BR-Z-01", "Zero rated items need exactly one zero rated VAT breakdown.", _one_breakdown("Z")),
    _fatal("BR-E-01", "VAT exempt items need exactly one exempt VAT breakdown.", _one_breakdown("E")),
    _fatal("BR-AE-01", "Reverse charge items need exactly one reverse charge VAT breakdown.", _one_breakdown("AE")),
    _fatal("BR-IC-01", "Intra-community supplies need exactly one intra-community VAT breakdown.", _one_breakdown("K")),
    _fatal("BR-G-01", "Export items need exactly one export VAT breakdown.", _one_breakdown("G")),
    _fatal("BR-O-01", "A not-subject-to-VAT breakdown must be single and used by lines, allowances or charges.", _o_01),
    _fatal("BR-AF-01", "IGIC items need an IGIC VAT breakdown.", _some_breakdown("L")),
    _fatal("BR-AG-01", "IPSI items need an IPSI VAT breakdown.", _some_breakdown("M")),
    _fatal("BR-B-01", "Split payment (category B) is only allowed for domestic Italian invoices.", _b_01),
    _fatal("BR-B-02", "An invoice with split payment (B) must not also use standard rate (S).", _b_02),
]


# --------------------------------------------------------------------------------------------
# lines, allowances and charges, parties, payment


def _allowance_charge_rules(level: str, charge: bool) -> list[Rule]:
    """Rules on a ChargeIndicator node (context ``ram:ChargeIndicator[udt:Indicator = '…']``)."""
    ids: tuple[str, str | None, str, str, str, str, str]
    if level == "document":
        ids = (
            ("BR-36", "BR-37", "BR-38", "BR-CO-06", "BR-CO-22", "BR-DEC-05", "BR-DEC-06")
            if charge
            else ("BR-31", "BR-32", "BR-33", "BR-CO-05", "BR-CO-21", "BR-DEC-01", "BR-DEC-02")
        )
    else:
        ids = (
            ("BR-43", None, "BR-44", "BR-CO-08", "BR-CO-24", "BR-DEC-27", "BR-DEC-28")
            if charge
            else ("BR-41", None, "BR-42", "BR-CO-07", "BR-CO-23", "BR-DEC-24", "BR-DEC-25")
        )
    what = f"{'Document' if level == 'document' else 'Line'} level {'charge' if charge else 'allowance'}"
    amount, vat, reason, same, reason2, dec_amount, dec_basis = ids
    rules = [_fatal(amount, f"{what} needs an amount.", _exists("../ram:ActualAmount"))]
    if vat is not None:
        rules.append(_fatal(vat, f"{what} needs a VAT category code.", _vat_code_of_parent))
    rules += [
        _fatal(reason, f"{what} needs a reason or a reason code.", _any_exists("../ram:Reason", "../ram:ReasonCode")),
        _fatal(same, f"{what}: reason code and reason text must describe the same thing (not checkable).", _always),
        _fatal(
            reason2,
            f"{what} needs a reason, a reason code, or both.",
            _any_exists("../ram:Reason", "../ram:ReasonCode"),
        ),
        _fatal(dec_amount, f"{what} amount may have at most two decimals.", _max_decimals("../ram:ActualAmount")),
        _fatal(dec_basis, f"{what} base amount may have at most two decimals.", _max_decimals("../ram:BasisAmount")),
    ]
    return rules


def _vat_code_of_parent(n: Element) -> bool:
    parent = up(n)
    if parent is None:
        return False
    return any(_is_vat(t) and kid(t, _CATEGORY_CODE) is not None for t in kids(parent, _CTT))


def _indicator_ctx(path: str, text: str) -> Callable[[Element], list[Element]]:
    return select(path, where=lambda e: _indicator_text(e, text))


def _ge_zero(path: str, optional: bool) -> Test:
    compiled = P(path)

    def test(n: Element) -> bool:
        values = compiled.values(n)
        if optional and not values:
            return True
        return any((d := to_double(v)) is not None and d >= 0 for v in values)

    return test


def _line_vat_code(n: Element) -> bool:
    settlement = kid(n, clark("ram:SpecifiedLineTradeSettlement"))
    if settlement is None:
        return False
    return any(_is_vat(t) and kid(t, _CATEGORY_CODE) is not None for t in kids(settlement, _ATT))


_END_DTS: Final = P("ram:EndDateTime/udt:DateTimeString")
_START_DTS: Final = P("ram:StartDateTime/udt:DateTimeString")
_SELLER_OF_TX: Final = P("ram:ApplicableHeaderTradeAgreement/ram:SellerTradeParty")


def _period_order(n: Element) -> bool:
    """End date not before start date, compared as strings (both values are untyped)."""
    end = P("ram:EndDateTime")
    start = P("ram:StartDateTime")
    if not end.exists(n) or not start.exists(n):
        return True
    ends = [string_value(e) for e in _END_DTS.all(n) if e.get("format") == "102"]
    starts = [string_value(e) for e in _START_DTS.all(n) if e.get("format") == "102"]
    return any(a >= b for a in ends for b in starts)


def _br_17(n: Element) -> bool:
    """The payee (BG-10) must be named and differ from the seller."""
    if not P("ram:Name").exists(n):
        return False
    tx = up(n)
    tx = up(tx) if tx is not None else None
    seller = None if tx is None else _SELLER_OF_TX.first(tx)
    if seller is None:
        return True
    for path in ("ram:Name", "ram:ID", "ram:SpecifiedLegalOrganization/ram:ID"):
        mine, theirs = P(path).values(n), P(path).values(seller)
        if any(v in theirs for v in mine):
            return False
    return True


_VAT_PREFIXES: Final = rule_codelist("en16931-cii", "BR-CO-09")


def _co_09(n: Element) -> bool:
    """The VAT identifier starts with a country prefix of the official list (raw text, first two characters)."""
    return string_value(n)[:2] in _VAT_PREFIXES


def _general_contexts_before_categories() -> list[Context]:
    return [
        Context(
            select=select("//ram:DesignatedProductClassification"),
            rules=[
                _fatal(
                    "BR-65",
                    "An item classification identifier (BT-158) needs a scheme identifier.",
                    lambda n: P("ram:ClassCode/@listID").ns(n) != "" or not P("ram:ClassCode").exists(n),
                ),
            ],
        ),
        Context(
            select=select("//ram:AdditionalReferencedDocument"),
            rules=[
                _fatal(
                    "BR-52",
                    "Every additional supporting document (BG-24) needs a reference (BT-122).",
                    _filled("ram:IssuerAssignedID"),
                ),
            ],
        ),
        Context(
            select=select("//ram:ApplicableTradeSettlementFinancialCard"),
            rules=[
                _fatal(
                    "BR-51",
                    "Show at most the first six and last four digits of a card number (BT-87).",
                    lambda n: len(P("ram:ID").ns(n)) <= 10,
                ),
            ],
        ),
        Context(
            select=select(
                "//ram:SpecifiedTradeSettlementPaymentMeans/ram:PayeePartyCreditorFinancialAccount",
                where=_credit_transfer_account,
            ),
            rules=[
                _fatal(
                    "BR-50",
                    "A credit transfer needs a payment account identifier (BT-84).",
                    lambda n: P("ram:IBANID").filled(n) or P("ram:ProprietaryID").filled(n),
                ),
                _fatal(
                    "BR-61",
                    "SEPA, local or international credit transfers need the payment account identifier.",
                    _any_exists("ram:IBANID", "ram:ProprietaryID"),
                ),
            ],
        ),
        Context(
            select=select(f"{_TX}/ram:ApplicableHeaderTradeDelivery"),
            rules=[
                _fatal(
                    "BR-57",
                    "Every deliver-to address (BG-15) needs a country code (BT-80).",
                    lambda n: (
                        not P("ram:ShipToTradeParty/ram:PostalTradeAddress").exists(n)
                        or P("ram:ShipToTradeParty/ram:PostalTradeAddress/ram:CountryID").filled(n)
                    ),
                ),
            ],
        ),
        Context(
            select=_indicator_ctx(
                "//ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeAllowanceCharge/ram:ChargeIndicator", "false"
            ),
            rules=_allowance_charge_rules("document", charge=False),
        ),
        Context(
            select=_indicator_ctx(
                "//ram:ApplicableHeaderTradeSettlement/ram:SpecifiedTradeAllowanceCharge/ram:ChargeIndicator", "true"
            ),
            rules=_allowance_charge_rules("document", charge=True),
        ),
        Context(
            select=select("//ram:SpecifiedTradeSettlementHeaderMonetarySummation"),
            rules=[
                _fatal(
                    "BR-12",
                    "The invoice must have the sum of line net amounts (BT-106).",
                    _exists("ram:LineTotalAmount"),
                ),
                _fatal(
                    "BR-13", "The invoice must have the total without VAT (BT-109).", _exists("ram:TaxBasisTotalAmount")
                ),
                _fatal("BR-14", "The invoice must have the total with VAT (BT-112).", _exists("ram:GrandTotalAmount")),
                _fatal(
                    "BR-15",
                    "The invoice must have the amount due for payment (BT-115).",
                    _exists("ram:DuePayableAmount"),
                ),
                _fatal(
                    "BR-53",
                    "With a VAT accounting currency (BT-6), the VAT total in that currency (BT-111) is required "
                    "and must differ from the invoice currency.",
                    _br_53,
                ),
                _fatal(
                    "BR-CO-10",
                    "Sum of line net amounts (BT-106) must equal the sum of the line net amounts (BT-131).",
                    _co_10,
                ),
                _fatal(
                    "BR-CO-11",
                    "Sum of allowances (BT-107) must equal the sum of document level allowances (BT-92).",
                    _charges_total(False, "ram:AllowanceTotalAmount"),
                ),
                _fatal(
                    "BR-CO-12",
                    "Sum of charges (BT-108) must equal the sum of document level charges (BT-99).",
                    _charges_total(True, "ram:ChargeTotalAmount"),
                ),
                _fatal("BR-CO-13", "Total without VAT (BT-109) must equal line sum − allowances + charges.", _co_13),
                _fatal(
                    "BR-CO-16", "Amount due (BT-115) must equal total with VAT − paid amount + rounding amount.", _co_16
                ),
                _fatal(
                    "BR-DEC-09",
                    "The sum of line net amounts may have at most two decimals.",
                    _max_decimals("ram:LineTotalAmount"),
                ),
                _fatal(
                    "BR-DEC-10",
                    "The sum of allowances may have at most two decimals.",
                    _max_decimals("ram:AllowanceTotalAmount"),
                ),
                _fatal(
                    "BR-DEC-11",
                    "The sum of charges may have at most two decimals.",
                    _max_decimals("ram:ChargeTotalAmount"),
                ),
                _fatal(
                    "BR-DEC-12",
                    "The total without VAT may have at most two decimals.",
                    _max_decimals("ram:TaxBasisTotalAmount"),
                ),
                _fatal(
                    "BR-DEC-14",
                    "The total with VAT may have at most two decimals.",
                    _max_decimals("ram:GrandTotalAmount"),
                ),
                _fatal(
                    "BR-DEC-13",
                    "The VAT total in invoice currency may have at most two decimals.",
                    _tax_total_cents(_icc, need_currency=True),
                ),
                _fatal(
                    "BR-DEC-15",
                    "The VAT total in accounting currency may have at most two decimals.",
                    _tax_total_cents(_tcc, need_currency=False),
                ),
                _fatal(
                    "BR-DEC-16",
                    "The paid amount may have at most two decimals.",
                    _max_decimals("ram:TotalPrepaidAmount"),
                ),
                _fatal(
                    "BR-DEC-17",
                    "The rounding amount may have at most two decimals.",
                    _max_decimals("ram:RoundingAmount"),
                ),
                _fatal(
                    "BR-DEC-18", "The amount due may have at most two decimals.", _max_decimals("ram:DuePayableAmount")
                ),
            ],
        ),
        Context(select=select(_ROOT), rules=_ROOT_RULES),
        Context(
            select=select("//ram:IncludedSupplyChainTradeLineItem"),
            rules=[
                _fatal(
                    "BR-21",
                    "Every invoice line needs a line identifier (BT-126).",
                    _filled("ram:AssociatedDocumentLineDocument/ram:LineID"),
                ),
                _fatal(
                    "BR-22",
                    "Every invoice line needs an invoiced quantity (BT-129).",
                    _exists("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"),
                ),
                _fatal(
                    "BR-23",
                    "Every invoiced quantity needs a unit of measure (BT-130).",
                    _exists("ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/@unitCode"),
                ),
                _fatal(
                    "BR-24",
                    "Every invoice line needs a line net amount (BT-131).",
                    _exists(
                        "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/"
                        "ram:LineTotalAmount"
                    ),
                ),
                _fatal(
                    "BR-25",
                    "Every invoice line needs an item name (BT-153).",
                    _filled("ram:SpecifiedTradeProduct/ram:Name"),
                ),
                _fatal(
                    "BR-26",
                    "Every invoice line needs an item net price (BT-146).",
                    _exists("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount"),
                ),
                _fatal(
                    "BR-27",
                    "The item net price (BT-146) must not be negative.",
                    _ge_zero("ram:SpecifiedLineTradeAgreement/ram:NetPriceProductTradePrice/ram:ChargeAmount", False),
                ),
                _fatal(
                    "BR-28",
                    "The item gross price (BT-148) must not be negative.",
                    _ge_zero("ram:SpecifiedLineTradeAgreement/ram:GrossPriceProductTradePrice/ram:ChargeAmount", True),
                ),
                _fatal(
                    "BR-64",
                    "An item standard identifier (BT-157) needs a scheme identifier.",
                    lambda n: (
                        P("ram:SpecifiedTradeProduct/ram:GlobalID/@schemeID").ns(n) != ""
                        or not P("ram:SpecifiedTradeProduct/ram:GlobalID").exists(n)
                    ),
                ),
                _fatal("BR-CO-04", "Every invoice line needs a VAT category code (BT-151).", _line_vat_code),
                _fatal(
                    "BR-CO-18",
                    "The invoice needs at least one VAT breakdown (BG-23).",
                    lambda n: bool(_header_taxes_any_tx(n)),
                ),
                _fatal(
                    "BR-DEC-23",
                    "The line net amount may have at most two decimals.",
                    _max_decimals(
                        "ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeSettlementLineMonetarySummation/"
                        "ram:LineTotalAmount"
                    ),
                ),
            ],
        ),
        Context(
            select=_indicator_ctx(
                "//ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge/ram:ChargeIndicator", "false"
            ),
            rules=_allowance_charge_rules("line", charge=False),
        ),
        Context(
            select=_indicator_ctx(
                "//ram:SpecifiedLineTradeSettlement/ram:SpecifiedTradeAllowanceCharge/ram:ChargeIndicator", "true"
            ),
            rules=_allowance_charge_rules("line", charge=True),
        ),
        Context(
            select=select("//ram:SpecifiedLineTradeSettlement/ram:BillingSpecifiedPeriod"),
            rules=[
                _fatal("BR-30", "The line period end date must not be before its start date.", _period_order),
                _fatal(
                    "BR-CO-20",
                    "A line invoicing period needs a start date, an end date, or both.",
                    _any_exists("ram:StartDateTime", "ram:EndDateTime"),
                ),
            ],
        ),
        Context(
            select=select("//ram:ApplicableHeaderTradeSettlement/ram:BillingSpecifiedPeriod"),
            rules=[
                _fatal("BR-29", "The invoicing period end date must not be before its start date.", _period_order),
                _fatal(
                    "BR-CO-19",
                    "An invoicing period needs a start date, an end date, or both.",
                    _any_exists("ram:StartDateTime", "ram:EndDateTime"),
                ),
            ],
        ),
        Context(
            select=select("//ram:ApplicableProductCharacteristic"),
            rules=[
                _fatal(
                    "BR-54",
                    "Every item attribute needs a name and a value.",
                    lambda n: P("ram:Description").exists(n) and P("ram:Value").exists(n),
                ),
            ],
        ),
        Context(
            select=select("//ram:PayeeTradeParty"),
            rules=[
                _fatal("BR-17", "A payee (BG-10) must be named and must be a party other than the seller.", _br_17),
            ],
        ),
        Context(
            select=select("//ram:SpecifiedTradeSettlementPaymentMeans"),
            rules=[
                _fatal(
                    "BR-49",
                    "Every payment instruction needs a payment means type code (BT-81).",
                    _exists("ram:TypeCode"),
                ),
            ],
        ),
        Context(
            select=select(f"{_SETTLEMENT}/ram:InvoiceReferencedDocument"),
            rules=[
                _fatal(
                    "BR-55",
                    "Every preceding invoice reference (BG-3) needs the preceding invoice number (BT-25).",
                    _filled("ram:IssuerAssignedID"),
                ),
            ],
        ),
        Context(
            select=select("//ram:SellerTradeParty"),
            rules=[
                _fatal(
                    "BR-CO-26",
                    "The seller needs an identifier, a legal registration identifier or a VAT identifier.",
                    lambda n: (
                        P("ram:ID").exists(n)
                        or P("ram:GlobalID").exists(n)
                        or P("ram:SpecifiedLegalOrganization/ram:ID").exists(n)
                        or any(e.get("schemeID") == "VA" for e in _TAX_REG_ID.all(n))
                    ),
                ),
            ],
        ),
        Context(
            select=select("//ram:SellerTaxRepresentativeTradeParty"),
            rules=[
                _fatal("BR-18", "The seller's tax representative (BG-11) must be named (BT-62).", _filled("ram:Name")),
                _fatal(
                    "BR-19",
                    "The seller's tax representative needs a postal address (BG-12).",
                    _exists("ram:PostalTradeAddress"),
                ),
                _fatal(
                    "BR-20",
                    "The tax representative postal address needs a country code (BT-69).",
                    _filled("ram:PostalTradeAddress/ram:CountryID"),
                ),
                _fatal("BR-56", "The seller's tax representative needs a VAT identifier (BT-63).", _rep_va_filled),
            ],
        ),
        Context(
            select=select(
                "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxTotalAmount",
                where=_tax_total_in_invoice_currency,
            ),
            rules=[
                _fatal(
                    "BR-CO-14",
                    "The VAT total (BT-110) must equal the sum of the VAT category amounts (BT-117).",
                    _co_14,
                ),
            ],
        ),
        Context(
            select=select("//ram:SpecifiedTaxRegistration/ram:ID", where=lambda e: e.get("schemeID") == "VA"),
            rules=[
                _fatal(
                    "BR-CO-09",
                    "A VAT identifier must start with a country prefix (ISO 3166-1 alpha-2, EL or XI).",
                    _co_09,
                ),
            ],
        ),
    ]


_TAX_REG_ID: Final = P("ram:SpecifiedTaxRegistration/ram:ID")


def _rep_va_filled(n: Element) -> bool:
    """``normalize-space(ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']) != ''`` (first VA id)."""
    for e in _TAX_REG_ID.all(n):
        if e.get("schemeID") == "VA":
            return normalize_space(string_value(e)) != ""
    return False


def _credit_transfer_account(e: Element) -> bool:
    parent = up(e)
    return parent is not None and any(string_value(t) in ("30", "58") for t in kids(parent, _TYPE_CODE))


_header_taxes_any_tx: Final = _nodes(
    "//rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
)


def _vat_breakdown_context() -> Context:
    return Context(
        select=select("//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"),
        rules=[
            _fatal(
                "BR-45", "Every VAT breakdown (BG-23) needs the taxable amount (BT-116).", _exists("ram:BasisAmount")
            ),
            _fatal("BR-46", "Every VAT breakdown needs the VAT amount (BT-117).", _exists("ram:CalculatedAmount")),
            _fatal(
                "BR-47",
                "Every VAT breakdown needs a VAT category code (BT-118).",
                lambda n: _is_vat(n) and kid(n, _CATEGORY_CODE) is not None,
            ),
            _fatal(
                "BR-48",
                "Every VAT breakdown needs a VAT rate (BT-119), unless the category is O.",
                lambda n: _is_vat(n) and (kid(n, _RATE) is not None or "O" in _codes(n)),
            ),
            _fatal(
                "BR-CO-03",
                "VAT point date (BT-7) and VAT point date code (BT-8) are mutually exclusive.",
                lambda n: not (doc(n).tagged("ram:TaxPointDate") and doc(n).tagged("ram:DueDateTypeCode")),
            ),
            _fatal(
                "BR-CO-17", "The VAT amount (BT-117) must equal taxable amount × rate, rounded to two decimals.", _co_17
            ),
            _fatal(
                "BR-DEC-19", "The VAT taxable amount may have at most two decimals.", _max_decimals("ram:BasisAmount")
            ),
            _fatal("BR-DEC-20", "The VAT amount may have at most two decimals.", _max_decimals("ram:CalculatedAmount")),
        ],
    )


PATTERN: Final = Pattern(
    [*_general_contexts_before_categories(), *_category_contexts(), _vat_breakdown_context()],
    name="EN16931-CII-Model",
)
