"""Which rule sets apply to a document: the KoSIT scenario configuration, as data.

The German reference validator (KoSIT) picks a *scenario* by the document's root element and its
specification identifier (UBL ``cbc:CustomizationID``, CII ``GuidelineSpecifiedDocumentContext
Parameter/ram:ID``); the scenario names the schema, the rule packs and ``customLevel`` overrides
that change the severity of single rules (for example, XRechnung tolerates unknown unit codes,
BR-CL-23, as a warning). The table below encodes the KoSIT XRechnung 3.0.2 configuration
(``scenarios.xml``) plus Peppol BIS Billing 3.0.

Rule set modules are imported lazily by name (each exposes ``RULESET``; ``poacc`` exposes
``RULESETS``), so this module works while some rule packs are still missing; a missing pack is
reported, never silently skipped.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from types import MappingProxyType

from lxml import etree

from belegwerk.rules.engine import RuleSet, Severity
from belegwerk.xml.ns import CII_RAM, CII_RSM, NSMAP, UBL_CBC, UBL_CREDIT_NOTE, UBL_INVOICE

UBL_INVOICE_SYNTAX = "ubl-invoice"
UBL_CREDIT_NOTE_SYNTAX = "ubl-creditnote"
CII_SYNTAX = "cii"

XRECHNUNG_30 = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
XRECHNUNG_30_EXTENSION = (
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    "#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0"
)
XRECHNUNG_30_CVD = (
    "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    "#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_0.9"
)
EN16931 = "urn:cen.eu:en16931:2017"
PEPPOL_BILLING_30 = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"

_ROOTS = {
    f"{{{UBL_INVOICE}}}Invoice": UBL_INVOICE_SYNTAX,
    f"{{{UBL_CREDIT_NOTE}}}CreditNote": UBL_CREDIT_NOTE_SYNTAX,
    f"{{{CII_RSM}}}CrossIndustryInvoice": CII_SYNTAX,
}

#: Rule set module (in ``belegwerk.rules``) per syntax and rule pack.
_EN16931 = {UBL_INVOICE_SYNTAX: "en16931_ubl", UBL_CREDIT_NOTE_SYNTAX: "en16931_ubl", CII_SYNTAX: "en16931_cii"}
_XRECHNUNG = {UBL_INVOICE_SYNTAX: "xrechnung_ubl", UBL_CREDIT_NOTE_SYNTAX: "xrechnung_ubl", CII_SYNTAX: "xrechnung_cii"}
_PEPPOL = {UBL_INVOICE_SYNTAX: "peppol_ubl", UBL_CREDIT_NOTE_SYNTAX: "peppol_ubl", CII_SYNTAX: "peppol_cii"}

F, W, INFO = Severity.FATAL, Severity.WARNING, Severity.INFORMATION


@dataclass(frozen=True)
class Scenario:
    """One validation scenario: which document it matches, which rule packs run, which rules are relevelled."""

    name: str
    syntax: str
    specification: str
    modules: tuple[str, ...]
    levels: Mapping[str, Severity] = field(default_factory=lambda: MappingProxyType({}))
    prefix_match: bool = False

    def matches(self, syntax: str, specifications: Sequence[str]) -> bool:
        if syntax != self.syntax:
            return False
        if self.prefix_match:
            return any(s.startswith(self.specification) for s in specifications)
        return self.specification in specifications


def _levels(**kw: Severity) -> Mapping[str, Severity]:
    return MappingProxyType({k.replace("_", "-"): v for k, v in kw.items()})


# KoSIT customLevel overrides (scenarios.xml of validator-configuration-xrechnung, XRechnung 3.0.2).
_XR_UBL_INVOICE = _levels(BR_CL_23=W, BR_CL_21=W, UBL_CR_646=F)
_XR_UBL_INVOICE_EXT = _levels(
    BR_CL_21=INFO,
    BR_CL_23=W,
    BR_CL_24=INFO,
    BR_CL_10=INFO,
    BR_CL_11=INFO,
    BR_CL_25=INFO,
    BR_CL_26=INFO,
    BR_CO_16=INFO,
    UBL_CR_470=INFO,
    UBL_CR_646=INFO,
)
_XR_UBL_INVOICE_CVD = _levels(BR_CL_13=INFO, BR_CL_23=W, BR_CL_21=W, UBL_CR_646=F)
_XR_UBL_CREDIT_NOTE = _levels(BR_CL_23=W, BR_CL_21=W)
_XR_UBL_CREDIT_NOTE_CVD = _levels(BR_CL_13=INFO, BR_CL_23=W, BR_CL_21=W, UBL_CR_646=F)
_XR_CII = _levels(BR_CL_23=W, BR_CL_21=W, CII_SR_452=F, CII_SR_453=F, CII_SR_454=F)
_XR_CII_EXT = _levels(
    BR_CL_23=W,
    BR_CL_21=INFO,
    BR_CL_11=INFO,
    BR_CL_10=INFO,
    BR_CL_24=INFO,
    BR_CL_25=INFO,
    BR_CL_26=INFO,
    CII_SR_452=F,
    CII_SR_453=F,
    CII_SR_454=F,
)
_XR_CII_CVD = _levels(BR_CL_13=INFO, BR_CL_23=W, BR_CL_21=W, CII_SR_452=F, CII_SR_453=F, CII_SR_454=F)


def _xr(name: str, syntax: str, spec: str, levels: Mapping[str, Severity]) -> Scenario:
    return Scenario(name, syntax, spec, (_EN16931[syntax], _XRECHNUNG[syntax]), levels)


def _cen(name: str, syntax: str) -> Scenario:
    return Scenario(name, syntax, EN16931, (_EN16931[syntax],))


def _peppol(name: str, syntax: str) -> Scenario:
    return Scenario(name, syntax, PEPPOL_BILLING_30, (_EN16931[syntax], _PEPPOL[syntax]), prefix_match=True)


#: Scenarios in KoSIT order (first match wins), followed by Peppol BIS Billing.
SCENARIOS: tuple[Scenario, ...] = (
    _xr("EN16931 XRechnung (UBL Invoice)", UBL_INVOICE_SYNTAX, XRECHNUNG_30, _XR_UBL_INVOICE),
    _xr("EN16931 XRechnung Extension (UBL Invoice)", UBL_INVOICE_SYNTAX, XRECHNUNG_30_EXTENSION, _XR_UBL_INVOICE_EXT),
    _xr("EN16931 XRechnung CVD (UBL Invoice)", UBL_INVOICE_SYNTAX, XRECHNUNG_30_CVD, _XR_UBL_INVOICE_CVD),
    _xr("EN16931 XRechnung (UBL CreditNote)", UBL_CREDIT_NOTE_SYNTAX, XRECHNUNG_30, _XR_UBL_CREDIT_NOTE),
    _xr("EN16931 XRechnung CVD (UBL CreditNote)", UBL_CREDIT_NOTE_SYNTAX, XRECHNUNG_30_CVD, _XR_UBL_CREDIT_NOTE_CVD),
    _xr("EN16931 XRechnung (CII)", CII_SYNTAX, XRECHNUNG_30, _XR_CII),
    _xr("EN16931 XRechnung Extension (CII)", CII_SYNTAX, XRECHNUNG_30_EXTENSION, _XR_CII_EXT),
    _xr("EN16931 XRechnung CVD (CII)", CII_SYNTAX, XRECHNUNG_30_CVD, _XR_CII_CVD),
    _cen("EN16931 (UBL Invoice)", UBL_INVOICE_SYNTAX),
    _cen("EN16931 (UBL CreditNote)", UBL_CREDIT_NOTE_SYNTAX),
    _cen("EN16931 (CII)", CII_SYNTAX),
    _peppol("Peppol BIS Billing 3.0 (UBL Invoice)", UBL_INVOICE_SYNTAX),
    _peppol("Peppol BIS Billing 3.0 (UBL CreditNote)", UBL_CREDIT_NOTE_SYNTAX),
    _peppol("Peppol BIS Billing 3.0 (CII)", CII_SYNTAX),
)

#: BT-24 in CII: rsm:ExchangedDocumentContext/ram:GuidelineSpecifiedDocumentContextParameter/ram:ID
_CII_GUIDELINE = (
    f"{{{CII_RSM}}}ExchangedDocumentContext",
    f"{{{CII_RAM}}}GuidelineSpecifiedDocumentContextParameter",
    f"{{{CII_RAM}}}ID",
)
_UBL_CUSTOMIZATION = (f"{{{UBL_CBC}}}CustomizationID",)


def detect_syntax(root: etree._Element) -> str | None:
    """ "ubl-invoice", "ubl-creditnote" or "cii" by the root element, else None."""
    return _ROOTS.get(root.tag) if isinstance(root.tag, str) else None


def specification_ids(root: etree._Element, syntax: str) -> list[str]:
    """The document's specification identifiers (BT-24), as the scenario matches compare them (exact text)."""
    found = [root]
    # child by child with lxml's C iterator (``iterfind`` parses and walks the path in Python)
    for tag in _CII_GUIDELINE if syntax == CII_SYNTAX else _UBL_CUSTOMIZATION:
        found = [child for el in found for child in el.iterchildren(tag)]
    return [el.text or "" for el in found]


