"""``belegwerk archive …``: verify, chain heads, auditor export, retention, master-data import.

Mounted in :mod:`belegwerk.cli` as ``app.add_typer(archive_app, name="archive")``. Problems the
operator can fix end in one line on stderr and exit code 2; a failed verification exits 1.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from functools import wraps
from pathlib import Path
from typing import Annotated, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.orm import Session

from belegwerk import tenancy
from belegwerk.archive import access, dossiers, export, records, verify
from belegwerk.archive.errors import ArchiveError
from belegwerk.config import ConfigError, load_settings
from belegwerk.db.engine import transaction
from belegwerk.db.models import Company, Role
from belegwerk.runtime import Runtime

app = typer.Typer(no_args_is_help=True, help="Revision-safe archive.")
retention_app = typer.Typer(no_args_is_help=True, help="Retention periods and expiry.")
app.add_typer(retention_app, name="retention")
out = Console()
err = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except (ConfigError, ArchiveError, tenancy.TenancyError) as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _runtime() -> Runtime:
    return Runtime.open(load_settings())


def _company(rt: Runtime, company_id: str) -> None:
    with transaction(rt.sessions) as s:
        if s.get(Company, company_id) is None:
            raise ArchiveError(f"unknown company {company_id}")


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ArchiveError(f"{option}: {value!r} is not a date (YYYY-MM-DD)") from None


Company_ = Annotated[str, typer.Option("--company", "-c", help="Company (Mandant) id")]


@app.command("verify")
@friendly
def verify_cmd(
    company: Annotated[str | None, typer.Option("--company", "-c", help="Only this company")] = None,
    incremental: Annotated[bool, typer.Option(help="Only manifests added since the last checkpoint")] = False,
) -> None:
    """Re-read every blob and manifest, check hashes and chains; name every altered or missing item."""
    rt = _runtime()
    try:
        with transaction(rt.sessions) as s:
            companies = [company] if company else verify.companies_with_records(s)
            reports = [verify.verify_company(s, rt.blobs, c, incremental=incremental) for c in companies]
    finally:
        rt.close()
    bad = 0
    for r in reports:
        state = "[green]ok[/]" if r.ok else f"[red]{len(r.problems)} problem(s)[/]"
        out.print(
            f"{r.company_id}: {r.manifests} manifests, {r.records} records, {r.blobs} blobs checked, "
            f"head {r.head_seq} {r.head_hash[:16]}… {state}",
            highlight=False,
        )
        for p in r.problems:
            out.print(f"  [red]ALTERED/MISSING[/] {p.line()}", highlight=False, soft_wrap=True)
        bad += len(r.problems)
    if bad:
        raise typer.Exit(1)


@app.command("head")
@friendly
def head_cmd(
    company: Company_,
    output: Annotated[Path | None, typer.Option("-o", "--output", help="Write the JSON here")] = None,
) -> None:
    """Export the signed chain head (company, head hash, count, time; HMAC + Ed25519)."""
    rt = _runtime()
    try:
        _company(rt, company)
        with transaction(rt.sessions) as s:
            signed = verify.sign_head(verify.chain_head(s, company), rt.settings)
    finally:
        rt.close()
    text = json.dumps(signed, indent=2)
    if output:
        output.write_text(text + "\n", encoding="utf-8")
        out.print(f"Wrote {output}")
    else:
        out.print_json(text)


@app.command("export")
@friendly
def export_cmd(
    company: Company_,
    date_from: Annotated[str, typer.Option("--from", help="First document date (YYYY-MM-DD)")],
    date_to: Annotated[str, typer.Option("--to", help="Last document date (YYYY-MM-DD)")],
    output: Annotated[Path, typer.Option("-o", "--output", help="New directory, or a file ending in .zip")],
    classes: Annotated[str, typer.Option("--classes", help="Comma-separated document classes")] = "",
    actor: Annotated[str, typer.Option("--as", help="Who exports (for the audit trail)")] = "cli",
) -> None:
    """Auditor data carrier (Z3): index.xml (description standard), CSV tables, documents, hashes."""
    rt = _runtime()
    try:
        _company(rt, company)
        wanted = [c.strip() for c in classes.split(",") if c.strip()] or None
        with transaction(rt.sessions) as s:
            result = export.export(
                s,
                rt.blobs,
                company,
                _day(date_from, "--from"),
                _day(date_to, "--to"),
                output,
                actor=actor,
                classes=wanted,
            )
    finally:
        rt.close()
    out.print(f"Exported {result.records} record versions in {result.files} files to {result.path}")


@app.command("import-masterdata")
@friendly
def import_masterdata_cmd(
    company: Company_,
    csv_file: Annotated[Path, typer.Argument(help="Master-data CSV (see docs/archive.md)")],
    kind: Annotated[str, typer.Option(help="vendor or customer")] = "vendor",
    deactivate_missing: Annotated[bool, typer.Option(help="Deactivate dossiers not in the file")] = False,
    actor: Annotated[str, typer.Option("--as", help="Who imports (for the audit trail)")] = "cli",
) -> None:
    """Create or update vendor/customer dossiers from a master-data CSV export."""
    try:
        data = csv_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ArchiveError(f"cannot read {csv_file}: {exc}") from exc
    rt = _runtime()
    try:
        _company(rt, company)
        with transaction(rt.sessions) as s:
            r = dossiers.import_masterdata(s, company, kind, data, actor=actor, deactivate_missing=deactivate_missing)
    finally:
        rt.close()
    out.print(
        f"{kind} dossiers: {r.created} created, {r.updated} updated, {r.unchanged} unchanged, "
        f"{r.deactivated} deactivated, {len(r.errors)} rows skipped"
    )
    for line in r.errors:
        err.print(f"  skipped {line}", highlight=False)


@app.command("grant-dossier")
@friendly
def grant_dossier_cmd(
    company: Company_,
    kind: Annotated[str, typer.Argument(help="vendor or customer")],
    number: Annotated[str, typer.Argument(help="Partner number of the dossier")],
    username: Annotated[str, typer.Argument(help="User who may read the dossier")],
    revoke: Annotated[bool, typer.Option(help="Take the grant away instead")] = False,
    actor: Annotated[str, typer.Option("--as", help="Company admin who authorises it")] = "",
) -> None:
    """Let a user (an approver) read one dossier's records, or --revoke that permission."""
    rt = _runtime()
    try:
        _company(rt, company)
        with transaction(rt.sessions) as s:
            _require_admin(s, actor, company)
            d = dossiers.get_dossier(s, company, kind, number)
            user = tenancy.get_user(s, username)
            if revoke:
                done = access.revoke_dossier(s, company, d, user, actor)
                message = f"revoked {username} on {kind} dossier {number}" if done else f"{username} had no grant"
            else:
                access.grant_dossier(s, company, d, user, actor)
                message = f"granted {username} the {kind} dossier {number}"
    finally:
        rt.close()
    out.print(message)


