"""Shared building blocks of the Peppol BIS post-award (POACC) rule sets.

The official POACC Schematron is written in XPath 2.0 over UBL documents. Agreement with it
depends on how XPath evaluates a few things, so they are reproduced here once:

* ``number(x)`` yields NaN for a missing or non-numeric value, and every comparison with NaN is
  false, so ``number(cbc:Quantity) >= 0`` *fails* when the quantity is absent;
* ``xs:decimal(x)`` of a missing value is the empty sequence, and a comparison with the empty
  sequence is false as well;
* a comparison of an untyped node with a number compares as ``xs:double`` and is true if *any*
  of the selected nodes satisfies it (existential semantics).

The module also holds the check-digit functions of the identifier rules PEPPOL-COMMON-R040 to
R050, the code lists the POACC rules use, and the two common patterns (empty elements and
identifier formats) that every POACC transaction includes.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Final, TypeAlias

from lxml import etree

from belegwerk.rules.codelists import named_codelist
from belegwerk.rules.engine import Check, Context, Element, Pattern, Rule, Severity
from belegwerk.rules.functions import normalize_space, to_decimal, xpath_round
from belegwerk.xml.ns import NSMAP

Test: TypeAlias = Callable[[Element], bool]

FATAL = Severity.FATAL
WARNING = Severity.WARNING

CAC = NSMAP["cac"]
CBC = NSMAP["cbc"]

# ---------------------------------------------------------------------------------------------
# Code lists (facts of the standards, as the POACC rules use them)
# ---------------------------------------------------------------------------------------------

#: Allowance reason codes: the OpenPeppol subset of UNCL 5189 D.16B (identical to Peppol billing).
UNCL5189: frozenset[str] = named_codelist("peppol-ubl", "UNCL5189")
#: Charge reason codes: UNCL 7161 D.16B.
UNCL7161: frozenset[str] = named_codelist("peppol-ubl", "UNCL7161")

#: Country prefixes a VAT identifier may start with (ISO 3166-1 alpha-2 plus ``EL`` for Greece),
#: as one space-separated string: the rules test ``contains(list, substring(id, 1, 2))``, so a
#: string test reproduces their verdicts exactly (including for one-character or empty prefixes).
VAT_PREFIXES = (
    "AD AE AF AG AI AL AM AN AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BL BJ BM BN BO BR "
    "BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CX CY CZ DE DJ DK DM DO DZ EC "
    "EE EG EH EL ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW "
    "GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY "
    "KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV "
    "MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY "
    "QA RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR ST SV SY SZ TC TD TF TG TH TJ TK "
    "TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW"
)

#: Invoice Response clarification codes: reasons (OPStatusReason) and actions (OPStatusAction).
OP_STATUS_REASON = frozenset(
    {"NON", "REF", "LEG", "REC", "QUA", "DEL", "PRI", "QTY", "ITM", "PAY", "PPD", "UNR", "FIN", "OTH"}
)
OP_STATUS_ACTION = frozenset({"NOA", "PIN", "NIN", "CNF", "CNP", "CNA", "OTH"})

# ---------------------------------------------------------------------------------------------
# XPath value semantics
# ---------------------------------------------------------------------------------------------

_DOUBLE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_SPECIAL = {"INF": math.inf, "-INF": -math.inf, "NaN": math.nan}


def xnumber(value: str | None) -> float:
    """XPath ``number()``: the value as a double, NaN when absent or not a number."""
    if value is None:
        return math.nan
    s = value.strip(" \t\n\r")
    if s in _SPECIAL:
        return _SPECIAL[s]
    if not _DOUBLE.match(s):
        return math.nan
    return float(s)


@functools.cache
def clark(path: str) -> str:
    """An ElementPath with ``prefix:`` names rewritten to ``{namespace}`` form.

    lxml re-resolves prefixes on every call that passes a namespace map, which dominates the
    cost of the many small look-ups the rules make; resolved paths are cached here once.
    """
    return re.sub(r"\b([a-z]+):(?=[A-Za-z*])", lambda m: "{" + NSMAP[m.group(1)] + "}", path)


def first(node: Element, path: str) -> Element | None:
    """The first element ``path`` (ElementPath, ``cac:``/``cbc:`` prefixes) selects."""
    found: Element | None = node.find(clark(path))
    return found


def every(node: Element, path: str) -> list[Element]:
    """All elements ``path`` selects, in document order."""
    return list(node.iterfind(clark(path)))


def has(node: Element, path: str) -> bool:
    """XPath ``exists(path)``: an element is there (even an empty one)."""
    return node.find(clark(path)) is not None


def text(node: Element | None) -> str:
    """The string value of an element (all descendant text); empty for no element."""
    if node is None:
        return ""
    if len(node) == 0:  # the common case: a leaf, whose string value is its text
        return node.text or ""
    return "".join(t for t in node.itertext() if isinstance(t, str))


def value(node: Element, path: str) -> str | None:
    """String value of the first element ``path`` selects, None when there is none."""
    found = first(node, path)
    return None if found is None else text(found)


def num(node: Element, path: str) -> float:
    """XPath ``number(path)``."""
    return xnumber(value(node, path))


def dec(node: Element, path: str) -> Decimal | None:
    """XPath ``xs:decimal(path)``; None for the empty sequence or a value that does not cast."""
    return to_decimal(value(node, path))


def dec_or(node: Element, path: str, default: Decimal) -> Decimal | None:
    """``if (path) then xs:decimal(path) else default`` (None when present but not a decimal)."""
    found = first(node, path)
    if found is None:
        return default
    return to_decimal(text(found))


def any_number(nodes: Iterable[Element], pred: Callable[[float], bool]) -> bool:
    """General comparison of untyped nodes with a number: true if any node's double satisfies it."""
    return any(pred(xnumber(text(n))) for n in nodes)


