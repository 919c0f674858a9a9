"use strict";
// Passerelle operator console: no framework, no build step. Every data call sends the token.
const $ = (s) => document.querySelector(s);
let token = sessionStorage.getItem("passerelle-token") || "";
let live = null;

const auth = (extra) => Object.assign({ Authorization: "Bearer " + token }, extra);
const say = (t) => { $("#conn").textContent = t; };

async function call(method, path, body) {
  const init = { method, headers: auth(body ? { "Content-Type": "application/json" } : {}) };
  if (body) init.body = JSON.stringify(body);
  let res, text;
  try {
    res = await fetch(path, init);
    text = await res.text();
  } catch (e) {
    return { ok: false, status: 0, data: { error: e.message } };
  }
  let data;
  try { data = JSON.parse(text); } catch { data = { error: text.trim() }; }
  if (res.status === 401) say("Wrong or missing token.");
  return { ok: res.ok, status: res.status, data };
}

function cell(tr, value, cls) {
  const td = tr.insertCell();
  td.textContent = value == null ? "" : String(value);
  if (cls) td.className = cls;
  return td;
}

// Rows into a table body; a column is a field name or a function of the row.
function fill(id, rows, cols) {
  const body = $(id).tBodies[0];
  body.replaceChildren();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const c of cols) {
      if (c === "state") cell(tr, r.state, "s-" + r.state);
      else cell(tr, typeof c === "function" ? c(r) : r[c]);
    }
  }
}

function render(ev) {
  fill("#connectors", ev.connectors, ["name", "transport", "state", "frames_in", "frames_in_per_min", "last_error"]);
  fill("#decoders", ev.decoders, ["name", "plugin", "state", "frames_per_min", "readings_per_min", "readings", "last_error"]);
  fill("#sinks", ev.sinks, ["name", "state", "commits_per_min", "commits", "failures", "full"]);
  const types = ev.decoders.flatMap((d) => d.devicetypes.map((t) => Object.assign({ decoder: d.name }, t)));
  fill("#devicetypes", types, ["decoder", "devicetype", "frames", "readings", "decode_errors", "plugin_errors", "mean_decode_us"]);
  const dead = Object.entries(ev.dead_letters).map(([k, v]) => k + " " + v).join(", ");
  $("#totals").textContent = `Dead letters/min: ${ev.dead_letters_per_min} (since start: ${dead || "none"}). Rates over the last ${ev.window_s} s.`;
}

// Server-sent events read with fetch, so the Authorization header can be sent.
async function stream() {
  if (live) live.abort();
  const ctl = (live = new AbortController());
  while (!ctl.signal.aborted) {
    try {
      const res = await fetch("/events", { headers: auth({}), signal: ctl.signal });
      if (res.status === 401) return say("Wrong or missing token.");
      if (!res.ok) throw new Error(res.status + " " + (await res.text()));
      say("Live.");
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += value;
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const data = buf.slice(0, i).split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
          buf = buf.slice(i + 2);
          if (data) render(JSON.parse(data));
        }
      }
      say("Stream ended, reconnecting…");
    } catch (e) {
      if (ctl.signal.aborted) return;
      say("Disconnected (" + e.message + "), reconnecting…");
    }
    await new Promise((r) => setTimeout(r, 3000));
  }
}

async function loadRoutes() {
  const r = await call("GET", "/routes");
  if (!r.ok) return;
  const select = $("#try-dt");
  select.replaceChildren();
  for (const route of r.data) select.add(new Option(`${route.devicetype} (${route.decoder})`, route.devicetype));
}

function when(ms) {
  const d = new Date(ms);
  return isNaN(d) ? ms : d.toISOString().replace("T", " ").slice(0, 19);
}

async function loadDead(ev) {
  if (ev) ev.preventDefault();
  const q = new URLSearchParams();
  for (const k of ["stage", "connector", "plugin", "error", "limit"]) {
    const v = $("#dl-" + k).value.trim();
    if (v) q.set(k, v);
  }
  const r = await call("GET", "/deadletters?" + q);
  const body = $("#dl-table").tBodies[0];
  body.replaceChildren();
  if (!r.ok) return ($("#dl-result").textContent = r.data.error);
  for (const e of r.data) {
    const tr = body.insertRow();
    for (const v of [e.id, when(e.received_ms), e.stage, e.connector, e.device, e.devicetype, e.plugin || "-"]) cell(tr, v);
    cell(tr, e.hex, "hex");
    cell(tr, e.error, "err");
    const b = document.createElement("button");
    b.textContent = "Replay";
    b.setAttribute("aria-label", "Replay entry " + e.id);
    b.onclick = () => replay({ ids: [e.id] }, "entry " + e.id);
    cell(tr, "").append(b);
  }
  $("#dl-count").textContent = r.data.length + " entries";
}

async function replay(body, what) {
  if (!confirm(`Replay ${what} through the current decoders?`)) return;
  const r = await call("POST", "/deadletters/replay", body);
  const d = r.data;
  $("#dl-result").textContent = r.ok
    ? `Replayed ${d.replayed}: ${d.stored} stored, ${d.still_failing} still failing, ${d.skipped} refused by a connector (left as they are), ${d.missing} not found.`
    : "Replay failed: " + d.error;
  await loadDead();
}

async function tryFrame(ev) {
  ev.preventDefault();
  const body = { devicetype: $("#try-dt").value, port: Number($("#try-port").value || 0), hex: $("#try-hex").value };
  const r = await call("POST", "/try", body);
  $("#try-error").textContent = r.ok ? "" : r.data.error;
  fill("#try-table", r.ok ? r.data.readings : [], ["name", (x) => JSON.stringify(x.value), "unit"]);
}

function show(tab) {
  for (const t of document.querySelectorAll("[role=tab]")) {
    const on = t === tab;
    t.setAttribute("aria-selected", on);
    $("#" + t.getAttribute("aria-controls")).hidden = !on;
  }
  if (tab.id === "t-dead" && token) loadDead();
}

function connect() {
  if (!token) return;
  say("Connecting…");
  stream();
  loadRoutes();
}

$("#auth").onsubmit = (ev) => {
  ev.preventDefault();
  token = $("#token").value.trim();
  sessionStorage.setItem("passerelle-token", token);
  connect();
};
for (const t of document.querySelectorAll("[role=tab]")) t.onclick = () => show(t);
$("#dl-filter").onsubmit = loadDead;
$("#dl-all").onclick = () => replay({ all: true }, "every entry");
$("#try-form").onsubmit = tryFrame;
$("#token").value = token;
connect();