@dataclass(frozen=True)
class Selection:
    """The outcome of scenario selection for one document."""

    syntax: str
    specification: str | None
    scenario: Scenario | None
    modules: tuple[str, ...]
    levels: Mapping[str, Severity]

    @property
    def name(self) -> str | None:
        return self.scenario.name if self.scenario else None


def select(root: etree._Element, *, peppol: bool = True) -> Selection | None:
    """Choose the scenario for ``root``; None when the document is no UBL invoice/credit note or CII invoice.

    Documents that match no scenario are still checked against EN 16931 (scenario ``None``), the
    rules every European e-invoice must meet. ``peppol=False`` leaves Peppol BIS documents at that
    EN 16931 baseline, which is what the KoSIT configuration (and our reference oracle) does.
    """
    syntax = detect_syntax(root)
    if syntax is None:
        return None
    return _selection(syntax, tuple(specification_ids(root, syntax)), peppol)


@lru_cache(maxsize=256)
def _selection(syntax: str, specs: tuple[str, ...], peppol: bool) -> Selection:
    """The scenario for a syntax and specification identifiers, remembered: a :class:`Selection`
    is immutable, and matching the table in interpreted Python cost more per document than the
    rest of choosing a scenario. Bounded, because the identifiers come from the documents."""
    spec = specs[0] if specs else None
    for scenario in SCENARIOS:
        if not peppol and _PEPPOL[syntax] in scenario.modules:
            continue
        if scenario.matches(syntax, specs):
            return Selection(syntax, spec, scenario, scenario.modules, scenario.levels)
    return Selection(syntax, spec, None, (_EN16931[syntax],), MappingProxyType({}))


