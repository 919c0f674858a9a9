"use strict";
// Passerelle operator console: no framework, no build step. Every data call sends the token.
const $ = (s) => document.querySelector(s);
let token = sessionStorage.getItem("passerelle-token") || "";
let live = null;
let shown = false;

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
  // The plugins page's agreement figures follow the live stream.
  for (const d of ev.status.decoders) {
    const a = document.getElementById("pl-agree-" + d.name);
    if (a && d.shadow) a.textContent = agree(d.shadow);
  }
  // Time to the first data on screen, for the Performance API (measured by tests/it/browser.rs).
  if (!shown) performance.mark("console:first-render");
  shown = true;
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

// An element: attributes (text: its text, on*: handlers), then children.
function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "text") e.textContent = v;
    else if (k.startsWith("on")) e[k] = v;
    else if (v != null && v !== false) e.setAttribute(k, v === true ? "" : v);
  }
  e.append(...kids.filter((k) => k != null));
  return e;
}

// Plugins: each decoder's versions, and promote / rollback / reload after a confirmation.
const ver = (v) => `${v.plugin} (${v.hash.slice(0, 12)}, ${v.vectors_passed == null ? "vectors not checked" : v.vectors_passed + " own vectors passed"})`;
const agree = (s) => `agreed on ${s.agreed} of ${s.compared} frames` + (s.compared ? ` (${((100 * s.agreed) / s.compared).toFixed(1)} %)` : "");
const output = (o) => (o.error ? "error: " + o.error : o.readings.map((r) => r.name + " = " + r.value).join(", ") + (o.readings_cut ? ` (+${o.readings_cut})` : ""));

async function loadPlugins() {
  const r = await call("GET", "/plugins");
  if (!r.ok) return ($("#pl-result").textContent = r.data.error);
  $("#pl-list").replaceChildren(...r.data.decoders.map(card));
}

function card(d) {
  const n = d.name, s = d.shadow, prev = d.kept[d.kept.length - 1];
  const btn = (action, label, what) =>
    el("button", { type: "button", id: `pl-${action}-${n}`, "data-decoder": n, "data-action": action, "aria-label": `${label}: decoder ${n}`, disabled: !what, text: label, onclick: () => act(n, action, what) });
  const rows = [["Live", ver(d.live)], ["Shadow", s ? ver(s) : "none"]];
  if (s) rows.push(["Agreement", agree(s), "pl-agree-" + n]);
  rows.push(["Refused", d.refused + (d.last_refusal ? ", last: " + d.last_refusal : "")], ["Kept for rollback", d.kept.length ? d.kept.map(ver).join("; ") : "none"]);
  if (d.quarantined_ms != null) rows.push(["Quarantined", Math.ceil(d.quarantined_ms / 1000) + " s left"]);
  const dl = el("dl", {}, ...rows.flatMap(([k, v, id]) => [el("dt", { text: k }), el("dd", { id, text: v })]));
  let diffs = null;
  if (s && s.differing_frames.length) {
    diffs = el("table", { id: "pl-diff-" + n }, el("caption", { text: "First differences" }), el("thead", {}, el("tr", {}, ...["Device", "Devicetype", "Port", "Bytes (hex)", "Live", "Candidate"].map((h) => el("th", { text: h })))));
    const body = diffs.createTBody();
    for (const f of s.differing_frames) {
      const tr = body.insertRow();
      for (const v of [f.device, f.devicetype, f.port]) cell(tr, v);
      cell(tr, f.hex + (f.hex_cut ? ` (+${f.hex_cut} bytes)` : ""), "hex");
      cell(tr, output(f.live));
      cell(tr, output(f.candidate), "err");
    }
    diffs = el("div", { class: "scroll" }, diffs);
  }
  return el("article", { class: "card", id: "pl-" + n, "aria-labelledby": "pl-name-" + n },
    el("h3", { id: "pl-name-" + n, text: n }), dl, diffs,
    el("p", { class: "row" },
      btn("promote", "Promote shadow", s && `Make ${s.plugin} live for ${n}? ${d.live.plugin} is kept for rollback.`),
      btn("rollback", "Roll back", prev && `Go back from ${d.live.plugin} to ${prev.plugin} for ${n}?`),
      btn("reload", "Reload", `Load ${d.path} again for ${n}? It goes live if it is a new version that passes its vectors.`)));
}

// A confirmation in the page (a modal dialog: focus stays in it, Escape cancels).
function ask(text) {
  const dlg = $("#pl-confirm");
  if (!dlg.showModal) return Promise.resolve(confirm(text));
  $("#pl-confirm-text").textContent = text;
  dlg.returnValue = "";
  dlg.showModal();
  $("#pl-confirm-no").focus();
  return new Promise((ok) => dlg.addEventListener("close", () => ok(dlg.returnValue === "yes"), { once: true }));
}

async function act(n, action, what) {
  if (!(await ask(what))) return ($("#pl-result").textContent = `${n}: ${action} cancelled.`);
  const r = await call("POST", `/decoders/${encodeURIComponent(n)}/${action}`);
  const d = r.data;
  $("#pl-result").textContent = !r.ok ? `${n}: ${action} refused: ${d.error}` : d.unchanged ? `${n}: ${action}: unchanged, the file holds the live version.` : `${n}: ${action} done, live is ${d.live} (${String(d.hash).slice(0, 12)}).`;
  await loadPlugins();
}

