"""Parts of the XRechnung CIUS rules (KoSIT) that do not depend on the syntax.

The German CIUS adds three families of checks on top of EN 16931:

* ``BR-DE-*`` — CIUS rules (mandatory contact data, payment instructions, the Skonto grammar
  in the payment terms, IBAN plausibility, ...);
* ``BR-DEX-*`` — only for documents that declare the XRechnung *Extension* specification
  identifier (sub invoice lines, third-party payments, DiGA codes);
* ``BR-DE-CVD-*`` / ``BR-TMP-CVD-*`` — only for the Clean Vehicles Directive identifier.

Which family applies is decided by the specification identifier (BT-24); the constants below
are the identifiers of XRechnung 3.0 and CVD 0.9 as the pack defines them.

The UBL and CII packs state most CIUS rules alike: the same id, severity and message, and the
same check on an element whose path depends on the syntax. Those rules are made here, once, by
the ``…_rule`` functions at the end (given the syntax's paths); a rule whose check differs
between the syntaxes says so as a parameter (BR-TMP-2) or stays in its pack.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Final, TypeAlias

from belegwerk.rules.codelists import EN16931_MIME_CODES
from belegwerk.rules.engine import (
    Check,
    Context,
    Element,
    Finding,
    Pattern,
    Rule,
    RuleSet,
    Severity,
    location_of,
)
from belegwerk.rules.functions import normalize_space
from belegwerk.rules.peppol_common import (
    Index,
    TagSelector,
    codes,
    ctx,
    document_index,
    element_index,
    end_document,
    first_text,
    has,
    string_value,
    texts,
    when,
    xb,
)
from belegwerk.rules.scan import canonical
from belegwerk.xml.ns import NSMAP

XR_VERSION: Final = "3.0"
CVD_VERSION: Final = "0.9"
XR_CIUS_ID: Final = f"urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_{XR_VERSION}"
XR_EXTENSION_ID: Final = f"{XR_CIUS_ID}#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_{XR_VERSION}"
XR_CVD_ID: Final = f"{XR_CIUS_ID}#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_{CVD_VERSION}"
XR_IDS: Final = frozenset({XR_CIUS_ID, XR_EXTENSION_ID, XR_CVD_ID})

#: Invoice type codes (UNTDID 1001) the CIUS recommends (BR-DE-17).
SUPPORTED_TYPE_CODES: Final = frozenset({"326", "380", "384", "389", "381", "875", "876", "877"})
#: VAT category codes that require a seller VAT/tax id or tax representative (BR-DE-16).
VAT_CODES_NEEDING_SELLER_TAX_ID: Final = frozenset({"S", "Z", "E", "AE", "K", "G", "L", "M"})
#: MIME codes an Extension document may use for attachments (BR-DEX-01).
EXTENSION_MIME_CODES: Final = EN16931_MIME_CODES | {"application/xml"}


#: Codes of digital health applications (DiGA) allowed only in the Extension.
DIGA_CODES: Final = frozenset({"XR01", "XR02", "XR03"})
#: ISO 6523 ICD codes as listed by the XRechnung pack.
ISO_6523_ICD_CODES: Final = frozenset(
    [f"{n:04d}" for n in range(2, 92)]
    + [f"{n:04d}" for n in range(93, 103)]
    + [f"{n:04d}" for n in range(104, 181)]
    + [f"{n:04d}" for n in range(183, 249)]
)
ISO_6523_ICD_EXT_CODES: Final = DIGA_CODES | ISO_6523_ICD_CODES
#: CEF EAS codes as listed by the XRechnung pack.
CEF_EAS_CODES: Final = codes(
    "0002 0007 0009 0037 0060 0088 0096 0097 0106 0130 0135 0142 0147 0151 0154 0158 0170 0177 0183 0184 0188 "
    "0190 0191 0192 0193 0194 0195 0196 0198 0199 0200 0201 0202 0203 0204 0205 0208 0209 0210 0211 0212 0213 "
    "0215 0216 0217 0218 0219 0220 0221 0225 0230 0235 0240 0244 0242 0245 0246 0248 9910 9913 9914 9915 9918 "
    "9919 9920 9922 9923 9924 9925 9926 9927 9928 9929 9930 9931 9932 9933 9934 9935 9936 9937 9938 9939 9940 "
    "9941 9942 9943 9944 9945 9946 9947 9948 9949 9950 9951 9952 9953 9957 9959 AN AQ AS AU EM"
)
CEF_EAS_EXT_CODES: Final = DIGA_CODES | CEF_EAS_CODES

#: UNTDID 7143 item classification schemes plus the CVD marker (BR-TMP-CVD-01).
UNTDID_7143_CVD_CODES: Final = codes(
    "CVD AA AB AC AD AE AF AG AH AI AJ AK AL AM AN AO AP AQ AR AS AT AU AV AW AX AY AZ BA BB BC BD BE BF BG BH "
    "BI BJ BK BL BM BN BO BP BQ BR BS BT BU BV BW BX BY BZ CC CG CL CR CV DR DW EC EF EMD EN FS GB GN GMN GS HS "
    "IB IN IS IT IZ MA MF MN MP NB ON PD PL PO PPI PV QS RC RN RU RY SA SG SK SN SRS SRT SRU SRV SRW SRX SRY "
    "SRZ SS SSA SSB SSC SSD SSE SSF SSG SSH SSI SSJ SSK SSL SSM SSN SSO SSP SSQ SSR SSS SST SSU SSV SSW SSX "
    "SSY SSZ ST STA STB STC STD STE STF STG STH STI STJ STK STL STM STN STO STP STQ STR STS STT STU STV STW "
    "STX STY STZ SUA SUB SUC SUD SUE SUF SUG SUH SUI SUJ SUK SUL SUM TG TSN TSO TSP TSQ TSR TSS TST TSU UA UP "
    "VN VP VS VX ZZZ"
)
#: Vehicle categories of the Clean Vehicles Directive (BR-DE-CVD-04).
CVD_VEHICLE_CATEGORIES: Final = frozenset({"M1", "M2", "M3", "N1", "N2", "N3"})
#: Allowed values of the ``cva`` item attribute (BR-DE-CVD-05).
CVA_CODES: Final = frozenset({"clean", "zero-emission", "other"})


def xpath_in(expr: str, codes: frozenset[str]) -> str:
    """XPath 1.0 for "some value of ``expr`` is one of ``codes``" (existential, like the pack's ``=``)."""
    return "(" + " or ".join(f"{expr} = '{c}'" for c in sorted(codes)) + ")"


def xpath_has_three_digits(expr: str) -> str:
    """XPath 1.0 for "the normalised value of ``expr`` contains at least three digits" (BR-DE-27).

    Deleting every non-digit (the inner ``translate`` lists them) leaves only the digits.
    """
    value = f"normalize-space({expr})"
    return f"string-length(translate({value}, translate({value}, '0123456789', ''), '')) >= 3"


def scheme_in(scheme: str | None, codes: frozenset[str]) -> bool:
    """The pack's "single token in a space separated list" test on a scheme attribute."""
    value = normalize_space(scheme)
    return " " not in value and value in codes


# --------------------------------------------------------------------------------------------
# Skonto grammar (BR-DE-18)
# --------------------------------------------------------------------------------------------

# XPath regexes have no "before a final newline" meaning for ``$`` and ``.`` excludes CR as well
# as LF; the Python patterns below spell that out.
_SKONTO_BODY: Final = r"#(SKONTO)#TAGE=([0-9]+#PROZENT=[0-9]+\.[0-9]{2})(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#\Z"
_SKONTO_LINE: Final = re.compile(r"(^|\r?\n)" + _SKONTO_BODY)
#: The Peppol German rules (DE-R-018) use the same grammar without anchoring it at the line start.
_SKONTO_LINE_UNANCHORED: Final = re.compile(_SKONTO_BODY)
_LINE_SPLIT: Final = re.compile(r"\r?\n")
_SEGMENT: Final = re.compile(r"#[^\n\r]+#")
_TRAILING_BREAK: Final = re.compile(r"^[ \t\n\r]*\n")


def skonto_note_ok(note: str, *, anchored: bool = True) -> bool:
    """Whether the payment-terms text follows the XRechnung Skonto grammar.

    Every line that starts with ``#`` must be one complete Skonto entry
    (``#SKONTO#TAGE=n#PROZENT=n.nn#`` with an optional ``BASISBETRAG=n.nn`` segment), and the
    text after the last ``#…#`` run must start with a line break: a Skonto entry always ends
    with a newline. A text without Skonto lines is fine.
    """
    lines = [ln for ln in _LINE_SPLIT.split(note) if normalize_space(ln).startswith("#")]
    if not lines:
        return True
    tail = _SEGMENT.split(note)[-1]
    if not _TRAILING_BREAK.search(tail):
        return False
    rx = _SKONTO_LINE if anchored else _SKONTO_LINE_UNANCHORED
    return all(rx.search(normalize_space(ln)) for ln in lines)


# --------------------------------------------------------------------------------------------
# Contact data and URLs (BR-DE-27, BR-DE-28, BR-TMP-2)
# --------------------------------------------------------------------------------------------

_EMAIL: Final = re.compile(r"^[^@ \t\n\r]+@([^@. \t\n\r]+\.)+[^@. \t\n\r]+\Z")
_URL: Final = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.\-]+:")


