"""The ``belegwerk`` command.

Operations commands (serve, worker, db, config, audit, demo, users) live here; domain commands
live next to the code they drive (``<package>/cli.py``) and are mounted in :func:`_mount`.
Configuration problems end in one line on stderr naming the setting, exit code 2.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from belegwerk.config import ConfigError, Settings, load_settings

app = typer.Typer(no_args_is_help=True, help="Belegwerk: business documents from arrival to archive.")
db_app = typer.Typer(no_args_is_help=True, help="Database schema.")
config_app = typer.Typer(no_args_is_help=True, help="Configuration.")
audit_app = typer.Typer(no_args_is_help=True, help="Audit trail.")
user_app = typer.Typer(no_args_is_help=True, help="Users, company permissions and API tokens.")
company_app = typer.Typer(no_args_is_help=True, help="Companies (Mandanten).")
app.add_typer(db_app, name="db")
app.add_typer(config_app, name="config")
app.add_typer(audit_app, name="audit")
app.add_typer(user_app, name="user")
app.add_typer(company_app, name="company")

out = Console()
err = Console(stderr=True)
P = ParamSpec("P")
R = TypeVar("R")


def friendly(func: Callable[P, R]) -> Callable[P, R]:
    """Turn ConfigError (and service-level refusals) into one clear line and exit code 2."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        from belegwerk.tenancy import TenancyError

        try:
            return func(*args, **kwargs)
        except (ConfigError, TenancyError) as exc:
            err.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None

    return wrapper


def _settings() -> Settings:
    settings = load_settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(max(logging.WARNING, logging.getLevelName(settings.log_level)))
    return settings


def _runtime(require_migrated: bool = True) -> Any:
    from belegwerk.runtime import Runtime

    return Runtime.open(_settings(), require_migrated=require_migrated)


# --- config --------------------------------------------------------------------------------------


@config_app.command("show")
@friendly
def config_show() -> None:
    """Print the effective settings (secrets masked)."""
    settings = _settings()
    table = Table("setting", "value", title="Effective settings")
    for key, value in settings.shown().items():
        table.add_row(key, value)
    out.print(table)
    out.print(f"rule packs: {_rule_packs()}", markup=False)


def _rule_packs() -> str:
    """Which build of the e-invoice rule packs this installation runs (compiled or sources, and why)."""
    from belegwerk.rules import native

    return native.describe_build()


# --- db ------------------------------------------------------------------------------------------


@db_app.command("upgrade")
@friendly
def db_upgrade() -> None:
    """Create or migrate the database schema to the version this code needs."""
    from belegwerk.db.migrate import current_revision, head_revision, upgrade

    rt = _runtime(require_migrated=False)
    try:
        before = current_revision(rt.engine)
        upgrade(rt.engine)
        out.print(f"database migrated: {before or '(empty)'} → {head_revision()}")
    finally:
        rt.close()


@db_app.command("current")
@friendly
def db_current() -> None:
    """Show the schema revision of the database and of the code."""
    from belegwerk.db.migrate import current_revision, head_revision

    rt = _runtime(require_migrated=False)
    try:
        out.print(f"database: {current_revision(rt.engine) or '(not migrated)'}   code: {head_revision()}")
    finally:
        rt.close()


# --- serve / worker ------------------------------------------------------------------------------


@app.command()
@friendly
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default BELEGWERK_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default BELEGWERK_PORT)")] = None,
    worker: Annotated[bool, typer.Option("--worker/--no-worker", help="Run the job worker in-process")] = True,
) -> None:
    """Run web client + REST API (and, unless told otherwise, the job worker) in one process."""
    rt = _runtime()
    _serve(rt, host or rt.settings.host, port or rt.settings.port, worker and rt.settings.in_process_worker)


def _serve(rt: Any, host: str, port: int, run_worker: bool) -> None:
    import uvicorn

    from belegwerk.api.app import create_app

    application = create_app(rt, run_worker=run_worker)
    out.print(f"Belegwerk listening on [bold]http://{host}:{port}/[/]  (API docs: /api/docs)")
    out.print(f"rule packs: {_rule_packs()}", markup=False)
    sys.stdout.flush()
    uvicorn.run(application, host=host, port=port, log_level=rt.settings.log_level.lower())


@app.command("worker")
@friendly
def worker_cmd(threads: Annotated[int | None, typer.Option(help="Worker threads")] = None) -> None:
    """Run a job consumer (for scaling out; `serve` runs one in-process by default)."""
    from belegwerk.jobs import queue
    from belegwerk.jobs.schedule import resume_pending_documents

    rt = _runtime()
    queue.configure(rt)
    resume_pending_documents()
    consumer = queue.huey.create_consumer(workers=threads or rt.settings.worker_threads, worker_type="thread")
    out.print("Belegwerk worker started")
    out.print(f"rule packs: {_rule_packs()}", markup=False)
    consumer.run()