// Readings: the latest value of each series from a sink, with a chart of each over a window.
let rdGen = 0;
async function loadReadings(ev) {
  if (ev) ev.preventDefault();
  const gen = ++rdGen;
  const q = new URLSearchParams({ limit: $("#rd-limit").value || 100 });
  if ($("#rd-sink").value) q.set("sink", $("#rd-sink").value);
  const r = await call("GET", "/readings?" + q);
  const body = $("#rd-table").tBodies[0];
  body.replaceChildren();
  if (r.data.sinks) {
    const sel = $("#rd-sink"), keep = sel.value;
    sel.replaceChildren(new Option("first that reads", ""), ...r.data.sinks.map((k) => new Option(k.name + (k.reads_readings ? "" : " (cannot read back)"), k.name)));
    sel.value = keep;
  }
  $("#rd-error").textContent = r.ok ? "" : r.data.error;
  if (!r.ok) return;
  const win = Number(document.querySelector("[name=rd-window]:checked").value);
  const charts = [];
  for (const x of r.data.readings) {
    const tr = body.insertRow();
    for (const v of [x.device, x.name, typeof x.value === "string" ? x.value : JSON.stringify(x.value), x.unit, x.quantity, when(x.time_ms)]) cell(tr, v);
    const td = cell(tr, "", "chart");
    if (typeof x.value !== "string") charts.push([td, x]);
  }
  // The first 50 series, three requests at a time: a bounded load on the sink.
  const todo = charts.slice(0, 50);
  const next = async () => {
    for (let c; (c = todo.shift()) && gen === rdGen; ) {
      const [td, x] = c;
      const q = new URLSearchParams({ sink: r.data.sink, device: x.device, name: x.name, from_ms: x.time_ms - win, to_ms: x.time_ms, max_points: 120 });
      const s = await call("GET", "/readings/series?" + q);
      if (gen === rdGen) td.replaceChildren(s.ok ? chart(s.data) : s.data.error);
    }
  };
  await Promise.all([next(), next(), next()]);
}

// A small chart as inline SVG: the mean line, and the min-max band when down-sampled.
function chart(s) {
  const W = 160, H = 40, p = s.points, unit = s.unit ? " " + s.unit : "";
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  const set = (e, a) => { for (const k in a) e.setAttribute(k, a[k]); return e; };
  set(svg, { viewBox: `0 0 ${W} ${H}`, role: "img" });
  if (!p.length) return set(svg, { "aria-label": `${s.name} of ${s.device}: no numeric readings in the window` });
  const lo = Math.min(...p.map((q) => q.min)), hi = Math.max(...p.map((q) => q.max));
  const x = (t) => (((t - s.from_ms) / (s.to_ms - s.from_ms || 1)) * W).toFixed(1);
  const y = (v) => (hi > lo ? H - 2 - ((v - lo) / (hi - lo)) * (H - 4) : H / 2).toFixed(1);
  const line = (pts, f) => pts.map((q) => x(q.time_ms) + "," + y(f(q))).join(" ");
  const path = (tag, a) => svg.appendChild(set(document.createElementNS(svg.namespaceURI, tag), a));
  if (s.downsampled) path("polygon", { class: "band", points: line(p, (q) => q.max) + " " + line([...p].reverse(), (q) => q.min) });
  path("polyline", { class: "line", points: p.length > 1 ? line(p, (q) => q.value) : `0,${y(p[0].value)} ${W},${y(p[0].value)}` });
  return set(svg, { "aria-label": `${s.name} of ${s.device}: ${p.length} points` + (s.downsampled ? ` summarising ${s.stored} readings` : "") + `, from ${lo} to ${hi}${unit}` });
}

function show(tab) {
  for (const t of document.querySelectorAll("[role=tab]")) {
    const on = t === tab;
    t.setAttribute("aria-selected", on);
    $("#" + t.getAttribute("aria-controls")).hidden = !on;
  }
  if (tab.id === "t-dead" && token) loadDead();
  if (tab.id === "t-plugins" && token) loadPlugins();
  if (tab.id === "t-readings" && token) loadReadings();
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
// Arrow keys move between the tabs, as in a tab list.
$("nav").onkeydown = (e) => {
  const tabs = [...document.querySelectorAll("[role=tab]")], i = tabs.indexOf(document.activeElement), d = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
  if (i < 0 || !d) return;
  const next = tabs[(i + d + tabs.length) % tabs.length];
  next.focus();
  show(next);
};
$("#dl-filter").onsubmit = loadDead;
$("#dl-all").onclick = () => replay({ all: true }, "every entry");
$("#try-form").onsubmit = tryFrame;
$("#pl-refresh").onclick = loadPlugins;
$("#rd-form").onsubmit = loadReadings;
for (const r of document.querySelectorAll("[name=rd-window]")) r.onchange = () => loadReadings();
// A page left for another (kept in the back-forward cache) would hold its event stream, one of
// the runtime's few: close it, and open one again if the page is shown again.
addEventListener("pagehide", () => { if (live) live.abort(); });
addEventListener("pageshow", (ev) => { if (ev.persisted) connect(); });
$("#token").value = token;
connect();
