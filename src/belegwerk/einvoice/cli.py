"""``belegwerk einvoice ...``: inspect, render and convert e-invoices from the command line.

Exit codes: 0 success, 1 the requested output could not be produced, 2 the input (or an option)
is unusable. Errors are one line on stderr, so scripts can log them as they are.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from belegwerk.domain.invoice import to_bt_fields
from belegwerk.domain.terms import GROUP_LABELS, TERM_LABELS
from belegwerk.einvoice.detect import UnreadableDocument
from belegwerk.einvoice.loader import LoadedInvoice, load
from belegwerk.xml.safe import UnreadableXML

app = typer.Typer(no_args_is_help=True, help="Inspect, render and convert e-invoices (UBL, CII, Factur-X).")

EXIT_FAILED = 1
EXIT_UNUSABLE_INPUT = 2


class Target(StrEnum):
    """Output syntaxes of ``convert``."""

    UBL = "ubl"
    CII = "cii"
    FACTURX = "facturx"


def _fail(message: str, code: int) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _load(file: Path) -> LoadedInvoice:
    try:
        data = file.read_bytes()
    except OSError as exc:
        _fail(f"{file}: cannot read the file ({exc.strerror or exc})", EXIT_UNUSABLE_INPUT)
    try:
        return load(data)
    except (UnreadableDocument, UnreadableXML) as exc:
        _fail(f"{file}: {exc.reason}", EXIT_UNUSABLE_INPUT)


def _write(output: Path | None, data: bytes) -> None:
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        _fail(f"{output}: cannot write the file ({exc.strerror or exc})", EXIT_FAILED)


def _human_lines(fields: dict[str, Any], indent: str = "") -> list[str]:
    lines: list[str] = []
    for key, value in fields.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"{indent}{key} {GROUP_LABELS.get(key, '')}")
            for number, entry in enumerate(value, start=1):
                lines.append(f"{indent}  #{number}")
                lines.extend(_human_lines(entry, indent + "    "))
            continue
        if key == "BT-125":
            shown = f"<{len(value) * 3 // 4:,} bytes, base64>"
        elif isinstance(value, list):
            shown = ", ".join("" if v is None else str(v) for v in value)
        else:
            shown = str(value)
        lines.append(f"{indent}{key:<9} {TERM_LABELS.get(key, ''):<40} {shown}")
    return lines


@app.command()
def inspect(
    file: Annotated[Path, typer.Argument(help="UBL or CII XML, or a Factur-X/ZUGFeRD PDF.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print syntax, profile and fields as JSON.")] = False,
) -> None:
    """Show the syntax, the profile and every business term of an invoice."""
    loaded = _load(file)
    detection = loaded.detection
    fields = to_bt_fields(loaded.invoice)
    if as_json:
        document = {"syntax": detection.syntax.value, "profile": detection.profile.value, "fields": fields}
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    typer.echo(f"syntax:        {detection.syntax.value} ({detection.document_type})")
    if detection.attachment_name:
        typer.echo(f"embedded file: {detection.attachment_name}")
    version = f" {detection.version}" if detection.version else ""
    typer.echo(f"profile:       {detection.profile.value}{version}")
    typer.echo(f"specification: {detection.specification_id or '(none)'}")
    typer.echo("")
    for line in _human_lines(fields):
        typer.echo(line)


@app.command()
def render(
    file: Annotated[Path, typer.Argument(help="UBL or CII XML, or a Factur-X/ZUGFeRD PDF.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="Target file: .pdf or .html.")],
) -> None:
    """Render an invoice for people, as PDF or HTML (chosen by the output file's extension)."""
    from belegwerk.einvoice.render import render_html, render_pdf

    suffix = output.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        _fail(f"{output}: the output must end in .pdf or .html", EXIT_UNUSABLE_INPUT)
    invoice = _load(file).invoice
    data = render_pdf(invoice) if suffix == ".pdf" else render_html(invoice).encode("utf-8")
    _write(output, data)


@app.command()
def convert(
    file: Annotated[Path, typer.Argument(help="UBL or CII XML, or a Factur-X/ZUGFeRD PDF.")],
    to: Annotated[Target, typer.Option("--to", help="Target syntax.", case_sensitive=False)],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Target file (default: stdout).")] = None,
) -> None:
    """Convert an invoice to UBL, CII, or a Factur-X PDF (rendered, with the CII embedded)."""
    from belegwerk.einvoice.cii import write_cii
    from belegwerk.einvoice.facturx import FacturXError, build_facturx
    from belegwerk.einvoice.render import render_pdf
    from belegwerk.einvoice.ubl import write_ubl

    invoice = _load(file).invoice
    try:
        if to is Target.UBL:
            data = write_ubl(invoice)
        elif to is Target.CII:
            data = write_cii(invoice)
        else:
            data = build_facturx(render_pdf(invoice), invoice)
    except FacturXError as exc:
        _fail(str(exc), EXIT_FAILED)
    except ValueError as exc:
        _fail(f"cannot write {to.value}: {exc}", EXIT_FAILED)
    _write(output, data)