@retention_app.command("list")
@friendly
def retention_list(company: Company_) -> None:
    """Retention period per document class (legal minimum and this company's setting)."""
    rt = _runtime()
    try:
        _company(rt, company)
        with transaction(rt.sessions) as s:
            rows = records.retention_table(s, company)
    finally:
        rt.close()
    table = Table("class", "years", "legal minimum", "basis", title=f"Retention in {company}")
    for row in rows:
        table.add_row(row["document_class"], str(row["years"]), str(row["legal_years"]), row["basis"])
    out.print(table)


@retention_app.command("set")
@friendly
def retention_set(
    company: Company_,
    document_class: str,
    years: int,
    actor: Annotated[str, typer.Option("--as", help="Company admin")] = "",
) -> None:
    """Lengthen a class's retention period for one company."""
    rt = _runtime()
    try:
        _company(rt, company)
        with transaction(rt.sessions) as s:
            _require_admin(s, actor, company)
            records.set_retention(s, company, document_class, years, actor=actor)
    finally:
        rt.close()
    out.print(f"{document_class}: {years} years in {company}")


def _require_admin(session: Session, username: str, company: str) -> None:
    if not username:
        raise ArchiveError("--as USER is required: a company admin must authorise this")
    user = tenancy.get_user(session, username)
    if tenancy.role_in(session, user, company) is not Role.ADMIN:
        raise ArchiveError(f"{username} is not an admin of {company}")


@retention_app.command("expire")
@friendly
def retention_expire(
    company: Company_,
    delete: Annotated[
        list[str] | None, typer.Option("--delete", help="Record uid to delete (repeatable); needs --confirm")
    ] = None,
    confirm: Annotated[bool, typer.Option(help="Confirm the deletion of the given records")] = False,
    actor: Annotated[str, typer.Option("--as", help="Company admin who authorises the deletion")] = "",
    reason: Annotated[str, typer.Option(help="Reason recorded in the deletion protocol")] = "retention period ended",
) -> None:
    """List records whose retention has ended; with --delete UID --confirm --as ADMIN, dispose of them."""
    rt = _runtime()
    try:
        _company(rt, company)
        with transaction(rt.sessions) as s:
            if delete:
                _require_admin(s, actor, company)
                for uid in delete:
                    records.dispose(
                        s,
                        rt.blobs,
                        company_id=company,
                        record_uid=uid,
                        actor=actor,
                        role=Role.ADMIN,
                        reason=reason,
                        confirm=confirm,
                    )
                    out.print(f"deleted {uid} (protocol written)")
                return
            due = records.expiring(s, company)
    finally:
        rt.close()
    table = Table("record uid", "latest id", "class", "versions", "retained until", "hold", title="Retention ended")
    for e in due:
        table.add_row(
            e.record_uid,
            str(e.latest_id),
            e.document_class,
            str(e.versions),
            e.retain_until.isoformat(),
            "HOLD" if e.on_hold else "",
        )
    out.print(table)
