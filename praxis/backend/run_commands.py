"""``praxis run``, ``praxis runs list`` and ``praxis runs show``: runs from a terminal, over the API.

These speak HTTP to a running server (``--api``, or ``PRAXIS_API_URL``; ``http://127.0.0.1:8000`` by
default), as any other client does: the server's rules apply, and ``--follow`` reads the run's event
stream, so it works against a server anywhere, whichever worker executes the run. A token, where the
server asks for one, is taken from ``PRAXIS_API_TOKEN``.

``praxis run PROTOCOL`` names a protocol definition by name (its most recently discovered version)
or id; ``--workcell`` by name or id, and may be left out when there is one workcell. ``--param k=v``
values are read as JSON where they parse (``3``, ``true``, ``[1, 2]``) and as text otherwise.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import typer
from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.table import Table
from rich.text import Text
from rich.tree import Tree

RUNS = "/api/v1/protocols/runs"
ENDED = {"completed", "failed", "cancelled"}
STATUS_STYLE = {
    "completed": "green",
    "failed": "red",
    "cancelled": "yellow",
    "running": "cyan",
    "paused": "magenta",
    "queued": "blue",
}
#: the progress bar's width in characters, shown once the protocol reports its steps
BAR_WIDTH = 30
LOG_STYLE = {"DEBUG": "dim", "INFO": "cyan", "WARNING": "yellow", "ERROR": "red", "CRITICAL": "bold red"}

runs_app = typer.Typer(help="Protocol runs: list them, show one with its call tree.", no_args_is_help=True)
console = Console()

ApiOption = typer.Option(
    None, "--api", help="The Praxis server (default: PRAXIS_API_URL or http://127.0.0.1:8000)."
)


def _client(api: str | None) -> httpx.Client:
    base = api or os.environ.get("PRAXIS_API_URL") or "http://127.0.0.1:8000"
    headers = {}
    if token := os.environ.get("PRAXIS_API_TOKEN"):
        headers["Authorization"] = f"Bearer {token}"
    return httpx.Client(base_url=base.rstrip("/"), headers=headers, timeout=httpx.Timeout(30, read=None))


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]error:[/red] {message}")
    return typer.Exit(2)


def _answer(response: httpx.Response) -> Any:
    """The body of a 2xx; the server's own words otherwise."""
    if response.is_success:
        return response.json()
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    raise _fail(f"{response.request.method} {response.request.url.path}: {response.status_code} {detail}")