def telephone_ok(value: str | None) -> bool:
    """At least three digits somewhere in the (normalised) telephone number."""
    return sum(1 for c in normalize_space(value) if "0" <= c <= "9") >= 3


def email_ok(value: str | None) -> bool:
    """Exactly one ``@`` with a dotted domain and no whitespace."""
    return _EMAIL.search(normalize_space(value)) is not None


def url_ok(value: str | None) -> bool:
    """An absolute URL: a scheme of at least two characters followed by ``:``."""
    return value is not None and _URL.search(value) is not None


# --------------------------------------------------------------------------------------------
# IBAN (BR-DE-19, BR-DE-20)
# --------------------------------------------------------------------------------------------

_IBAN_SHAPE: Final = re.compile(r"[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{0,30}")
_XML_WS: Final = re.compile(r"[ \t\n\r]")


def iban_ok(value: str | None) -> bool:
    """IBAN shape and ISO 7064 mod-97 check, computed the way the pack does.

    The pack maps every character by code point (letters above ``@`` to ``code - 55``, all
    others to ``code - 48``), so lower-case letters after the country code get unusual values;
    we keep that so our verdicts match.
    """
    iban = _XML_WS.sub("", value or "")
    if not _IBAN_SHAPE.fullmatch(iban):
        return False
    rearranged = iban[4:] + iban[:2].upper() + iban[2:4]
    digits = "".join(str(ord(c) - 55) if ord(c) > 64 else str(ord(c) - 48) for c in rearranged)
    return int(digits) % 97 == 1