def round2(amount: Decimal) -> Decimal:
    """The ``round(x * 10 * 10) div 100`` idiom (half rounds up)."""
    return xpath_round(amount, 2)


def dsum(nodes: Iterable[Element]) -> Decimal | None:
    """``sum(nodes/xs:decimal(.))``; None if one of the values is not a decimal."""
    total = Decimal(0)
    for n in nodes:
        d = to_decimal(text(n))
        if d is None:
            return None
        total += d
    return total


def slack(expected: Decimal | None, actual: Decimal | None, tolerance: Decimal) -> bool:
    """``u:slack``: ``actual`` lies within ``tolerance`` of ``expected``."""
    if expected is None or actual is None:
        return False
    return expected - tolerance <= actual <= expected + tolerance


def root_of(node: Element) -> Element:
    """The document element of ``node``'s tree."""
    root: Element = node.getroottree().getroot()
    return root


def decimals_ok(node: Element) -> bool:
    """Amount rule: unit price amounts (inside a ``Price``) may have any number of decimals,
    every other amount at most two (``string-length(substring-after(., '.')) <= 2``)."""
    if any(etree.QName(a).localname == "Price" for a in node.iterancestors()):
        return True
    s = text(node)
    if "." not in s:
        return True
    return len(s.split(".", 1)[1]) <= 2


def same_currency(document_currency: Callable[[Element], str | None]) -> Test:
    """Amount rule: no ``currencyID`` or the document currency (compared as strings)."""

    def test(node: Element) -> bool:
        cid = node.get("currencyID")
        if cid is None:
            return True
        return cid == document_currency(node)

    return test


def document_currency(node: Element) -> str | None:
    """``/*/cbc:DocumentCurrencyCode`` as a string (None when absent)."""
    found = root_of(node).find(f"{{{CBC}}}DocumentCurrencyCode")
    return None if found is None else text(found)