def _is_id(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _find(http: httpx.Client, path: str, what: str, value: str) -> dict[str, Any]:
    """The entity of ``path`` with id or name ``value`` (the newest of that name)."""
    if _is_id(value):
        return dict(_answer(http.get(f"{path}/{value}")))
    found = _answer(http.get(path, params={"name": value, "order_by": "-created_at", "limit": 1}))
    if not found:
        raise _fail(f"no {what} named {value!r}")
    return dict(found[0])


def _parameters(pairs: list[str]) -> dict[str, Any]:
    parameters: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise _fail(f"--param {pair!r}: expected NAME=VALUE")
        try:
            parameters[key] = json.loads(raw)
        except ValueError:
            parameters[key] = raw
    return parameters


def run(
    protocol: str = typer.Argument(..., help="The protocol definition: its name or id."),
    param: list[str] = typer.Option([], "--param", "-p", help="A parameter, NAME=VALUE (repeatable)."),
    workcell: str | None = typer.Option(None, "--workcell", "-w", help="The workcell: its name or id."),
    follow: bool = typer.Option(False, "--follow", "-f", help="Show the run's progress until it ends."),
    api: str | None = ApiOption,
) -> None:
    """Create a run of PROTOCOL and queue it; with --follow, exit 0 only if it completes."""
    with _client(api) as http:
        definition = _find(http, "/api/v1/protocols/definitions", "protocol", protocol)
        if workcell is not None:
            workcell_id = _find(http, "/api/v1/workcells", "workcell", workcell)["accession_id"]
        else:
            workcells = _answer(http.get("/api/v1/workcells", params={"limit": 2}))
            if len(workcells) > 1:
                raise _fail("there are several workcells: name one with --workcell")
            workcell_id = workcells[0]["accession_id"] if workcells else None
        body = {
            "protocol_definition_id": definition["accession_id"],
            "workcell_id": workcell_id,
            "input_parameters": _parameters(param),
            "queue": True,
        }
        created = _answer(http.post(RUNS, json=body))
        run_id = created["accession_id"]
        console.print(f"run [bold]{run_id}[/bold] of {definition['name']}: {created['status']}")
        if not follow:
            return
        status = _follow(http, run_id)
    raise typer.Exit(0 if status == "completed" else 1)


def _events(http: httpx.Client, run_id: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """The run's events, reconnecting (with Last-Event-ID) if the stream breaks, until it ends."""
    last: str | None = None
    while True:
        headers = {"Accept": "text/event-stream", **({"Last-Event-ID": last} if last else {})}
        fields: dict[str, str] = {}
        try:
            with http.stream("GET", f"{RUNS}/{run_id}/events", headers=headers) as response:
                if not response.is_success:
                    response.read()
                    _answer(response)
                for line in response.iter_lines():
                    if line == "":
                        if "data" in fields:
                            last = fields.get("id", last)
                            data = json.loads(fields["data"])
                            yield fields.get("event", "message"), data
                            if fields.get("event") == "status" and data.get("status") in ENDED:
                                return
                        fields = {}
                    elif not line.startswith(":"):
                        name, _, value = line.partition(":")
                        fields[name] = value.removeprefix(" ")
        except httpx.TransportError as error:
            console.print(f"[yellow]connection lost ({error}); reconnecting[/yellow]")


class _Progress:
    """What ``--follow`` shows on its live line: status, the call now running, counts."""

    def __init__(self) -> None:
        self.status = "pending"
        self.running: dict[str, str] = {}  # call id -> function name, in start order
        self.calls = 0
        self.outputs = 0
        self.steps: tuple[int, int, str | None] | None = None  # done, total, label: as the protocol said

    def line(self) -> Text:
        text = Text()
        text.append(self.status, style=STATUS_STYLE.get(self.status, ""))
        if self.steps is not None:
            done, total, label = self.steps
            filled = round(BAR_WIDTH * done / total)
            text.append("  ")
            text.append("━" * filled, style="green")
            text.append("━" * (BAR_WIDTH - filled), style="grey23")
            text.append(f" {done}/{total}" + (f" {label}" if label else ""))
        if self.running:
            text.append(f"  {' > '.join(self.running.values())}")
        text.append(f"  ({self.calls} calls, {self.outputs} outputs)", style="dim")
        return text


def _follow(http: httpx.Client, run_id: str) -> str:
    progress = _Progress()
    with Live(progress.line(), console=console, transient=True, refresh_per_second=8) as live:
        for kind, data in _events(http, run_id):
            if kind == "status":
                if data["status"] != progress.status:
                    details = f": {data['status_details']}" if data.get("status_details") else ""
                    style = STATUS_STYLE.get(data["status"], "")
                    live.console.print(f"[{style}]{data['status']}[/{style}]{details}")
                progress.status = data["status"]
            elif kind == "call_started":
                progress.running[data["call_id"]] = data["function_name"]
            elif kind == "call_ended":
                progress.running.pop(data["call_id"], None)
                progress.calls += 1
                if data["status"] == "failed":
                    live.console.print(f"[red]{data['function_name']} failed:[/red] {data['error_message']}")
            elif kind == "progress":
                progress.steps = (data["done"], data["total"], data.get("label"))
            elif kind == "log":
                style = LOG_STYLE.get(data["level"], "")
                at = data["at"][11:23]
                live.console.print(
                    f"[dim]{at}[/dim] [{style}]{data['level']}[/{style}] {escape(data['message'])}"
                )
            elif kind == "output":
                progress.outputs += 1
                if progress.outputs <= 10 or data.get("well_name") is None:
                    value = data["numeric_value"] if data["numeric_value"] is not None else data["text_value"]
                    where = f" {data['well_name']}" if data.get("well_name") else ""
                    unit = f" {data['unit']}" if data.get("unit") else ""
                    live.console.print(f"output {data['name']}{where} = {value}{unit}")
            live.update(progress.line())
    steps = f", step {progress.steps[0]} of {progress.steps[1]}" if progress.steps else ""
    console.print(f"{progress.calls} calls, {progress.outputs} outputs{steps}")
    return progress.status


@runs_app.command("list")
def list_runs(
    status: str | None = typer.Option(None, help="Only runs in this status."),
    limit: int = typer.Option(20, help="How many, newest first."),
    api: str | None = ApiOption,
) -> None:
    """The latest runs, newest first."""
    params: dict[str, Any] = {"order_by": "-created_at", "limit": limit}
    if status:
        params["status"] = status
    with _client(api) as http:
        runs = _answer(http.get(RUNS, params=params))
    table = Table("id", "name", "status", "created", "duration")
    for item in runs:
        style = STATUS_STYLE.get(item["status"], "")
        duration = f"{item['duration_ms'] / 1000:.1f} s" if item.get("duration_ms") is not None else ""
        table.add_row(
            item["accession_id"],
            item["name"],
            f"[{style}]{item['status']}[/{style}]" if style else item["status"],
            item["created_at"][:19].replace("T", " "),
            duration,
        )
    console.print(table)


def _call_label(call: dict[str, Any]) -> str:
    arguments = ", ".join(f"{k}={json.dumps(v)}" for k, v in (call.get("arguments") or {}).items())
    if len(arguments) > 80:
        arguments = arguments[:77] + "..."
    style = STATUS_STYLE.get(call["status"], "")
    duration = f" {call['duration_ms']:.0f} ms" if call.get("duration_ms") is not None else ""
    label = f"{call['function_name']}({arguments}) [{style}]{call['status']}[/{style}]{duration}"
    if call.get("error_message"):
        label += f"\n[red]{call['error_message']}[/red]"
    return label


def _grow(tree: Tree, calls: list[dict[str, Any]]) -> None:
    for call in calls:
        _grow(tree.add(_call_label(call)), call.get("children") or [])


@runs_app.command("show")
def show_run(
    run_id: str = typer.Argument(..., metavar="ID", help="The run's id."),
    api: str | None = ApiOption,
) -> None:
    """A run: its status and timings, and its calls as a tree."""
    if not _is_id(run_id):
        raise _fail(f"{run_id!r} is not a run id")
    with _client(api) as http:
        item = _answer(http.get(f"{RUNS}/{run_id}"))
        tree_calls = _answer(http.get(f"{RUNS}/{run_id}/calls/tree"))
    style = STATUS_STYLE.get(item["status"], "")
    tree = Tree(f"[bold]{item['name']}[/bold] {item['accession_id']} [{style}]{item['status']}[/{style}]")
    _grow(tree, tree_calls)
    console.print(tree)
    for label in ("queued_at", "started_at", "completed_at"):
        if item.get(label):
            console.print(f"{label.removesuffix('_at')}: {item[label]}")
    if item.get("duration_ms") is not None:
        console.print(f"duration: {item['duration_ms'] / 1000:.2f} s")
    if item.get("status_details"):
        console.print(f"details: {item['status_details']}")
    if item.get("error_message"):
        console.print(f"[red]error:[/red] {item['error_message']}")
