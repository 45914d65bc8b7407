"""``belegwerk einvoice validate``: validate e-invoice files or whole directories from the shell.

Exit codes are meant for scripts and CI: 0 all documents valid, 1 at least one invalid,
2 at least one unreadable (not XML, hostile, too large). With ``--json`` every document is one
JSON object per line (``file``, ``valid``, ``fatal``, ``warnings``, ...), so output can be piped
into ``jq`` or a log shipper.
"""

from __future__ import annotations

import importlib
import json
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

from belegwerk.rules.engine import Severity
from belegwerk.rules.report import ValidationReport
from belegwerk.rules.validate import unreadable, validate_bytes, validate_path

if TYPE_CHECKING:
    from belegwerk.rules.official import OfficialRunner

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2

PdfExtractor = Callable[[bytes], bytes | None]


def _pdf_extractor() -> PdfExtractor | None:
    """The Factur-X/ZUGFeRD XML extractor of ``belegwerk.einvoice.facturx``, if that module exists."""
    try:
        module = importlib.import_module("belegwerk.einvoice.facturx")
    except ModuleNotFoundError:
        return None
    for name in ("extract_xml", "extract"):
        fn = getattr(module, name, None)
        if callable(fn):
            return fn  # type: ignore[no-any-return]
    return None


def collect_files(paths: Iterable[Path], *, with_pdf: bool) -> list[Path]:
    """The files to validate: given files as they are, directories searched recursively."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = [f for f in p.rglob("*") if f.is_file() and f.suffix.lower() == ".xml"]
            if with_pdf:
                found += [f for f in p.rglob("*") if f.is_file() and f.suffix.lower() == ".pdf"]
            out.extend(sorted(found))
        else:
            out.append(p)
    return out


def validate_file(path: Path, extractor: PdfExtractor | None) -> ValidationReport | None:
    """Validate one file; a PDF goes through the Factur-X extractor. None = skipped (PDF without extractor)."""
    if path.suffix.lower() != ".pdf":
        return validate_path(path)
    if extractor is None:
        return None
    try:
        xml = extractor(path.read_bytes())
    except Exception as exc:  # the extractor reads untrusted PDFs; any failure means "unreadable"
        return unreadable(f"the PDF could not be read ({exc})", str(path))
    if not xml:
        return unreadable("the PDF carries no embedded e-invoice XML", str(path))
    return validate_bytes(xml, str(path))


def add_second_opinion(
    report: ValidationReport, path: Path, extractor: PdfExtractor | None, runner: OfficialRunner
) -> None:
    """Run the official packs on the same XML and keep their findings in the report."""
    raw = path.read_bytes()
    data = extractor(raw) if path.suffix.lower() == ".pdf" and extractor is not None else raw
    report.official = runner.findings(data) if data else None


def exit_code(reports: Iterable[ValidationReport]) -> int:
    code = EXIT_VALID
    for r in reports:
        if not r.readable:
            return EXIT_UNREADABLE
        if not r.valid:
            code = EXIT_INVALID
    return code


def _json_line(report: ValidationReport) -> str:
    return json.dumps(
        {
            "file": report.source,
            "valid": report.valid,
            "readable": report.readable,
            "reason": report.unreadable_reason,
            "syntax": report.syntax,
            "scenario": report.scenario,
            "fatal": report.fatal,
            "warnings": report.warnings,
            **(
                {"official_fatal": report.official_fatal, "agrees": report.agrees_with_official}
                if report.official is not None
                else {}
            ),
        },
        ensure_ascii=False,
    )


def _print_human(console: Console, report: ValidationReport) -> None:
    if not report.readable:
        verdict = "[bold white on grey30] UNREADABLE [/]"
    elif report.valid:
        verdict = "[bold white on green] VALID [/]"
    else:
        verdict = "[bold white on red] INVALID [/]"
    console.print(f"{verdict} {report.source}  [dim]{report.scenario or report.syntax or ''}[/]")
    if not report.readable:
        console.print(f"  {report.unreadable_reason}")
        return
    if report.official is not None:
        agree = "[green]agrees[/]" if report.agrees_with_official else "[red]DISAGREES[/]"
        console.print(f"  official packs: fatal {', '.join(report.official_fatal or []) or 'none'} — {agree}")
    shown = [f for f in report.findings if f.severity is not Severity.INFORMATION]
    if not shown:
        return
    table = Table(show_header=True, header_style="bold", expand=False)
    table.add_column("Rule")
    table.add_column("Severity")
    table.add_column("Message", overflow="fold")
    table.add_column("Location", overflow="fold")
    order = {Severity.FATAL: 0, Severity.WARNING: 1}
    for f in sorted(shown, key=lambda f: (order.get(f.severity, 2), f.rule_id)):
        style = "red" if f.severity is Severity.FATAL else "yellow"
        table.add_row(f.rule_id, f"[{style}]{f.severity}[/]", f.message, f.location)
    console.print(table)


def validate(
    paths: list[Path] = typer.Argument(..., help="E-invoice files (XML, Factur-X PDF) or directories."),
    json_output: bool = typer.Option(False, "--json", help="One JSON object per document and line."),
    official: Path | None = typer.Option(
        None,
        "--official",
        help="Directory of official Schematron XSLT packs to run with Saxon as a second opinion "
        "(default: BELEGWERK_SCHEMATRON_DIR).",
    ),
) -> None:
    """Validate e-invoices (UBL, CII; XRechnung, Peppol BIS) against EN 16931 and their specification."""
    from belegwerk.rules.official import OfficialPackError, OfficialRunner, runner_from_environment

    try:
        runner = OfficialRunner(official) if official is not None else runner_from_environment()
    except OfficialPackError as exc:
        Console(stderr=True).print(f"error: {exc}")
        raise typer.Exit(EXIT_UNREADABLE) from None
    extractor = _pdf_extractor()
    console = Console(highlight=False)
    err = Console(stderr=True, highlight=False)
    reports: list[ValidationReport] = []
    for path in collect_files(paths, with_pdf=extractor is not None):
        report = validate_file(path, extractor)
        if report is None:
            err.print(f"skipped {path}: PDF e-invoices need the Factur-X extractor, which is not installed")
            continue
        if runner is not None and report.readable:
            add_second_opinion(report, path, extractor, runner)
        reports.append(report)
        if json_output:
            sys.stdout.write(_json_line(report) + "\n")
        else:
            _print_human(console, report)
    if not reports:
        err.print("no documents to validate")
    elif not json_output:
        valid = sum(1 for r in reports if r.valid)
        console.print(f"{len(reports)} document(s): {valid} valid, {len(reports) - valid} not valid")
    raise typer.Exit(exit_code(reports))
