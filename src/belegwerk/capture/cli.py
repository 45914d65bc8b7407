"""``belegwerk capture FILE``: read an invoice (XML, PDF, scan, photo) and show its fields.

The lead mounts :func:`capture` as a sub-command; it is a plain function so it can be registered on any
Typer app.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

from belegwerk.capture.errors import CaptureError
from belegwerk.capture.model import CaptureResult
from belegwerk.capture.settings import DEFAULT_SETTINGS


def _json_value(value: Any) -> Any:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value


def result_to_json(result: CaptureResult) -> dict[str, Any]:
    """The JSON shape of the CLI and the API: source plus BT-keyed fields with confidence and position."""
    fields: dict[str, Any] = {}
    for key, f in result.fields.items():
        fields[key] = {
            "value": _json_value(f.value),
            "confidence": round(f.confidence, 3),
            "page": f.page,
            "bbox": [round(c, 1) for c in f.bbox] if f.bbox else None,
        }
    out: dict[str, Any] = {"source": result.source.value, "input": result.input_kind.value, "pages": result.pages}
    out["fields"] = fields
    if result.vendor_number:
        out["vendor"] = result.vendor_number
    if result.barcodes:
        out["barcodes"] = [{"format": b.format, "text": b.text, "page": b.page} for b in result.barcodes]
    if result.warnings:
        out["warnings"] = result.warnings
    return out


def _short(value: Any) -> str:
    if isinstance(value, list):
        return f"{len(value)} rows"
    text = str(_json_value(value))
    return text if len(text) <= 60 else text[:57] + "..."


def _order(key: str) -> tuple[int, int, str]:
    """BT terms by number, then groups, then extension keys."""
    prefix, _, number = key.partition("-")
    rank = {"BT": 0, "BG": 1}.get(prefix, 2)
    return (rank, int(number) if number.isdigit() else 0, key)


def capture(
    file: Path,
    masterdata: Path | None = typer.Option(None, "--masterdata", help="Vendor master data CSV to match the seller."),
    json_output: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    no_embedded: bool = typer.Option(False, "--no-embedded", help="Ignore XML embedded in a PDF; read the text."),
) -> None:
    """Read an invoice (e-invoice XML, PDF, scan or photo) and show every field with its confidence."""
    from belegwerk.capture.pipeline import capture_file

    settings = replace(DEFAULT_SETTINGS, use_embedded_xml=not no_embedded)
    console = Console()
    try:
        result = capture_file(file, settings)
        if masterdata is not None:
            from belegwerk.capture.masterdata import apply_vendor_match, load_vendors

            apply_vendor_match(result, load_vendors(masterdata))
    except CaptureError as exc:
        if json_output:
            print(json.dumps({"error": exc.reason}, ensure_ascii=False))
        else:
            console.print(f"[red]Cannot capture {file}:[/red] {exc.reason}")
        raise typer.Exit(code=2) from exc
    if json_output:
        print(json.dumps(result_to_json(result), ensure_ascii=False, indent=2))
        return
    table = Table(title=f"{file.name} — {result.input_kind.value}, read from {result.source.value}")
    table.add_column("field")
    table.add_column("value")
    table.add_column("confidence", justify="right")
    table.add_column("page", justify="right")
    for key, f in sorted(result.fields.items(), key=lambda kv: _order(kv[0])):
        colour = "green" if f.confidence >= 0.8 else "yellow" if f.confidence >= 0.5 else "red"
        table.add_row(key, _short(f.value), f"[{colour}]{f.confidence:.2f}[/{colour}]", str(f.page or ""))
    console.print(table)
    if result.vendor_number:
        console.print(f"Vendor master data: [bold]{result.vendor_number}[/bold]")
    for b in result.barcodes:
        console.print(f"Barcode {b.format} on page {b.page}: {b.text[:80]}")
    for w in result.warnings:
        console.print(f"[yellow]Note:[/yellow] {w}")
