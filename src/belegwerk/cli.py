"""The ``belegwerk`` command.

Sub-commands live next to the code they drive (``<package>/cli.py``) and are mounted here, so
this module stays a table of contents.
"""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, help="Belegwerk: business documents from arrival to archive.")


def _mount() -> None:
    from belegwerk.einvoice.cli import app as einvoice_app
    from belegwerk.rules.cli import validate

    einvoice_app.command("validate")(validate)
    app.add_typer(einvoice_app, name="einvoice", help="Inspect, validate, render and convert e-invoices.")


_mount()


def main() -> None:
    app()
