"""The run pages for people: ``/runs`` (the latest runs, a form to queue one) and ``/runs/{id}`` (status,
timings, call tree, errors with their tracebacks folded, outputs, each plate read as a heatmap).

Server-rendered HTML, kept out of the API's OpenAPI document (they are not part of the API); the
pages' script (``page_assets``) keeps them current from the API's event streams.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from html import escape
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from praxis.backend.api.access import SIGN_IN_COOKIE, request_secret
from praxis.backend.api.dependencies import UnitOfWorkDep
from praxis.backend.api.page_assets import SCRIPT, STYLE
from praxis.backend.errors import UnauthenticatedError
from praxis.backend.models.orm import DataOutputOrm, Scope
from praxis.backend.services.api_token import ApiTokenService, Grant
from praxis.backend.services.protocol import CallTree
from praxis.backend.services.run_view import PlateRead, RunView, recent_runs, run_view

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

#: pause, resume and cancel: shown to a token with the ``run`` scope (or on an open server)
CONTROLS = """<div class="controls"><h2>Control</h2><button data-action="pause">Pause</button>
<button data-action="resume">Resume</button><button data-action="cancel">Cancel</button><span id="message"></span></div>"""

#: the heatmap's scale, low to high: light to dark blue (monotonic in every channel)
LOW, HIGH = (239, 246, 255), (8, 48, 107)
CELL = 28


class SignIn(BaseModel):
    token: str = Field(min_length=1, description="an API token ('praxis token create')")


async def _grant(request: Request, uow: UnitOfWorkDep) -> Grant | RedirectResponse:
    """Who is looking: the page's token (its sign-in cookie, or a header) or the open server; the
    sign-in page, coming back here after, for anyone else. A token without ``read`` gets 403."""
    try:
        grant = await ApiTokenService(uow.repos).authenticate(
            request_secret(request), open_without_tokens=request.app.state.settings.open_without_tokens
        )
    except UnauthenticatedError:
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    grant.require(Scope.READ)
    return grant


def _may_run(grant: Grant) -> bool:
    return Scope.RUN.value in grant.scopes


def _signed_in_as(grant: Grant) -> str:
    if grant.name is None:
        return ""
    return (
        f'<p class="who">Signed in with the token <b>{escape(grant.name)}</b> '
        f"({escape(', '.join(sorted(grant.scopes)))}) · "
        '<button type="button" data-action="sign-out">Sign out</button></p>'
    )


@router.get("/login")
async def login_page(next: str = "/runs") -> HTMLResponse:
    target = next if next.startswith("/") and not next.startswith("//") else "/runs"
    body = """<h1>Sign in</h1>
<p>This Praxis needs an API token (<code>praxis token create NAME --scope read --scope run</code>).</p>
<form class="sign-in"><label>API token<input name="token" type="password" autocomplete="off" required size="48"></label>
<button type="submit">Sign in</button></form><p id="message"></p>"""
    return _page("Sign in", "login", body, next=target)


@router.post("/login", response_class=JSONResponse)
async def sign_in(body: SignIn, request: Request, uow: UnitOfWorkDep) -> JSONResponse:
    """The token checked, then kept in an HttpOnly, SameSite=Strict cookie for the pages."""
    grant = await ApiTokenService(uow.repos).authenticate(body.token, open_without_tokens=False)
    response = JSONResponse({"name": grant.name, "scopes": sorted(grant.scopes)})
    response.set_cookie(
        SIGN_IN_COOKIE,
        body.token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@router.post("/logout", status_code=204)
async def sign_out() -> Response:
    response = Response(status_code=204)
    response.delete_cookie(SIGN_IN_COOKIE, path="/", httponly=True, samesite="strict")
    return response


def _page(title: str, page: str, body: str, **data: str) -> HTMLResponse:
    attributes = "".join(f' data-{k}="{escape(v)}"' for k, v in data.items())
    return HTMLResponse(
        f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>{escape(title)} · Praxis</title><style>{STYLE}</style></head>
<body><main data-page="{page}"{attributes}>{body}</main><script>{SCRIPT}</script></body></html>"""
    )


def _time(value: datetime | None) -> str:
    return value.isoformat(sep=" ", timespec="milliseconds")[:23] if value else ""


def _seconds(ms: float | None) -> str:
    return f"{ms / 1000:.2f} s" if ms is not None else ""


