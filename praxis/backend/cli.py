"""The ``praxis`` command: serve the API, manage the schema, discover protocols, load the demo lab."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import FrameType
from typing import TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend import run_commands
from praxis.backend.db.runtime import DatabaseTarget, resolve_database
from praxis.backend.errors import PraxisError
from praxis.backend.repositories import Repositories
from praxis.backend.settings import get_settings

app = typer.Typer(help="Praxis: the lab-automation backend.", no_args_is_help=True)
db_app = typer.Typer(help="The database: schema migrations and demo data.", no_args_is_help=True)
app.add_typer(db_app, name="db")
token_app = typer.Typer(help="API tokens: who may use the HTTP API, and for what.", no_args_is_help=True)
app.add_typer(token_app, name="token")
app.command("run")(run_commands.run)
app.add_typer(run_commands.runs_app, name="runs")
console = Console()

T = TypeVar("T")


def _target() -> DatabaseTarget:
    return resolve_database(get_settings())


def _alembic(url: str, action: str, *args: str) -> None:
    from praxis.backend.db.migrations import run_on_url

    asyncio.run(run_on_url(url, action, *args))


def _in_unit_of_work(url: str, work: Callable[[Repositories], Awaitable[T]]) -> T:
    """Run ``work`` in one unit of work: committed if it returns, rolled back if it raises."""
    from praxis.backend.db.session import create_sessionmaker
    from praxis.backend.services.unit_of_work import UnitOfWork

    async def run() -> T:
        engine = create_async_engine(url, poolclass=NullPool)
        try:
            async with UnitOfWork(create_sessionmaker(engine)) as uow:
                result = await work(uow.repos)
                await uow.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(run())


def _prepared_database(migrate: bool = False) -> DatabaseTarget:
    """The database to use; the embedded one (or any, with ``migrate``) is brought to the latest schema.

    Any other must already be there: a missing, unreachable or unmigrated database ends the command
    with one line saying what to do, not a traceback."""
    target = _target()
    if target.embedded or migrate:
        _alembic(target.url, "upgrade", "head")
    else:
        _require_schema(target.url)
    return target


def _require_schema(url: str) -> None:
    from sqlalchemy import make_url
    from sqlalchemy.exc import DBAPIError

    from praxis.backend.api.errors import INVALID_CATALOG_NAME, sqlstate_of
    from praxis.backend.db.migrations import head_revision
    from praxis.backend.services.schema import check_schema

    database = make_url(url).database
    try:
        _in_unit_of_work(url, lambda repos: check_schema(repos, head_revision(), database))
    except PraxisError as refused:
        console.print(f"[red]{refused.message}[/red]")
        raise typer.Exit(1) from None
    except (DBAPIError, OSError) as error:
        if sqlstate_of(error) == INVALID_CATALOG_NAME:
            message = f"the database {database!r} does not exist: create it, then run `praxis db upgrade`"
        else:
            where = make_url(url).render_as_string(hide_password=True)
            message = f"cannot reach the database at {where}: is PostgreSQL running there?"
        console.print(f"[red]{message}[/red]")
        raise typer.Exit(1) from None


@app.command()
def serve(
    host: str = typer.Option(None, help="Interface to bind (default: PRAXIS_HOST or 127.0.0.1)."),
    port: int = typer.Option(
        None, help="Port (default: PRAXIS_PORT or 8000); 0 takes a free one, printed once listening."
    ),
    migrate: bool = typer.Option(
        False, "--migrate", help="Upgrade an external database to the latest schema first."
    ),
    no_worker: bool = typer.Option(
        False, "--no-worker", help="Run no worker beside the API (for deployments with `praxis worker`s)."
    ),
    insecure_open: bool = typer.Option(
        False,
        "--insecure-open",
        help="INSECURE: on an address other than loopback, start without any API token and let "
        "everyone who can reach it do anything, until a token is created.",
    ),
) -> None:
    """Serve the HTTP API, with one worker executing queued runs unless --no-worker. Without
    PRAXIS_DATABASE_URL: on the embedded PostgreSQL, migrated automatically.

    On a loopback address with no API token created, the API is open (to this machine only). On any
    other address it needs a token (``praxis token create``) unless started with --insecure-open.
    """
    from praxis.backend.api.access import is_loopback
    from praxis.backend.api.server import http_server

    settings = get_settings()
    target = _prepared_database(migrate)
    host, port = host or settings.host, settings.port if port is None else port
    loopback = is_loopback(host)
    tokens = _in_unit_of_work(target.url, lambda repos: repos.api_token.any_exist())
    if not loopback and not tokens and not insecure_open:
        console.print(
            f"[red]Refusing to serve on {host} with no API token: anyone on the network could change "
            "everything. Create one first (praxis token create --name NAME --scope all), or bind "
            "127.0.0.1.[/red]"
        )
        raise typer.Exit(2)
    settings = settings.model_copy(
        update={
            "open_without_tokens": loopback or insecure_open,
            "allowed_hosts": _allowed_hosts(settings.allowed_hosts, host),
        }
    )
    where = "the embedded PostgreSQL" if target.embedded else "the configured database"

    def listening(bound_host: str, bound_port: int) -> None:
        # one line, printed once the socket is bound: with --port 0 it is how a caller learns the port
        url = f"http://{host}:{bound_port}"
        console.print(f"Praxis on {where} listening on {url}; docs at {url}/docs", soft_wrap=True)

    if not tokens:
        reach = "this machine" if loopback else f"everyone who can reach {host} (--insecure-open)"
        console.print(
            f"[yellow]No API token exists: the API is open to {reach}. "
            "'praxis token create' closes it to requests without a token.[/yellow]"
        )
    # uvicorn shuts down gracefully on SIGTERM and then raises the signal again; by default that ends
    # the process at once, skipping the exit handlers that stop the embedded server. Exit instead.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    worker = None if no_worker else _start_worker(target.url)
    try:
        http_server(settings, database_url=target.url, host=host, port=port, on_listening=listening).run()
    finally:
        if worker is not None:
            _stop_worker(worker)


def _start_worker(url: str) -> subprocess.Popen[bytes]:
    """``praxis worker`` as a child of this process, on the same database."""
    environment = {**os.environ, "PRAXIS_DATABASE_URL": url}
    return subprocess.Popen([sys.executable, "-m", "praxis.backend.cli", "worker"], env=environment)


def _stop_worker(worker: subprocess.Popen[bytes]) -> None:
    worker.terminate()
    try:
        worker.wait(10)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@app.command()
def worker() -> None:
    """Execute queued runs. Any number of workers, on any machines, may share one database; each run
    executes once. Ends on Ctrl-C or SIGTERM (a run it was executing is failed as "worker lost" by the
    next worker that looks at it)."""
    from praxis.backend.execution.worker import serve as serve_worker

    target = _prepared_database()
    console.print("Praxis worker: executing queued runs")

    async def run() -> None:
        stopped = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stopped.set)
        await serve_worker(target.url, stopped.wait)

    asyncio.run(run())


def _allowed_hosts(allowed: list[str], host: str) -> list[str]:
    """The Host names served: the configured ones, and the bound address itself when it is one (a
    client addressing the server by its IP is no rebinding; 0.0.0.0 names no host to add)."""
    if host in ("0.0.0.0", "::", "") or host in allowed:
        return allowed
    return [*allowed, host]


def _exit_on_signal(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)  # the status a shell reports for a process ended by the signal


@app.command()
def discover(
    path: Path = typer.Argument(..., help="A directory of protocol files."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Only list what would be cataloged: no database is used or changed."
    ),
) -> None:
    """Discover the protocols under PATH and store them in the catalog (running it twice changes nothing)."""
    from praxis.backend.execution.discovery import scan_in_child
    from praxis.backend.services.discovery import (
        DiscoveryResult,
        DiscoveryService,
        ModuleError,
        python_files,
    )

    target = None if dry_run else _prepared_database()
    if not path.is_dir():
        console.print(f"[red]{path} is not a directory[/red]")
        raise typer.Exit(2)
    files = python_files(path)
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=len(files) < 20,  # a bar for long scans only
    ) as progress:
        task = progress.add_task("Scanning protocol files", total=len(files))

        def advance(file: Path) -> None:
            progress.update(task, advance=1, description=f"Scanning {file.name}")

        async def work(repos: Repositories) -> DiscoveryResult:
            return await DiscoveryService(repos).discover_and_upsert_protocols(path, progress=advance)

        try:
            found: list[tuple[str, str]]
            errors: list[ModuleError]
            if target is None:
                scan = asyncio.run(
                    scan_in_child(
                        path,
                        allowed_roots=None,
                        time_limit=get_settings().discovery_time_limit,
                        progress=advance,
                    )
                )
                found, errors = [(p.fqn, p.version) for p in scan.protocols], scan.errors
            else:
                result = _in_unit_of_work(target.url, work)
                found, errors = [(d.fqn, d.version) for d in result.definitions], result.errors
        except PraxisError as refused:
            console.print(f"[red]{refused.message}[/red]")
            raise typer.Exit(2) from None
    for fqn, version in found:
        console.print(f"  {fqn} {version}")
    for error in errors:
        console.print(f"[yellow]  skipped {error.path}: {error.error}[/yellow]")
    outcome = "would be cataloged (dry run, nothing stored)" if dry_run else "in the catalog"
    console.print(f"{len(found)} protocol(s) {outcome}, {len(errors)} file(s) with errors")
    if errors:
        raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Upgrade the schema to REVISION (default: head)."""
    _alembic(_target().url, "upgrade", revision)