def party_named_or_identified(party_path: str) -> Test:
    """``<party>/cac:PartyName/cbc:Name or <party>/cac:PartyIdentification/cbc:ID``."""
    prefix = f"{party_path}/" if party_path else ""

    def test(node: Element) -> bool:
        return has(node, f"{prefix}cac:PartyName/cbc:Name") or has(node, f"{prefix}cac:PartyIdentification/cbc:ID")

    return test


def party_legal_or_identified(node: Element) -> bool:
    """``cac:PartyLegalEntity/cbc:RegistrationName or cac:PartyIdentification/cbc:ID``."""
    return has(node, "cac:PartyLegalEntity/cbc:RegistrationName") or has(node, "cac:PartyIdentification/cbc:ID")


def item_identified(item_path: str) -> Test:
    """The item has a standard or a seller's identifier."""
    prefix = f"{item_path}/" if item_path else ""

    def test(node: Element) -> bool:
        return has(node, f"{prefix}cac:StandardItemIdentification/cbc:ID") or has(
            node, f"{prefix}cac:SellersItemIdentification/cbc:ID"
        )

    return test


def tax_rate_given(node: Element) -> bool:
    """``cbc:Percent or normalize-space(cbc:ID) = 'O'``: only "not subject to VAT" may omit the rate."""
    return has(node, "cbc:Percent") or normalize_space(value(node, "cbc:ID")) == "O"


def standard_rate_positive(node: Element) -> bool:
    """``not(normalize-space(cbc:ID) = 'S') or cbc:Percent > 0``."""
    if normalize_space(value(node, "cbc:ID")) != "S":
        return True
    return any_number(every(node, "cbc:Percent"), lambda v: v > 0)


def vat_prefix_known(node: Element) -> bool:
    """``contains(<country list>, substring(cbc:CompanyID, 1, 2))``."""
    company = value(node, "cbc:CompanyID") or ""
    return company[:2] in VAT_PREFIXES


def profile_in(*profiles: str) -> Test:
    """The ProfileID is one of ``profiles`` (after normalize-space)."""
    allowed = frozenset(profiles)

    def test(node: Element) -> bool:
        return normalize_space(text(node)) in allowed

    return test


def customization_starts(prefix: str) -> Test:
    """The CustomizationID starts with ``prefix`` (after normalize-space)."""

    def test(node: Element) -> bool:
        return normalize_space(text(node)).startswith(prefix)

    return test


def root_customization_starts(prefix: str) -> Test:
    """As :func:`customization_starts`, evaluated on the document element."""

    def test(node: Element) -> bool:
        return normalize_space(value(node, "cbc:CustomizationID")).startswith(prefix)

    return test


def reason_code_in(codes: frozenset[str]) -> Test:
    """``some $code in $list satisfies normalize-space(text()) = $code`` (direct text only)."""

    def test(node: Element) -> bool:
        return normalize_space(node.text) in codes

    return test


_LINE_ITEM = f"{{{CAC}}}LineItem"
_CBC_ID = f"{{{CBC}}}ID"
#: The line-identifier index of the document this thread evaluates last (see :func:`order_lines`).
_line_index = threading.local()


def _build_line_index(root: Element) -> dict[str, set[int]]:
    """Identifier -> positions of the ``cac:LineItem`` elements that carry it (the official
    ``xsl:key name="k_lineId" match="cac:LineItem" use="cbc:ID"``)."""
    index: dict[str, set[int]] = {}
    for pos, item in enumerate(root.iter(_LINE_ITEM)):
        for ident in item.iterfind(_CBC_ID):
            index.setdefault(text(ident), set()).add(pos)
    return index


def order_lines(xpath: str = "//cac:OrderLine/cac:LineItem") -> Callable[[Element], list[Element]]:
    """A context selector for order lines that also indexes the document's line identifiers once,
    so :func:`line_id_unique` is linear in the number of lines instead of quadratic."""
    compiled = etree.XPath(xpath, namespaces=NSMAP)

    def select(root: Element) -> list[Element]:
        _line_index.current = (root, _build_line_index(root))
        found = compiled(root)
        return [n for n in found if isinstance(n, etree._Element)] if isinstance(found, list) else []

    return select