class MissingRuleSet(LookupError):
    """A scenario needs a rule pack that is not installed in this build."""


def load_ruleset(module: str) -> RuleSet:
    """``belegwerk.rules.<module>.RULESET``, imported on first use."""
    ruleset = _find_ruleset(module)
    if ruleset is None:
        raise MissingRuleSet(module)
    return ruleset


@cache
def _find_ruleset(module: str) -> RuleSet | None:
    # Cached, including "not installed": a failed import searches sys.path again every time and
    # would cost more than validating the document.
    qualified = f"belegwerk.rules.{module}"
    try:
        mod = importlib.import_module(qualified)
    except ModuleNotFoundError as exc:
        if exc.name == qualified:
            return None
        raise
    ruleset = getattr(mod, "RULESET", None)
    return ruleset if isinstance(ruleset, RuleSet) else None


def load_poacc_ruleset(document_type: str) -> RuleSet | None:
    """The Peppol post-award rule set for a UBL document type (root local name, e.g. "Order"), if any."""
    rulesets = _poacc_rulesets()
    found = rulesets.get(document_type) if rulesets else None
    return found if isinstance(found, RuleSet) else None


@cache
def _poacc_rulesets() -> dict[str, object] | None:
    try:
        mod = importlib.import_module("belegwerk.rules.poacc")
    except ModuleNotFoundError as exc:
        if exc.name == "belegwerk.rules.poacc":
            return None
        raise
    rulesets = getattr(mod, "RULESETS", None)
    return rulesets if isinstance(rulesets, dict) else None


__all__ = [
    "CII_SYNTAX",
    "NSMAP",
    "SCENARIOS",
    "UBL_CREDIT_NOTE_SYNTAX",
    "UBL_INVOICE_SYNTAX",
    "MissingRuleSet",
    "Scenario",
    "Selection",
    "detect_syntax",
    "load_poacc_ruleset",
    "load_ruleset",
    "select",
    "specification_ids",
]
