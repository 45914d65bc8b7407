"""The validation report: verdict plus findings, exportable as JSON and HTML."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from belegwerk.rules.engine import Finding, Severity


@dataclass
class ValidationReport:
    """Outcome of validating one document.

    ``readable`` is False when the bytes could not be parsed at all (then ``unreadable_reason``
    says why and the only finding is a fatal ``XML-PARSE``). A readable document is valid when no
    finding is fatal.
    """

    source: str | None = None
    syntax: str | None = None
    specification: str | None = None
    scenario: str | None = None
    rulesets: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    readable: bool = True
    unreadable_reason: str | None = None
    #: Findings of the official Schematron packs run as a second opinion (None: not asked for).
    official: list[Finding] | None = None

    @property
    def valid(self) -> bool:
        return self.readable and not any(f.severity is Severity.FATAL for f in self.findings)

    def rule_ids(self, severity: Severity) -> list[str]:
        return sorted({f.rule_id for f in self.findings if f.severity is severity})

    @property
    def fatal(self) -> list[str]:
        return self.rule_ids(Severity.FATAL)

    @property
    def warnings(self) -> list[str]:
        return self.rule_ids(Severity.WARNING)

    @property
    def official_fatal(self) -> list[str] | None:
        if self.official is None:
            return None
        return sorted({f.rule_id for f in self.official if f.severity is Severity.FATAL})

    @property
    def agrees_with_official(self) -> bool | None:
        """Whether our fatal Schematron rule ids equal the official pack's (XSD and parse ids are ours alone)."""
        official = self.official_fatal
        if official is None:
            return None
        ours = [r for r in self.fatal if r not in ("XSD", "XML-PARSE")]
        return ours == official

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: verdict, context and every finding (rule id, severity, message, location)."""
        return {
            "source": self.source,
            "readable": self.readable,
            "unreadable_reason": self.unreadable_reason,
            "valid": self.valid,
            "syntax": self.syntax,
            "specification": self.specification,
            "scenario": self.scenario,
            "rulesets": list(self.rulesets),
            "fatal": self.fatal,
            "warnings": self.warnings,
            "findings": [
                {
                    "rule_id": f.rule_id,
                    "severity": str(f.severity),
                    "message": f.message,
                    "location": f.location,
                    "ruleset": f.ruleset,
                }
                for f in self.findings
            ],
            "official": None
            if self.official is None
            else {
                "fatal": self.official_fatal,
                "warnings": sorted({f.rule_id for f in self.official if f.severity is Severity.WARNING}),
                "agrees": self.agrees_with_official,
            },
        }

    def to_json(self, *, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    def to_html(self) -> str:
        """A standalone, escaped HTML page of the report (see :mod:`belegwerk.rules.html`)."""
        from belegwerk.rules.html import render_report

        return render_report(self)
