"""The validation report: verdict plus findings, exportable as JSON and HTML."""

from __future__ import annotations

from dataclasses import dataclass, field

from belegwerk.rules.engine import Finding, Severity


@dataclass
class ValidationReport:
    """Outcome of validating one document.

    ``readable`` is False when the bytes could not be parsed at all (then ``unreadable_reason``
    says why and there are no findings). A readable document is valid when no finding is fatal.
    """

    source: str | None = None
    syntax: str | None = None
    specification: str | None = None
    scenario: str | None = None
    rulesets: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    readable: bool = True
    unreadable_reason: str | None = None

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
