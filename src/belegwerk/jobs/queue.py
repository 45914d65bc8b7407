"""The job queue.

Task decorators need a Huey instance at import time, but the storage depends on settings known
only at start-up; so the instance is created here with an in-memory placeholder and
:func:`configure` swaps in SQLite storage (embedded default, a file in the data directory) or
Redis storage (``BELEGWERK_REDIS_URL``, for several worker machines).
"""

from __future__ import annotations

import threading

from huey import Huey
from huey.consumer import Consumer
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from belegwerk.runtime import Runtime

huey = Huey("belegwerk", storage_class=MemoryStorage, utc=True)

_state: dict[str, Runtime] = {}
_lock = threading.Lock()


def configure(runtime: Runtime) -> Huey:
    """Point the queue at the configured storage and remember the runtime tasks should use."""
    settings = runtime.settings
    with _lock:
        if settings.redis_url:
            huey.storage = RedisStorage(name="belegwerk", url=settings.redis_url)
        else:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
            huey.storage = SqliteStorage(name="belegwerk", filename=str(settings.data_dir / "jobs.db"))
        _state["runtime"] = runtime
    # Import so the consumer's registry knows every task and periodic task.
    from belegwerk.jobs import schedule, tasks  # noqa: F401

    return huey


def current_runtime() -> Runtime:
    """The runtime of this process (set by :func:`configure`)."""
    try:
        return _state["runtime"]
    except KeyError:
        raise RuntimeError("the job queue is not configured; call belegwerk.jobs.queue.configure first") from None


class EmbeddedConsumer(Consumer):  # type: ignore[misc]
    """A consumer living inside the web server process.

    The server owns the process signals (and may start us from a non-main thread), so the
    consumer must not install its own handlers; the server's shutdown stops it instead.
    """

    def _set_signal_handlers(self) -> None:
        return None


def start_consumer(threads: int) -> Consumer:
    """Start a consumer in this process (non-blocking); call ``stop(graceful=True)`` to end it."""
    consumer = EmbeddedConsumer(
        huey, workers=threads, worker_type="thread", periodic=True, initial_delay=0.05, max_delay=1.0
    )
    consumer.start()
    return consumer