def line_id_unique(node: Element) -> bool:
    """``count(key('k_lineId', cbc:ID)) = 1``: exactly one ``cac:LineItem`` in the document has
    this line's identifier (a line without one matches none and fails).

    Uses the index :func:`order_lines` built for the current evaluation when it belongs to this
    document, and builds one otherwise.
    """
    ids = {text(i) for i in node.iterfind(_CBC_ID)}
    if not ids:
        return False
    root = root_of(node)
    cached = getattr(_line_index, "current", None)
    index = cached[1] if cached is not None and cached[0] is root else _build_line_index(root)
    items: set[int] = set()
    for ident in ids:
        items |= index.get(ident, set())
    return len(items) == 1


def dates_ordered(node: Element) -> bool:
    """``EndDate >= StartDate`` when both exist (untyped values compare as strings in XPath 2.0)."""
    starts = [text(n) for n in every(node, "cbc:StartDate")]
    ends = [text(n) for n in every(node, "cbc:EndDate")]
    if not starts or not ends:
        return True
    return any(e >= s for e in ends for s in starts)


# ---------------------------------------------------------------------------------------------
# Rule-set assembly
# ---------------------------------------------------------------------------------------------


def rule(rule_id: str, severity: Severity, message: str, test: Check) -> Rule:
    """A rule (shorthand)."""
    return Rule(rule_id, severity, message, test)


def never(_: Element) -> bool:
    """The test of a rule whose context alone is the violation (schematron ``test="false()"``)."""
    return False


@dataclass
class PatternBuilder:
    """Collects (context, rules) pairs in order and builds a first-match-wins :class:`Pattern`."""

    name: str
    namespaces: dict[str, str] = field(default_factory=dict)
    _contexts: list[Context] = field(default_factory=list)

    def add(self, select: str | Callable[[Element], Iterable[Element]], *rules: Rule) -> PatternBuilder:
        self._contexts.append(Context(select, list(rules), self.namespaces))
        return self

    def build(self) -> Pattern:
        return Pattern(list(self._contexts), name=self.name)


# ---------------------------------------------------------------------------------------------
# Check digits of the identifier rules (PEPPOL-COMMON-R040 ... R050)
# ---------------------------------------------------------------------------------------------