@db_app.command("downgrade")
def db_downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. -1 or base.")) -> None:
    """Downgrade the schema to REVISION."""
    _alembic(_target().url, "downgrade", revision)


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision the database is at."""
    _alembic(_target().url, "current")


@db_app.command("seed-demo")
def db_seed_demo() -> None:
    """Load a small demo lab (workcell, machines, deck, labware, a protocol and a finished run)."""
    from praxis.backend.services.demo import DemoLab, seed_demo

    target = _prepared_database()
    lab: DemoLab = _in_unit_of_work(target.url, seed_demo)
    state = "loaded" if lab.created else "already there"
    console.print(f"Demo lab {lab.workcell.name!r} {state}; browse it at /api/v1/workcells and /docs")


def _refusal(refused: PraxisError) -> typer.Exit:
    console.print(f"[red]{refused.message}[/red]")
    return typer.Exit(2)


@token_app.command("create")
def token_create(
    name: str = typer.Option(..., "--name", help="What the token is for (unique): 'ci', 'plate-reader-pc'."),
    scope: list[str] = typer.Option(
        ["read"],
        "--scope",
        help="read, run, write, admin, or all; repeat or separate with commas (default: read).",
    ),
) -> None:
    """Create an API token and print its secret, this once: only its hash is stored."""
    from praxis.backend.models.orm import ApiTokenOrm
    from praxis.backend.services.api_token import ApiTokenService

    target = _prepared_database()

    async def work(repos: Repositories) -> ApiTokenOrm:
        return await ApiTokenService(repos).issue(name, scope)

    try:
        token = _in_unit_of_work(target.url, work)
    except PraxisError as refused:
        raise _refusal(refused) from None
    console.print(f"Token {token.name!r} created with scopes: {', '.join(token.scopes)}.")
    console.print("Its secret, shown this once (send it as 'Authorization: Bearer <secret>'):")
    print(token.secret)  # plain, on a line of its own: for a script to read


@token_app.command("list")
def token_list() -> None:
    """The API tokens: name, the start of the secret, scopes, when created."""
    from praxis.backend.services.api_token import ApiTokenService

    target = _prepared_database()
    tokens = _in_unit_of_work(target.url, lambda repos: ApiTokenService(repos).list())
    if not tokens:
        console.print(
            "No API tokens: a server on loopback is open, on any other address it refuses to start."
        )
        return
    for token in tokens:
        created = token.created_at.strftime("%Y-%m-%d %H:%M")
        console.print(f"{token.name}  {token.prefix}...  {','.join(token.scopes)}  created {created}")


@token_app.command("revoke")
def token_revoke(name: str = typer.Argument(..., help="The token's name (or id).")) -> None:
    """Delete an API token: its secret is refused from the next request on."""
    from praxis.backend.models.orm import ApiTokenOrm
    from praxis.backend.services.api_token import ApiTokenService

    target = _prepared_database()

    async def work(repos: Repositories) -> ApiTokenOrm:
        return await ApiTokenService(repos).revoke(name)

    try:
        token = _in_unit_of_work(target.url, work)
    except PraxisError as refused:
        raise _refusal(refused) from None
    console.print(f"Token {token.name!r} revoked.")


if __name__ == "__main__":
    app()