# --------------------------------------------------------------------------------------------
# Rules both syntaxes state alike (the element paths are the syntax's)
# --------------------------------------------------------------------------------------------

F, W = Severity.FATAL, Severity.WARNING


def skonto_rule(notes: str) -> Rule:
    """BR-DE-18 on the document: the first note of each payment terms (``notes``) follows the
    Skonto grammar."""

    def test(root: Element) -> bool:
        return all(skonto_note_ok(n) for n in texts(root, notes))

    return Rule(
        "BR-DE-18",
        F,
        "A Skonto line in the payment terms (BT-20) does not follow the format #SKONTO#TAGE=n#PROZENT=n.nn#[BASISBETRAG=n.nn#] followed by a line break.",
        test,
    )


def telephone_rule(telephone: str) -> Rule:
    """BR-DE-27 on the seller contact."""
    return Rule(
        "BR-DE-27",
        W,
        "The seller telephone number (BT-42) should contain at least three digits.",
        xb(xpath_has_three_digits(telephone)),
    )


def email_rule(email: str) -> Rule:
    """BR-DE-28 on the seller contact."""

    def test(contact: Element) -> bool:
        return email_ok(first_text(contact, email))

    return Rule("BR-DE-28", W, "The seller email address (BT-43) does not look like a valid address.", test)


def url_rule(uri: str, *, uri_required: bool) -> Rule:
    """BR-TMP-2 on an external document reference: its URI is an absolute URL.

    The packs differ on purpose: UBL's assertion fails without a URI (``uri_required``), CII's
    only checks a URI that is there.
    """

    def test(reference: Element) -> bool:
        return (not uri_required and not has(reference, uri)) or url_ok(first_text(reference, uri))

    return Rule(
        "BR-TMP-2", W, "The external document location (BT-124) must be an absolute URL with a valid scheme.", test
    )


def credit_transfer_iban_rule(type_code: str, account: str) -> Rule:
    """BR-DE-19 on a credit transfer payment means (30/58): for SEPA (58) the account is an IBAN."""

    def test(means: Element) -> bool:
        return normalize_space(first_text(means, type_code)) != "58" or iban_ok(first_text(means, account))

    return Rule(
        "BR-DE-19", W, "For SEPA credit transfer (code 58) the payment account (BT-84) should be a valid IBAN.", test
    )


def direct_debit_iban_rule(account: str) -> Rule:
    """BR-DE-20 on a direct debit payment means (59): the debited account is an IBAN."""

    def test(means: Element) -> bool:
        return iban_ok(first_text(means, account))

    return Rule(
        "BR-DE-20", W, "For SEPA direct debit (code 59) the debited account (BT-91) should be a valid IBAN.", test
    )


