"""The run pages' stylesheet and script, served inline: no build step, nothing from a CDN.

The script (a few KB of plain JavaScript) keeps a page current from the API's event streams: on
``/runs`` it adds and updates rows from every run's status changes; on ``/runs/{id}`` it grows the call
tree, updates the status and timings, reloads the outputs' fragment as outputs land, and stops
listening when the run has ended. Pause, resume and cancel post to the API.
"""

STYLE = """
:root { font-family: system-ui, sans-serif; color: #1b1f24; background: #fafbfc; }
body { margin: 0 auto; padding: 1rem; max-width: 72rem; }
a { color: #0b5cad; }
h1 { font-size: 1.4rem; margin: .2rem 0 .8rem; } h2 { font-size: 1.1rem; margin: 1.4rem 0 .5rem; }
table { border-collapse: collapse; width: 100%; } td, th { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e3e6ea; }
.status { display: inline-block; padding: .05rem .5rem; border-radius: .8rem; font-size: .85rem; background: #e3e6ea; }
.status.completed { background: #d3f2dc; } .status.failed { background: #fbd6d6; } .status.cancelled { background: #fdf0c4; }
.status.running { background: #d4e8fb; } .status.paused { background: #eadcf8; } .status.queued { background: #dde3f8; }
.calls, .calls ul { list-style: none; padding-left: 1.1rem; margin: 0; } .calls { padding-left: 0; }
.calls li { margin: .15rem 0; } .calls .fn { font-family: ui-monospace, monospace; }
.calls .dur { color: #57606a; font-size: .85rem; } .calls details.error summary { color: #b42318; cursor: pointer; }
pre { white-space: pre-wrap; font-size: .8rem; background: #f1f3f5; padding: .5rem; }
.controls button { font-size: 1rem; padding: .35rem .9rem; margin-right: .4rem; }
.plates { display: flex; flex-wrap: wrap; gap: 1.5rem; } .plate { max-width: 100%; }
.plate svg { max-width: 100%; height: auto; } .legend { font-size: .85rem; color: #57606a; }
#message { color: #b42318; min-height: 1.2rem; }
form.queue { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; }
form.queue label { display: flex; flex-direction: column; font-size: .85rem; }
@media (max-width: 40rem) { td:nth-child(4), th:nth-child(4) { display: none; } }
"""

