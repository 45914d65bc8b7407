"""Reader for the VEFA ``testSet`` files used by the EN 16931 and Peppol rule unit tests.

Each ``<test>`` holds an expectation (``<success>`` = rule must not fire; ``<error>`` /
``<warning>`` = rule must fire with that flag, ``number="N"`` = exactly N times) and an inline
document fragment. The fragment is copied into a document of its own so rules see it as root.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from belegwerk.rules.engine import Finding, Severity

VEFA = "http://difi.no/xsd/vefa/validator/1.0"
_KINDS = {"success": None, "error": Severity.FATAL, "fatal": Severity.FATAL, "warning": Severity.WARNING}


@dataclass(frozen=True)
class Expectation:
    kind: str  # success | error | warning
    rule_id: str
    count: int | None


@dataclass(frozen=True)
class VefaCase:
    file: Path
    index: int
    configuration: str
    description: str
    expectations: tuple[Expectation, ...]
    document: etree._Element

    @property
    def name(self) -> str:
        return f"{self.file.parent.name}/{self.file.name}#{self.index}"


def load_testset(path: Path) -> list[VefaCase]:
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    root = tree.getroot()
    configuration = root.get("configuration", "")
    cases: list[VefaCase] = []
    for i, test in enumerate(root.iterfind(f"{{{VEFA}}}test"), start=1):
        assert_el = test.find(f"{{{VEFA}}}assert")
        expectations: list[Expectation] = []
        description = ""
        if assert_el is not None:
            description = (assert_el.findtext(f"{{{VEFA}}}description") or "").strip()
            for child in assert_el:
                if not isinstance(child.tag, str):
                    continue
                kind = etree.QName(child).localname
                if kind in _KINDS:
                    number = child.get("number")
                    expectations.append(Expectation(kind, (child.text or "").strip(), int(number) if number else None))
        docs = [c for c in test if isinstance(c.tag, str) and etree.QName(c).namespace != VEFA]
        if len(docs) != 1:
            continue
        document = etree.fromstring(etree.tostring(copy.deepcopy(docs[0])))
        cases.append(VefaCase(path, i, configuration, description, tuple(expectations), document))
    return cases


def load_testsets(paths: Iterable[Path]) -> list[VefaCase]:
    out: list[VefaCase] = []
    for p in sorted(paths):
        out.extend(load_testset(p))
    return out


def check_case(case: VefaCase, evaluate: Callable[[etree._Element], list[Finding]]) -> list[str]:
    """Return human-readable mismatches (empty list = the case passes)."""
    findings = evaluate(case.document)
    problems: list[str] = []
    for exp in case.expectations:
        fired = [f for f in findings if f.rule_id == exp.rule_id]
        want = _KINDS[exp.kind]
        if want is None:
            if fired:
                problems.append(f"{case.name}: {exp.rule_id} must not fire but fired {len(fired)}x")
            continue
        if not fired:
            problems.append(f"{case.name}: {exp.rule_id} must fire ({exp.kind}) but did not")
            continue
        if exp.count is not None and len(fired) != exp.count:
            problems.append(f"{case.name}: {exp.rule_id} must fire {exp.count}x but fired {len(fired)}x")
        wrong = {f.severity for f in fired if f.severity is not want}
        if wrong:
            problems.append(f"{case.name}: {exp.rule_id} fired with severity {sorted(wrong)}, expected {want}")
    return problems