def _extension_mime(node: Element) -> bool:
    return node.get("mimeCode") in EXTENSION_MIME_CODES


def attachment_mime_rule() -> Rule:
    """BR-DEX-01 on an attachment of an Extension document."""
    return Rule(
        "BR-DEX-01",
        F,
        "The attachment (BT-125) uses a MIME code that is not allowed (Extension also allows application/xml).",
        _extension_mime,
    )


def _scheme_rule(rid: str, codes: frozenset[str], what: str, also: Check | None = None) -> Rule:
    def test(node: Element) -> bool:
        return scheme_in(node.get("schemeID"), codes) or (also is not None and also(node))

    return Rule(rid, F, f"The scheme identifier of {what} is not in the allowed code list.", test)


def scheme_contexts(
    flag: Callable[[Element], bool],
    *,
    party: str,
    legal: str,
    item: str,
    endpoint: str,
    delivery: str,
    party_also: Check | None = None,
) -> list[Context]:
    """BR-DEX-04…08 (Extension only, ``flag``): the scheme of each kind of identifier is in its
    code list. The arguments select the identifiers in the syntax at hand; ``party_also`` accepts
    a party identifier the code list does not (the UBL pack allows ``SEPA`` for the seller)."""
    return [
        ctx(when(flag, party), [_scheme_rule("BR-DEX-04", ISO_6523_ICD_EXT_CODES, "a party identifier", party_also)]),
        ctx(when(flag, legal), [_scheme_rule("BR-DEX-05", ISO_6523_ICD_EXT_CODES, "a legal registration identifier")]),
        ctx(when(flag, item), [_scheme_rule("BR-DEX-06", ISO_6523_ICD_EXT_CODES, "an item standard identifier")]),
        ctx(when(flag, endpoint), [_scheme_rule("BR-DEX-07", CEF_EAS_EXT_CODES, "an electronic address")]),
        ctx(
            when(flag, delivery), [_scheme_rule("BR-DEX-08", ISO_6523_ICD_EXT_CODES, "a delivery location identifier")]
        ),
    ]


def _classification_scheme(code: Element) -> bool:
    return scheme_in(code.get("listID"), UNTDID_7143_CVD_CODES)


def _vehicle_category(code: Element) -> bool:
    return normalize_space(code.get("listID")) != "CVD" or normalize_space(string_value(code)) in CVD_VEHICLE_CATEGORIES


def classification_rules() -> list[Rule]:
    """BR-TMP-CVD-01 and BR-DE-CVD-04 on an item classification code of a CVD document."""
    return [
        Rule(
            "BR-TMP-CVD-01",
            F,
            "The item classification scheme (BT-158) must be a UNTDID 7143 code or 'CVD'.",
            _classification_scheme,
        ),
        Rule(
            "BR-DE-CVD-04",
            F,
            "A 'CVD' item classification must be a vehicle category M1, M2, M3, N1, N2 or N3.",
            _vehicle_category,
        ),
    ]


def cva_rule(value: str) -> Rule:
    """BR-DE-CVD-05 on the item attribute ``cva`` of a CVD document; ``value`` is its value's path."""

    def test(attribute: Element) -> bool:
        return any(normalize_space(v) in CVA_CODES for v in texts(attribute, value))

    return Rule("BR-DE-CVD-05", F, "The value of the 'cva' item attribute must be clean, zero-emission or other.", test)


# --------------------------------------------------------------------------------------------
# Native evaluation: one index per document, each CIUS pattern decided in one function
# --------------------------------------------------------------------------------------------
#
# The generic engine asks every context for its nodes and runs every rule on each node through
# the callable protocol; the XPath tests go through lxml (a fused expression per context and
# node, the ``//`` paths of BR-DE-16/22 walk the whole tree). The CIUS rules only ever look at
# a few dozen elements, so each pattern is also written as one function (``NativePattern``)
# over :class:`Index`: the contexts are found by tag and parent identity in the shared tag
# index, the rules read children grouped by tag. The pattern's contexts stay the reference:
# ``tests/einvoice/test_rules_xrechnung_native.py`` checks on the corpus that both give the same
# failures in the same order.


def clark_path(*names: str) -> tuple[str, ...]:
    """``("ram:A", "ram:B")`` in Clark notation (paths of the native checks, built at import)."""
    out = []
    for name in names:
        prefix, local = name.split(":")
        out.append(canonical(f"{{{NSMAP[prefix]}}}{local}"))
    return tuple(out)