# --- audit ---------------------------------------------------------------------------------------


@audit_app.command("verify")
@friendly
def audit_verify(company: Annotated[str | None, typer.Option(help="Only this company's chain")] = None) -> None:
    """Recompute the audit hash chains and report the first broken link of each."""
    from belegwerk.archive import audit
    from belegwerk.db.engine import transaction

    rt = _runtime()
    try:
        with transaction(rt.sessions) as session:
            reports = audit.verify(session, company)
    finally:
        rt.close()
    table = Table("chain", "events", "result")
    for r in reports:
        result = (
            "[green]intact[/]" if r.ok else f"[red]BROKEN at event {r.broken_seq} (row id {r.broken_id}): {r.reason}[/]"
        )
        table.add_row(r.chain, str(r.events), result)
    out.print(table)
    if any(not r.ok for r in reports):
        raise typer.Exit(1)


# --- users and companies -------------------------------------------------------------------------


@company_app.command("create")
@friendly
def company_create(company_id: str, name: str) -> None:
    """Create a company (Mandant)."""
    from belegwerk import tenancy
    from belegwerk.db.engine import transaction

    rt = _runtime()
    try:
        with transaction(rt.sessions) as session:
            tenancy.create_company(session, company_id, name, actor="cli")
    finally:
        rt.close()
    out.print(f"company {company_id} created")


@user_app.command("create")
@friendly
def user_create(
    username: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
    display_name: Annotated[str, typer.Option()] = "",
    system_admin: Annotated[bool, typer.Option("--system-admin")] = False,
) -> None:
    """Create a user."""
    from belegwerk import tenancy
    from belegwerk.db.engine import transaction

    rt = _runtime()
    try:
        with transaction(rt.sessions) as session:
            tenancy.create_user(
                session, username, password, actor="cli", display_name=display_name, system_admin=system_admin
            )
    finally:
        rt.close()
    out.print(f"user {username} created")


@user_app.command("grant")
@friendly
def user_grant(username: str, company_id: str, role: str) -> None:
    """Give USERNAME permission to work in COMPANY_ID with ROLE (admin, power_user, approver, auditor)."""
    from belegwerk import tenancy
    from belegwerk.db.engine import transaction
    from belegwerk.db.models import Role

    try:
        role_value = Role(role)
    except ValueError:
        raise ConfigError(f"role must be one of {', '.join(r.value for r in Role)}") from None
    rt = _runtime()
    try:
        with transaction(rt.sessions) as session:
            tenancy.grant(session, tenancy.get_user(session, username), company_id, role_value, actor="cli")
    finally:
        rt.close()
    out.print(f"{username} is {role_value.value} in {company_id}")


@user_app.command("token")
@friendly
def user_token(username: str, name: Annotated[str, typer.Option()] = "cli") -> None:
    """Issue an API token for USERNAME (printed once)."""
    from belegwerk import tenancy
    from belegwerk.db.engine import transaction

    rt = _runtime()
    try:
        with transaction(rt.sessions) as session:
            issued = tenancy.create_token(session, tenancy.get_user(session, username), name, actor="cli")
    finally:
        rt.close()
    out.print(issued.secret)


# --- demo ----------------------------------------------------------------------------------------


@app.command()
@friendly
def demo(
    port: Annotated[int | None, typer.Option(help="Port (default BELEGWERK_PORT)")] = None,
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Only prepare the demo data")] = False,
) -> None:
    """Create the data directory, migrate, seed the demo company "Muster GmbH" and start the server."""
    from belegwerk import demo as demo_data
    from belegwerk.db.engine import transaction
    from belegwerk.db.migrate import upgrade

    rt = _runtime(require_migrated=False)
    upgrade(rt.engine)
    with transaction(rt.sessions) as session:
        creds = [] if demo_data.demo_exists(session) else demo_data.seed(session, rt.blobs)
    if creds:
        table = Table(
            "user", "role", "password", title=f"Demo company {demo_data.DEMO_COMPANY_NAME} — passwords are shown once"
        )
        for c in creds:
            table.add_row(c.username, c.role.label, c.password)
        out.print(table)
    else:
        out.print(
            "Demo data already present (passwords were shown when it was created; `belegwerk user create` adds users)."
        )
    out.print(f"Data directory: {rt.settings.data_dir.resolve()}")
    if not no_serve:
        _serve(rt, host or rt.settings.host, port or rt.settings.port, rt.settings.in_process_worker)


def _mount() -> None:
    """Mount the domain commands that live in their own packages."""
    from belegwerk.archive.cli import app as archive_app
    from belegwerk.capture.cli import capture
    from belegwerk.einvoice.cli import app as einvoice_app
    from belegwerk.rules.cli import validate

    einvoice_app.command("validate")(validate)
    app.add_typer(einvoice_app, name="einvoice")
    app.command("capture")(capture)
    app.add_typer(archive_app, name="archive")


_mount()


def main() -> None:
    app()
