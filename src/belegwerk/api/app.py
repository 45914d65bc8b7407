"""The ASGI application: REST API, web client, health endpoints, and (optionally) the worker."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text

from belegwerk import __version__
from belegwerk.api import archive as archive_api
from belegwerk.api import v1
from belegwerk.jobs import queue
from belegwerk.runtime import Runtime

log = logging.getLogger("belegwerk")


def create_app(runtime: Runtime, *, run_worker: bool = False) -> FastAPI:
    """Build the app around an opened runtime. ``run_worker`` starts an in-process job consumer."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        queue.configure(runtime)
        consumer = None
        if run_worker:
            from belegwerk.jobs.schedule import resume_pending_documents

            resume_pending_documents()  # documents received while no worker ran (e.g. the demo's samples)
            consumer = queue.start_consumer(runtime.settings.worker_threads)
        try:
            yield
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)

    app = FastAPI(
        title="Belegwerk",
        version=__version__,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.include_router(v1.router)
    app.include_router(archive_api.router)

    from belegwerk.web.archive_routes import router as web_archive_router
    from belegwerk.web.routes import router as web_router

    app.include_router(web_router)
    app.include_router(web_archive_router)
    static = resources.files("belegwerk.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"])
    def readyz() -> JSONResponse:
        """Readiness: database reachable and blob storage writable."""
        checks: dict[str, str] = {}
        try:
            with runtime.engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            checks["database"] = "ok"
        except Exception as exc:  # report, don't crash: this endpoint exists to say what is wrong
            checks["database"] = f"error: {type(exc).__name__}"
        try:
            runtime.blobs.check()
            checks["storage"] = "ok"
        except OSError as exc:
            checks["storage"] = f"error: {exc.strerror or exc}"
        ready = all(v == "ok" for v in checks.values())
        return JSONResponse({"status": "ok" if ready else "unavailable", **checks}, status_code=200 if ready else 503)

    from belegwerk.web.routes import CsrfFailed, LoginRequired

    @app.exception_handler(LoginRequired)
    async def _login(_request: Request, _exc: LoginRequired) -> RedirectResponse:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(_request: Request, _exc: CsrfFailed) -> PlainTextResponse:
        return PlainTextResponse("CSRF token missing or wrong. Reload the page and try again.", status_code=403)

    return app