#: What a native pattern reports: (node, rule id) per failure, in the engine's order (contexts in
#: pattern order, nodes in document order, rules in context order).
Failures: TypeAlias = list[tuple[Element, str]]
NativeCheck: TypeAlias = Callable[[Element, Index], Failures]


class NativePattern(Pattern):
    """A pattern whose contexts are evaluated by one function (``check``) instead of the engine.

    ``contexts`` keep the rules (ids, severities, messages) and their reference semantics;
    ``check`` must report exactly the failures the engine would find with them.
    """

    check: NativeCheck
    by_id: dict[str, Rule]

    def __init__(self, contexts: Sequence[Context], name: str, check: NativeCheck) -> None:
        super().__init__(contexts, name)
        object.__setattr__(self, "check", check)
        object.__setattr__(self, "by_id", {r.id: r for c in contexts for r in c.rules})


def gated(
    flag: Callable[[Element], bool],
    identifier: str,
    declared: Callable[[Index], list[Element]],
    pattern: Pattern,
) -> NativePattern:
    """The Extension and CVD patterns: nothing to do unless the document-level flag holds, and
    then the pattern's contexts run as in the engine (they are rare).

    ``flag`` compares text nodes of the specification identifier elements (``declared``) with
    ``identifier`` by XPath; a document none of whose identifier elements even contains that
    string cannot pass it, which the index answers without an XPath evaluation.
    """

    def check(root: Element, index: Index) -> Failures:
        if not any(identifier in string_value(e) for e in declared(index)) or not flag(root):
            return []
        return [(n, r.id) for n, r in engine_failures(pattern, root)]

    return NativePattern(pattern.contexts, pattern.name, check)


def engine_failures(pattern: Pattern, root: Element) -> list[tuple[Element, Rule]]:
    """(node, rule) for every failure of ``pattern`` as :meth:`RuleSet.evaluate` finds them."""
    out: list[tuple[Element, Rule]] = []
    seen: set[Element] | None = set() if pattern.exclusive and len(pattern.contexts) > 1 else None
    for context in pattern.contexts:
        for node in context.nodes(root):
            if seen is not None:
                if node in seen:
                    continue
                seen.add(node)
            for rule in context.rules:
                if not rule.test(node):
                    out.append((node, rule))
    return out


class XRechnungRuleSet(RuleSet):
    """A :class:`RuleSet` that runs :class:`NativePattern` checks over one :class:`Index`.

    Other patterns (the merged Peppol rules, the rule-less prologue that starts the evaluation)
    run as in the engine, except that a context whose selector is a :class:`TagSelector` is
    skipped when none of its tags occurs in the document (it would select nothing); the
    findings and their order are the engine's.
    """

    def evaluate(self, root: Element) -> list[Finding]:
        try:
            return self._evaluate(root)
        finally:
            end_document(root)  # the prologue started it; nothing of this document outlives it

    def _evaluate(self, root: Element) -> list[Finding]:
        findings: list[Finding] = []
        name = self.name
        index: Index | None = None
        for pattern in self.patterns:
            if isinstance(pattern, NativePattern):
                if index is None:
                    index = document_index(root)  # after the prologue: this evaluation's index
                by_id = pattern.by_id
                for node, rid in pattern.check(root, index):
                    rule = by_id[rid]
                    findings.append(Finding(rule.id, rule.severity, rule.message, location_of(node), name))
            else:
                for node, rule in _present_failures(pattern, root):
                    findings.append(Finding(rule.id, rule.severity, rule.message, location_of(node), name))
        return findings


def _present_failures(pattern: Pattern, root: Element) -> list[tuple[Element, Rule]]:
    """:func:`engine_failures` without asking the contexts whose tags the document lacks."""
    if not pattern.contexts or not pattern.contexts[0].rules:
        return engine_failures(pattern, root)  # the prologue: it starts the evaluation
    present = element_index(root)
    out: list[tuple[Element, Rule]] = []
    seen: set[Element] | None = set() if pattern.exclusive and len(pattern.contexts) > 1 else None
    for context in pattern.contexts:
        select = context.select
        if isinstance(select, TagSelector) and not _any_present(select.tags, present):
            continue
        for node in context.nodes(root):
            if seen is not None:
                if node in seen:
                    continue
                seen.add(node)
            for rule in context.rules:
                if not rule.test(node):
                    out.append((node, rule))
    return out


def _any_present(tags: tuple[str, ...], present: dict[str, list[Element]]) -> bool:
    for t in tags:  # noqa: SIM110 - a plain loop compiles to direct lookups
        if t in present:
            return True
    return False