def gln_ok(val: str) -> bool:
    """GS1 check digit (GLN, GTIN): weights 3,1,3,... from the right, excluding the check digit."""
    if not val or not (val.isascii() and val.isdigit()):
        return False
    body, check = val[:-1], int(val[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def mod11_ok(val: str) -> bool:
    """Norwegian organisation number: weights 2..7 from the right, check = (11 - sum mod 11) mod 11."""
    if not (val.isascii() and val.isdigit()) or int(val) <= 0:
        return False
    body, check = val[:-1], int(val[-1])
    total = sum(int(d) * (i % 6 + 2) for i, d in enumerate(reversed(body)))
    return (11 - total % 11) % 11 == check


def mod97_0208_ok(val: str) -> bool:
    """Belgian enterprise number: the last two digits are 97 - (first eight mod 97)."""
    if len(val) < 10 or not (val[:10].isascii() and val[:10].isdigit()):
        return False
    return int(val[8:10]) == 97 - int(val[:8]) % 97


def codice_ipa_ok(val: str) -> bool:
    """Italian IPA code: exactly six ASCII letters or digits."""
    return len(val) == 6 and all(c.isascii() and c.isalnum() for c in val)


def _ascii_letters(s: str) -> bool:
    return all(c.isascii() and c.isalpha() for c in s)


#: compiled once (``re.fullmatch(pattern, s)`` consults the ``re`` cache in interpreted Python per call)
_INTEGER: Final = re.compile(r"[ \t\n\r]*[+-]?\d+[ \t\n\r]*")


def _integer(s: str) -> bool:
    """``castable as xs:integer`` (optional sign, digits, surrounding whitespace)."""
    return _INTEGER.fullmatch(s) is not None


def codice_fiscale_ok(val: str) -> bool:
    """Italian tax code: 16 characters in the personal layout, or 11 digits (a company's)."""
    if len(val) == 11:
        return _integer(val)
    if len(val) != 16:
        return False
    return (
        _ascii_letters(val[0:6])
        and _integer(val[6:8])
        and _ascii_letters(val[8:9])
        and _integer(val[9:11])
        and _integer(val[14:15])
        and _ascii_letters(val[15:16])
    )


def partita_iva_ok(val: str) -> bool:
    """Italian VAT number with ``IT`` prefix: 11 digits with a Luhn-style check; other
    countries' numbers are not checked."""
    if val[:2] not in ("IT", "it"):
        return True
    code = val[2:]
    if len(code) != 11 or not _integer(code):
        return False
    doubled = "0246813579"
    total = 0
    for i, ch in enumerate(code):
        if not ch.isdigit():
            return False
        total += int(doubled[int(ch)]) if i % 2 == 1 else int(ch)
    return total % 10 == 0


def se_orgnr_ok(val: str) -> bool:
    """Swedish organisation number: ten digits, the last a Luhn check digit."""
    if len(val) != 10 or not (val.isascii() and val.isdigit()):
        return False
    total = 0
    for i, ch in enumerate(val):
        d = int(ch) * (2 if i % 2 == 0 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def abn_ok(val: str) -> bool:
    """Australian Business Number: eleven digits; first digit minus one, weighted, mod 89 = 0."""
    if len(val) != 11 or not (val.isascii() and val.isdigit()):
        return False
    weights = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)
    digits = [int(c) for c in val]
    digits[0] -= 1
    return sum(w * d for w, d in zip(weights, digits, strict=True)) % 89 == 0


def _icd_check(check: Callable[[str], bool]) -> Test:
    def test(node: Element) -> bool:
        return check(normalize_space(text(node)))

    return test


def _digits(n: int) -> Callable[[str], bool]:
    pattern = re.compile(rf"^[0-9]{{{n}}}$")
    return lambda s: pattern.match(s) is not None


def one_of(prefix: str, *names: str, extra: str = "") -> str:
    """``//p:a | //p:b | ...`` written as one traversal, ``//p:*[self::p:a or self::p:b ...]``.

    libxml2 merges the node sets of a union pairwise with a duplicate check, which grows with
    the product of their sizes; a single step with a predicate stays linear in the document.
    ``extra`` adds a further alternative (an XPath predicate on the same element).
    """
    tests = [f"self::{prefix}:{n}" for n in names]
    if extra:
        tests.append(extra)
    return f"//{prefix}:*[{' or '.join(tests)}]"


def _icd_select(scheme: str, *, endpoint_only: bool = False) -> str:
    endpoint = f"//cbc:EndpointID[@schemeID = '{scheme}']"
    if endpoint_only:
        return endpoint
    # cbc:EndpointID | cac:PartyIdentification/cbc:ID | cbc:CompanyID, as one traversal.
    kinds = "self::cbc:EndpointID or self::cbc:CompanyID or (self::cbc:ID and parent::cac:PartyIdentification)"
    return f"//cbc:*[@schemeID = '{scheme}' and ({kinds})]"


_DATE = re.compile(r"^-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$")


def _date_ok(node: Element) -> bool:
    """``string(.) castable as xs:date and string-length(.) = 10``."""
    s = text(node)
    if len(s) != 10 or not _DATE.match(s):
        return False
    try:
        from datetime import date

        date.fromisoformat(s)
    except ValueError:
        return False
    return True


def _no_schema_location(node: Element) -> bool:
    return not any(etree.QName(a).localname == "schemaLocation" for a in node.attrib)


def common_patterns() -> list[Pattern]:
    """The patterns every POACC transaction includes: no empty elements, and the date and
    identifier-format rules (PEPPOL-COMMON-R001 ... R050)."""
    empty = (
        PatternBuilder("common empty elements")
        .add("//cbc:*", rule("PEPPOL-COMMON-R001", FATAL, "A basic element is empty.", lambda n: text(n) != ""))
        .add(
            "//cac:*",
            rule(
                "PEPPOL-COMMON-R002",
                FATAL,
                "An aggregate element has no child elements.",
                lambda n: len(n) > 0 and any(isinstance(c.tag, str) for c in n),
            ),
        )
        .build()
    )
    ident = PatternBuilder("common identifiers")
    ident.add(
        "/*",
        rule("PEPPOL-COMMON-R003", WARNING, "The document should not carry a schema location.", _no_schema_location),
    )
    ident.add(
        one_of("cbc", "IssueDate", "DueDate", "TaxPointDate", "StartDate", "EndDate", "ActualDeliveryDate"),
        rule("PEPPOL-COMMON-R030", FATAL, "A date must be written as YYYY-MM-DD.", _date_ok),
    )
    ident.add(
        _icd_select("0088"),
        rule(
            "PEPPOL-COMMON-R040",
            FATAL,
            "A GLN (scheme 0088) must be digits with a valid GS1 check digit.",
            _icd_check(lambda s: s.isascii() and s.isdigit() and gln_ok(s)),
        ),
    )
    ident.add(
        _icd_select("0192"),
        rule(
            "PEPPOL-COMMON-R041",
            FATAL,
            "A Norwegian organisation number (scheme 0192) must be nine digits with a valid mod-11 check digit.",
            _icd_check(lambda s: _digits(9)(s) and mod11_ok(s)),
        ),
    )
    ident.add(
        _icd_select("0208"),
        rule(
            "PEPPOL-COMMON-R043",
            FATAL,
            "A Belgian enterprise number (scheme 0208) must be ten digits with valid mod-97 check digits.",
            _icd_check(lambda s: _digits(10)(s) and mod97_0208_ok(s)),
        ),
    )
    ident.add(
        _icd_select("0201"),
        rule(
            "PEPPOL-COMMON-R044",
            WARNING,
            "An Italian IPA code (scheme 0201) should be six letters or digits.",
            _icd_check(codice_ipa_ok),
        ),
    )
    ident.add(
        _icd_select("0210"),
        rule(
            "PEPPOL-COMMON-R045",
            WARNING,
            "An Italian tax code (scheme 0210) should have the layout of a codice fiscale.",
            _icd_check(codice_fiscale_ok),
        ),
    )
    ident.add(
        _icd_select("9907", endpoint_only=True),
        rule(
            "PEPPOL-COMMON-R046",
            WARNING,
            "An Italian tax code endpoint (scheme 9907) should have the layout of a codice fiscale.",
            _icd_check(codice_fiscale_ok),
        ),
    )
    ident.add(
        _icd_select("0211"),
        rule(
            "PEPPOL-COMMON-R047",
            WARNING,
            "An Italian VAT number (scheme 0211) should be IT plus eleven digits with a valid check digit.",
            _icd_check(partita_iva_ok),
        ),
    )
    ident.add(
        _icd_select("9906", endpoint_only=True),
        rule(
            "PEPPOL-COMMON-R048",
            WARNING,
            "An Italian VAT endpoint (scheme 9906) should be IT plus eleven digits with a valid check digit.",
            _icd_check(partita_iva_ok),
        ),
    )
    ident.add(
        _icd_select("0007"),
        rule(
            "PEPPOL-COMMON-R049",
            FATAL,
            "A Swedish organisation number (scheme 0007) must be ten digits with a valid check digit.",
            _icd_check(se_orgnr_ok),
        ),
    )
    ident.add(
        _icd_select("0151"),
        rule(
            "PEPPOL-COMMON-R050",
            FATAL,
            "An Australian Business Number (scheme 0151) must be eleven digits that pass the ABN checksum.",
            _icd_check(abn_ok),
        ),
    )
    return [empty, ident.build()]
