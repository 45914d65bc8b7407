"""The validation pipeline: bytes in, :class:`ValidationReport` out.

Steps, each of which can only add findings, never hide earlier ones:

1. size check and hardened parsing (:func:`belegwerk.xml.safe.parse_xml`); bytes that are not
   safe, well-formed XML give an *unreadable* report with rule id ``XML-PARSE``;
2. syntax and scenario selection (:mod:`belegwerk.rules.scenarios`);
3. XML Schema validation (:mod:`belegwerk.rules.schema`);
4. the scenario's rule packs (EN 16931 always; XRechnung / Peppol BIS where the document says so),
   then the scenario's severity overrides.

A document is valid when it is readable and no finding is fatal — the same acceptance the
official validators apply.
"""

from __future__ import annotations

import gc
from pathlib import Path

from lxml import etree

from belegwerk.rules import scan, schema
from belegwerk.rules.engine import Finding, Severity, document_session, relevel
from belegwerk.rules.report import ValidationReport
from belegwerk.rules.scenarios import MissingRuleSet, load_poacc_ruleset, load_ruleset, select
from belegwerk.xml.safe import MAX_XML_BYTES, UnreadableXML, parse_xml

#: Rule id for bytes that cannot be read as XML (the id the reference oracle uses).
PARSE_RULE = "XML-PARSE"
#: Rule id for well-formed XML that is no document type we validate.
UNSUPPORTED_RULE = "UNSUPPORTED-DOCUMENT"


def unreadable(reason: str, source: str | None = None) -> ValidationReport:
    """The report for bytes that could not be parsed."""
    return ValidationReport(
        source=source,
        readable=False,
        unreadable_reason=reason,
        findings=[Finding(PARSE_RULE, Severity.FATAL, f"The file cannot be read as XML: {reason}.", "/", "XML")],
    )


def validate_bytes(
    data: bytes,
    source: str | None = None,
    *,
    peppol: bool = True,
    xsd: bool = True,
    max_bytes: int = MAX_XML_BYTES,
) -> ValidationReport:
    """Validate one e-invoice given as bytes.

    ``peppol=False`` validates Peppol BIS documents against EN 16931 only (the KoSIT
    configuration); ``xsd=False`` skips the schema step (used by benchmarks and rule tests).
    The bytes are parsed without the indentation between elements, which no rule reads
    (``drop_blank_text``, see :func:`belegwerk.xml.safe.parse_xml`; values stay as written).
    """
    try:
        root = parse_xml(data, max_bytes=max_bytes, drop_blank_text=True, markup_check=scan.markup_in_value)
    except UnreadableXML as exc:
        return unreadable(exc.reason, source)
    return validate_tree(root, source, peppol=peppol, xsd=xsd)


def validate_path(
    path: Path | str, *, peppol: bool = True, xsd: bool = True, max_bytes: int = MAX_XML_BYTES
) -> ValidationReport:
    """Validate a file; an oversized file is refused from its size alone, without reading it."""
    p = Path(path)
    source = str(p)
    try:
        size = p.stat().st_size
    except OSError as exc:
        return unreadable(f"the file cannot be opened ({exc.strerror or exc})", source)
    if size > max_bytes:
        return unreadable(
            f"the file is {size / 1_048_576:.1f} MB, larger than the {max_bytes / 1_048_576:.0f} MB limit for XML",
            source,
        )
    try:
        data = p.read_bytes()
    except OSError as exc:
        return unreadable(f"the file cannot be read ({exc.strerror or exc})", source)
    return validate_bytes(data, source, peppol=peppol, xsd=xsd, max_bytes=max_bytes)


def validate_tree(
    root: etree._Element, source: str | None = None, *, peppol: bool = True, xsd: bool = True
) -> ValidationReport:
    """Validate an already (safely) parsed document.

    The tree is the caller's, unchanged afterwards; during the XSD step long attachments lend
    their text a short stand-in (see :func:`belegwerk.rules.scan.with_short_binaries`), so no
    other thread may read the same tree while it is validated.
    """
    report = ValidationReport(source=source)
    selection = select(root, peppol=peppol)
    if selection is None:
        return _other_document(root, report, xsd=xsd)
    report.syntax = selection.syntax
    report.specification = selection.specification
    report.scenario = selection.name
    findings: list[Finding] = []
    if xsd:
        findings.extend(schema.validate_schema(root, selection.syntax))
    collecting = gc.isenabled()
    if collecting:
        gc.disable()  # see _run_packs
    try:
        if len(selection.modules) > 1:
            with document_session(root):
                findings.extend(_run_packs(root, selection.modules, report))
        else:
            findings.extend(_run_packs(root, selection.modules, report))
    finally:
        if collecting:
            gc.enable()
    report.findings = relevel(findings, dict(selection.levels)) if selection.levels else findings
    return report


def _run_packs(root: etree._Element, modules: tuple[str, ...], report: ValidationReport) -> list[Finding]:
    """Evaluate the scenario's rule packs in order (a missing pack is reported, not skipped).

    The caller keeps Python's cyclic garbage collector off meanwhile: evaluation allocates
    thousands of short-lived, acyclic objects (element proxies, tuples, small dicts) that
    reference counting frees, and each allocation burst would otherwise trigger several
    generation-0 collections per document for nothing. The collector is switched back on
    afterwards (only if it was on), so any cycle is collected then; concurrent validations in
    other threads at worst see it off a little longer. (Plain code rather than a
    ``contextlib.contextmanager``, whose interpreted frames cost more than the pause saves.)
    """
    findings: list[Finding] = []
    for module in modules:
        try:
            ruleset = load_ruleset(module)
        except MissingRuleSet:
            findings.append(
                Finding(
                    "RULESET-MISSING",
                    Severity.INFORMATION,
                    f"The rule pack '{module}' required by this scenario is not available in this build.",
                    "/",
                    module,
                )
            )
            continue
        report.rulesets.append(ruleset.name)
        findings.extend(ruleset.evaluate(root))
    return findings


def _other_document(root: etree._Element, report: ValidationReport, *, xsd: bool) -> ValidationReport:
    """Post-award documents (Order, Invoice Response, ...) go to the Peppol post-award pack if present."""
    local = etree.QName(root).localname if isinstance(root.tag, str) else ""
    ruleset = load_poacc_ruleset(local)
    report.syntax = f"ubl-{local.lower()}" if ruleset is not None else None
    if ruleset is None:
        report.findings = [
            Finding(
                UNSUPPORTED_RULE,
                Severity.FATAL,
                f"The root element {root.tag} is no UBL invoice, UBL credit note or CII invoice.",
                "/",
                "",
            )
        ]
        return report
    report.rulesets.append(ruleset.name)
    report.findings = ruleset.evaluate(root)
    return report