SCRIPT = r"""
"use strict";
const API = "/api/v1/protocols/runs";
const ENDED = ["completed", "failed", "cancelled"];
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}
function setStatus(node, status) { node.textContent = status; node.className = "status " + status; }
function seconds(ms) { return ms == null ? "" : (ms / 1000).toFixed(2) + " s"; }

function runsPage(root) {
  const body = root.querySelector("tbody");
  const source = new EventSource(API + "/events");
  source.addEventListener("status", (message) => {
    const e = JSON.parse(message.data);
    let row = document.getElementById("run-" + e.run_id);
    if (!row) {
      const link = el("a", { href: "/runs/" + e.run_id }, e.name);
      row = el("tr", { id: "run-" + e.run_id }, el("td", {}, link), el("td", {}, el("span", { class: "status" })),
               el("td", {}, ""), el("td", {}, new Date().toISOString().slice(0, 19).replace("T", " ")), el("td", { class: "duration" }, ""));
      body.prepend(row);
    }
    setStatus(row.querySelector(".status"), e.status);
    row.querySelector(".duration").textContent = seconds(e.duration_ms);
  });
  const form = root.querySelector("form.queue");
  if (form) form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    let parameters = {};
    try { parameters = JSON.parse(data.get("input_parameters") || "{}"); }
    catch (error) { document.getElementById("message").textContent = "parameters: " + error.message; return; }
    const body = { protocol_definition_id: data.get("protocol_definition_id"), input_parameters: parameters, queue: true };
    if (data.get("workcell_id")) body.workcell_id = data.get("workcell_id");
    const response = await fetch(API, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    const answer = await response.json();
    document.getElementById("message").textContent = response.ok ? "" : answer.detail;
  });
}

function runPage(root) {
  const runId = root.dataset.run;
  const status = document.getElementById("status");
  const tree = document.getElementById("calls");
  let outputsDue = null;
  function node(e) {
    let item = document.getElementById("call-" + e.call_id);
    if (!item) {
      item = el("li", { id: "call-" + e.call_id },
        el("span", { class: "fn" }, e.function_name), " ", el("span", { class: "status" }), " ", el("span", { class: "dur" }),
        el("ul"));
      const parent = e.parent_id && document.getElementById("call-" + e.parent_id);
      (parent ? parent.querySelector("ul") : tree).append(item);
    }
    return item;
  }
  function refreshOutputs() {
    clearTimeout(outputsDue);
    outputsDue = setTimeout(async () => {
      const response = await fetch("/runs/" + runId + "/outputs");
      if (response.ok) document.getElementById("outputs").innerHTML = await response.text();
    }, 300);
  }
  const source = new EventSource(API + "/" + runId + "/events");
  source.addEventListener("status", (message) => {
    const e = JSON.parse(message.data);
    setStatus(status, e.status);
    document.getElementById("details").textContent = e.status_details || "";
    for (const key of ["queued_at", "started_at", "completed_at"]) {
      if (e[key]) document.getElementById(key).textContent = e[key].slice(0, 23).replace("T", " ");
    }
    document.getElementById("duration").textContent = seconds(e.duration_ms);
    if (e.error_message) document.getElementById("error").textContent = e.error_message;
    if (ENDED.includes(e.status)) { source.close(); refreshOutputs(); }
  });
  source.addEventListener("call_started", (message) => {
    const e = JSON.parse(message.data);
    setStatus(node(e).querySelector(".status"), e.status);
  });
  source.addEventListener("call_ended", (message) => {
    const e = JSON.parse(message.data);
    const item = node(e);
    setStatus(item.querySelector(".status"), e.status);
    item.querySelector(".dur").textContent = e.duration_ms == null ? "" : e.duration_ms.toFixed(1) + " ms";
    if (e.error_message && !item.querySelector("details.error")) {
      item.insertBefore(el("details", { class: "error" }, el("summary", {}, e.error_message), el("pre", {}, e.error_traceback || "")),
                        item.querySelector("ul"));
    }
  });
  source.addEventListener("output", refreshOutputs);
  source.addEventListener("progress", (message) => {
    const e = JSON.parse(message.data);
    const bar = document.getElementById("progress");
    bar.max = e.total; bar.value = e.done;
    document.getElementById("progress-text").textContent = e.done + " of " + e.total + (e.label ? " · " + e.label : "");
    bar.parentElement.hidden = false;
  });
  source.addEventListener("log", (message) => {
    const e = JSON.parse(message.data);
    const line = el("span", { class: "line " + e.level.toLowerCase() },
                    e.at.slice(11, 23) + " " + e.level + " " + e.logger + ": " + e.message + "\n");
    document.getElementById("log").append(line);
  });
  for (const button of root.querySelectorAll(".controls button")) {
    button.addEventListener("click", async () => {
      const response = await fetch(API + "/" + runId + "/" + button.dataset.action,
        { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
      document.getElementById("message").textContent = response.ok ? "" : (await response.json()).detail;
    });
  }
}

function loginPage(root) {
  const form = root.querySelector("form.sign-in");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const response = await fetch("/login", { method: "POST", headers: { "Content-Type": "application/json" },
                                              body: JSON.stringify({ token: new FormData(form).get("token") }) });
    if (response.ok) { location.assign(root.dataset.next); return; }
    document.getElementById("message").textContent = (await response.json()).detail;
  });
}

const root = document.querySelector("main");
for (const button of document.querySelectorAll('button[data-action="sign-out"]')) {
  button.addEventListener("click", async () => {
    await fetch("/logout", { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    location.assign("/login");
  });
}
if (root.dataset.page === "runs") runsPage(root);
if (root.dataset.page === "run") runPage(root);
if (root.dataset.page === "login") loginPage(root);
"""