@router.get("/runs")
async def runs_page(request: Request, uow: UnitOfWorkDep) -> Response:
    grant = await _grant(request, uow)
    if isinstance(grant, Response):
        return grant
    runs = await recent_runs(uow.repos)
    definitions = await uow.repos.protocol_definition.list({}, order_by="name")
    workcells = await uow.repos.workcell.list({}, order_by="name")
    rows = "".join(
        f'<tr id="run-{run.accession_id}"><td><a href="/runs/{run.accession_id}">{escape(run.name)}</a></td>'
        f'<td><span class="status {run.status.value}">{run.status.value}</span></td><td>{escape(protocol)}</td>'
        f'<td>{_time(run.created_at)[:19]}</td><td class="duration">{_seconds(run.duration_ms)}</td></tr>'
        for run, protocol in runs
    )
    protocol_options = "".join(
        f'<option value="{d.accession_id}">{escape(d.name)} {escape(d.version)}</option>' for d in definitions
    )
    workcell_options = '<option value="">(none)</option>' + "".join(
        f'<option value="{w.accession_id}">{escape(w.name)}</option>' for w in workcells
    )
    queue = (
        f"""<form class="queue"><label>Protocol<select name="protocol_definition_id">{protocol_options}</select></label>
<label>Workcell<select name="workcell_id">{workcell_options}</select></label>
<label>Parameters (JSON)<input name="input_parameters" value="{{}}" size="24"></label>
<button type="submit">Queue</button></form><p id="message"></p>"""
        if _may_run(grant)
        else ""
    )
    body = f"""<h1>Runs</h1>{_signed_in_as(grant)}
{queue}
<table><thead><tr><th>Run</th><th>Status</th><th>Protocol</th><th>Created</th><th>Duration</th></tr></thead>
<tbody>{rows}</tbody></table>"""
    return _page("Runs", "runs", body)


def _call(tree: CallTree) -> str:
    call = tree.call
    duration = f"{call.duration_ms:.1f} ms" if call.duration_ms is not None else ""
    error = (
        f'<details class="error"><summary>{escape(call.error_message)}</summary>'
        f"<pre>{escape(call.error_traceback or '')}</pre></details>"
        if call.error_message
        else ""
    )
    children = "".join(_call(child) for child in tree.children)
    return (
        f'<li id="call-{call.accession_id}"><span class="fn">{escape(call.function_name)}</span> '
        f'<span class="status {call.status.value}">{call.status.value}</span> <span class="dur">{duration}</span>'
        f"{error}<ul>{children}</ul></li>"
    )


def _colour(value: float, low: float, high: float) -> str:
    share = 0.0 if high == low else (value - low) / (high - low)
    r, g, b = (round(a + (z - a) * share) for a, z in zip(LOW, HIGH, strict=True))
    return f"rgb({r},{g},{b})"


def heatmap(plate: PlateRead) -> str:
    """The plate as an SVG grid of its wells: a cell per well (empty where none was read), coloured by
    value, each with its value as a tooltip; a legend with min, max and unit; the measurement time."""
    value_range = plate.value_range
    low, high = value_range or (0.0, 0.0)
    unit = f" {plate.unit}" if plate.unit else ""
    width, height = (plate.columns + 1) * CELL, (plate.rows + 1) * CELL
    parts = [
        f'<svg class="heatmap" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(plate.name)}: {plate.rows} x {plate.columns} wells">'
    ]
    for c in range(1, plate.columns + 1):
        parts.append(
            f'<text x="{c * CELL + CELL / 2}" y="{CELL * 0.7}" font-size="10" text-anchor="middle">{c}</text>'
        )
    for r, label in enumerate(plate.row_labels):
        y = (r + 1) * CELL
        parts.append(
            f'<text x="{CELL / 2}" y="{y + CELL * 0.65}" font-size="10" text-anchor="middle">{label}</text>'
        )
        for c in range(1, plate.columns + 1):
            well = f"{label}{c}"
            x = c * CELL
            value = plate.wells.get(well)
            if value is None:
                parts.append(
                    f'<rect class="well empty" data-well="{well}" x="{x + 1}" y="{y + 1}" width="{CELL - 2}" '
                    f'height="{CELL - 2}" fill="#ffffff" stroke="#d0d7de"><title>{well}: not read</title></rect>'
                )
            else:
                parts.append(
                    f'<rect class="well" data-well="{well}" data-value="{value!r}" x="{x + 1}" y="{y + 1}" '
                    f'width="{CELL - 2}" height="{CELL - 2}" fill="{_colour(value, low, high)}">'
                    f"<title>{well}: {value:g}{escape(unit)}</title></rect>"
                )
    parts.append("</svg>")
    where = f" on {escape(plate.resource_name)}" if plate.resource_name else ""
    legend = (
        f'<div class="legend"><svg width="160" height="14"><defs><linearGradient id="scale">'
        f'<stop offset="0" stop-color="rgb{LOW}"/><stop offset="1" stop-color="rgb{HIGH}"/></linearGradient></defs>'
        f'<rect width="160" height="14" fill="url(#scale)"/></svg> '
        f'<span class="min">{low:g}</span> to <span class="max">{high:g}</span>{escape(unit)}'
        f" · {len(plate.wells)} of {plate.rows * plate.columns} wells"
        f' · measured <span class="measured">{_time(plate.measured_at)}</span></div>'
        if value_range
        else ""
    )
    return f'<figure class="plate"><figcaption><b>{escape(plate.name)}</b>{where}</figcaption>{"".join(parts)}{legend}</figure>'


