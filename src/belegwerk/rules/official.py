"""A second opinion: run official Schematron packs (compiled to XSLT) with Saxon next to our rules.

Our native rule packs are what Belegwerk decides with. For audits and for trust in a new rule
version, an admin can point ``BELEGWERK_SCHEMATRON_DIR`` (or ``belegwerk einvoice validate
--official DIR``) at a directory of official stylesheets — the CEN EN 16931 XSLT, the KoSIT
XRechnung XSL — and every report then also carries the official findings in the same format,
plus whether the two verdicts agree. saxonche is imported only here and only when asked for.

Stylesheets are chosen by their path: a path containing ``ubl`` applies to UBL documents, ``cii``
to CII; a path containing ``xrechnung`` only to documents of an XRechnung scenario, ``peppol``
only to documents of a Peppol BIS scenario. Packs published as Schematron source only (the
Peppol BIS rules, ``*.sch``) are compiled to XSLT by :mod:`belegwerk.rules.schematron` when they
are first used. The scenario's severity overrides (KoSIT ``customLevel``) are applied to the
official findings too, so both opinions are judged by the same scenario.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from lxml import etree

from belegwerk.rules.engine import Finding, Severity, relevel
from belegwerk.rules.scenarios import select

SVRL = "http://purl.oclc.org/dsdl/svrl"
ENV = "BELEGWERK_SCHEMATRON_DIR"
_FLAGS = {
    "fatal": Severity.FATAL,
    "error": Severity.FATAL,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "information": Severity.INFORMATION,
    "info": Severity.INFORMATION,
}


class OfficialPackError(RuntimeError):
    """The configured directory holds no usable stylesheet, or Saxon could not run one."""


#: Words in a stylesheet's path that limit it to documents of one kind of scenario.
SCENARIO_WORDS = ("xrechnung", "peppol")


@dataclass(frozen=True)
class Stylesheet:
    path: Path
    syntax: str  # "ubl" | "cii"
    #: "xrechnung" or "peppol" when the path limits it to such scenarios, else None
    scenario: str | None = None

    @property
    def name(self) -> str:
        return "official:" + self.path.name

    @property
    def is_schematron(self) -> bool:
        """Schematron source (compiled to XSLT before Saxon runs it), not a stylesheet."""
        return self.path.suffix.lower() == ".sch"

    def applies(self, syntax: str, modules: tuple[str, ...]) -> bool:
        """Whether this pack checks a document of ``syntax`` whose scenario runs ``modules``."""
        return self.syntax == syntax and (self.scenario is None or any(self.scenario in m for m in modules))


def discover(directory: Path) -> list[Stylesheet]:
    """The stylesheets below ``directory`` with the syntax (and scenario) their path names; a
    Schematron schema only where no stylesheet of the same name lies beside it."""
    found: list[Stylesheet] = []
    paths = [Path(d) / f for d, _, files in os.walk(directory, followlinks=True) for f in files]
    for path in sorted(paths):
        if path.suffix.lower() not in (".xsl", ".xslt", ".sch") or not path.is_file():
            continue
        if path.suffix.lower() == ".sch" and any(path.with_suffix(x).is_file() for x in (".xsl", ".xslt")):
            continue  # the published stylesheet of this schema is used, not our compilation
        lowered = str(path.relative_to(directory)).lower()
        syntax = "ubl" if "ubl" in lowered else "cii" if "cii" in lowered else None
        if syntax is not None:
            scenario = next((word for word in SCENARIO_WORDS if word in lowered), None)
            found.append(Stylesheet(path, syntax, scenario))
    if not found:
        raise OfficialPackError(f"no UBL or CII stylesheet (*.xsl, *.xslt) or schema (*.sch) found below {directory}")
    return found


def compile_stylesheet(processor: Any, sheet: Stylesheet) -> Any:
    """Saxon's executable for ``sheet`` (a Schematron schema is compiled to XSLT first)."""
    xslt = processor.new_xslt30_processor()
    if not sheet.is_schematron:
        return xslt.compile_stylesheet(stylesheet_file=str(sheet.path))
    from belegwerk.rules.schematron import SchematronError, compile_schematron

    try:
        text = compile_schematron(sheet.path.read_bytes()).decode("utf-8")
    except (OSError, SchematronError) as exc:
        raise OfficialPackError(f"{sheet.path.name} cannot be compiled: {exc}") from exc
    return xslt.compile_stylesheet(stylesheet_text=text)


class OfficialRunner:
    """Compiles each stylesheet once and runs them on documents (thread-safe; Saxon calls are serialised)."""

    def __init__(self, directory: Path) -> None:
        self.stylesheets = discover(directory)
        self._lock = threading.Lock()
        self._compiled: dict[Path, Any] = {}
        self._processor: Any = None

    def _executable(self, sheet: Stylesheet) -> Any:
        if self._processor is None:
            from saxonche import PySaxonProcessor

            self._processor = PySaxonProcessor(license=False)
        if sheet.path not in self._compiled:
            self._compiled[sheet.path] = compile_stylesheet(self._processor, sheet)
        return self._compiled[sheet.path]

    def findings(self, xml: bytes) -> list[Finding] | None:
        """The official findings for ``xml``, relevelled by its scenario; None if no stylesheet applies."""
        from belegwerk.xml.safe import UnreadableXML, parse_xml

        try:
            root = parse_xml(xml)
        except UnreadableXML:
            return None  # we never hand Saxon what our hardened parser refuses
        selection = select(root)
        if selection is None:
            return None
        syntax = "cii" if selection.syntax == "cii" else "ubl"
        sheets = [s for s in self.stylesheets if s.applies(syntax, selection.modules)]
        if not sheets:
            return None
        out: list[Finding] = []
        with self._lock:
            try:
                node = self._processor_node(xml)
                for sheet in sheets:
                    svrl = self._executable(sheet).transform_to_string(xdm_node=node)
                    out.extend(parse_svrl(svrl.encode("utf-8"), sheet.name))
            except Exception as exc:  # Saxon reports XPath and compile errors as generic exceptions
                raise OfficialPackError(f"the official stylesheet could not be run: {exc}") from exc
        return relevel(out, dict(selection.levels)) if selection.levels else out

    def _processor_node(self, xml: bytes) -> Any:
        if self._processor is None:
            from saxonche import PySaxonProcessor

            self._processor = PySaxonProcessor(license=False)
        return self._processor.parse_xml(xml_text=xml.decode("utf-8"))


def parse_svrl(svrl: bytes, ruleset: str) -> list[Finding]:
    """Failed assertions and successful reports of an SVRL result, as findings."""
    root = etree.fromstring(svrl, etree.XMLParser(resolve_entities=False, no_network=True))
    out: list[Finding] = []
    for el in root.iter(f"{{{SVRL}}}failed-assert", f"{{{SVRL}}}successful-report"):
        text = " ".join("".join(str(t) for t in el.itertext()).split())
        severity = _FLAGS.get((el.get("flag") or "fatal").lower(), Severity.FATAL)
        out.append(Finding(el.get("id") or "?", severity, text, el.get("location") or "", ruleset))
    return out


@cache
def configured_runner(directory: str) -> OfficialRunner:
    return OfficialRunner(Path(directory))


def runner_from_environment() -> OfficialRunner | None:
    """The runner for ``BELEGWERK_SCHEMATRON_DIR``, or None when no official packs are configured."""
    directory = os.environ.get(ENV)
    return configured_runner(directory) if directory else None
