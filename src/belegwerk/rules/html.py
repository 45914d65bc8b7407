"""Human-readable HTML rendering of a :class:`~belegwerk.rules.report.ValidationReport`.

Everything in a report can come from an untrusted document (file names, element paths, values
quoted in messages), so the template runs with Jinja2 autoescaping always on.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from jinja2 import Environment, PackageLoader, select_autoescape

if TYPE_CHECKING:
    from belegwerk.rules.report import ValidationReport

_ORDER = {"fatal": 0, "warning": 1, "information": 2}


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("belegwerk.rules", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(report: ValidationReport) -> str:
    """The report as a standalone HTML page: verdict first, then findings, fatal ones on top."""
    findings = sorted(report.findings, key=lambda f: (_ORDER.get(str(f.severity), 3), f.rule_id))
    counts = {name: sum(1 for f in report.findings if str(f.severity) == name) for name in _ORDER}
    template = _environment().get_template("validation_report.html")
    return template.render(report=report, findings=findings, counts=counts)