def _value(output: DataOutputOrm) -> str:
    value: Any = output.numeric_value if output.numeric_value is not None else output.text_value
    if value is None:
        value = json.dumps(output.json_value)
    return escape(f"{value}")


def outputs_fragment(view: RunView) -> str:
    plates = "".join(heatmap(plate) for plate in view.plates)
    rows = "".join(
        f"<tr><td>{escape(o.name)}</td><td>{_value(o)}</td><td>{escape(o.unit or '')}</td>"
        f"<td>{escape(o.well_name or '')}</td><td>{_time(o.measured_at)}</td></tr>"
        for o in view.outputs
    )
    table = (
        f"<table><thead><tr><th>Output</th><th>Value</th><th>Unit</th><th>Well</th><th>Measured</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
        if rows
        else ""
    )
    empty = "" if plates or rows else "<p>No outputs yet.</p>"
    return f'<div class="plates">{plates}</div>{table}{empty}'


@router.get("/runs/{id}")
async def run_page(id: uuid.UUID, request: Request, uow: UnitOfWorkDep) -> Response:
    grant = await _grant(request, uow)
    if isinstance(grant, Response):
        return grant
    view = await run_view(uow.repos, id)
    run = view.run
    status = run.status.value
    timings = "".join(
        f'<tr><th>{label}</th><td id="{key}">{_time(getattr(run, key))}</td></tr>'
        for label, key in (("Queued", "queued_at"), ("Started", "started_at"), ("Ended", "completed_at"))
    )
    body = f"""<p><a href="/runs">All runs</a></p>{_signed_in_as(grant)}
<h1>{escape(run.name)} <span id="status" class="status {status}">{status}</span></h1>
<p>Protocol <b>{escape(view.protocol_name)}</b>{f" on workcell <b>{escape(view.workcell_name)}</b>" if view.workcell_name else ""}
· <span id="details">{escape(run.status_details or "")}</span></p>
<p id="error" class="error">{escape(run.error_message or "")}</p>
<table class="timings">{timings}<tr><th>Duration</th><td id="duration">{_seconds(run.duration_ms)}</td></tr></table>
{CONTROLS if _may_run(grant) else ""}
<p class="progress" hidden><progress id="progress" max="1" value="0"></progress> <span id="progress-text"></span></p>
<h2>Calls</h2><ul id="calls" class="calls">{"".join(_call(tree) for tree in view.calls)}</ul>
<h2>Outputs</h2><div id="outputs">{outputs_fragment(view)}</div>
<h2>Log</h2><pre id="log" class="log"></pre>"""
    return _page(run.name, "run", body, run=str(run.accession_id))


@router.get("/runs/{id}/outputs")
async def run_outputs_fragment(id: uuid.UUID, request: Request, uow: UnitOfWorkDep) -> Response:
    grant = await _grant(request, uow)
    if isinstance(grant, Response):
        return grant
    return HTMLResponse(outputs_fragment(await run_view(uow.repos, id)))
