// The steps page: an overview, a filterable table, one step, the failed
// steps. Everything comes from Letta's API of this server (/v1/steps/).
// Every value reaches the page through textContent or an attribute set by
// the DOM, never as HTML, so a model named <script> stays text.
"use strict";

const main = document.getElementById("main");
const PAGE = 50;        // rows of the table
const OVERVIEW_CAP = 10000; // steps the overview reads, newest first

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === "class") e.className = v; else e.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === undefined || c === null) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}

// The bearer token, when the server wants one, lives in this tab only.
function authHeaders() {
  const t = sessionStorage.getItem("steps-token");
  return t ? { Authorization: "Bearer " + t } : {};
}

async function api(path) {
  const r = await fetch(path, { headers: authHeaders() });
  if (r.status === 401) {
    const t = prompt("This server wants a bearer token (AGENTSTEPS_SERVE_TOKEN):");
    if (t) { sessionStorage.setItem("steps-token", t); return api(path); }
  }
  if (!r.ok) {
    let detail = r.statusText;
    try { detail = (await r.json()).detail; } catch (_) { /* keep statusText */ }
    throw new Error(r.status + ": " + detail);
  }
  return r.json();
}

function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== "" && v !== undefined && v !== null) u.set(k, v);
  return u.toString();
}

// start_time and end_time are RFC 3339 texts with nanoseconds.
const ms = (t) => (t ? Date.parse(t) : null);
const fmtTime = (t) => (t ? new Date(ms(t)).toISOString().replace("T", " ").replace("Z", "") : "-");
const duration = (s) => (s.start_time && s.end_time ? ms(s.end_time) - ms(s.start_time) : null);
const dash = (v) => (v === null || v === undefined || v === "" ? "-" : v);
// cost_usd is unset when the step could not be priced: such a step is
// unpriced, never $0. USD shows to the nano-dollar, trailing zeros cut.
const priced = (s) => typeof s.cost_usd === "number";
const fmtUSD = (v) => (v === null || v === undefined ? "-" : "$" + v.toFixed(9).replace(/\.?0+$/, ""));

function route() {
  const hash = location.hash.replace(/^#/, "") || "/overview";
  const [path, query] = hash.split("?");
  const params = Object.fromEntries(new URLSearchParams(query || ""));
  for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", path.startsWith("/" + a.dataset.view));
  main.replaceChildren(el("p", { class: "note" }, "Loading…"));
  let view;
  if (path.startsWith("/step/")) view = stepView(decodeURIComponent(path.slice(6)));
  else if (path === "/steps") view = stepsView(params);
  else if (path === "/failed") view = failedView();
  else view = overviewView(params);
  main.setAttribute("aria-busy", "true");
  view.catch((err) => main.replaceChildren(el("p", { class: "failed" }, "Error: " + err.message)))
    .finally(() => main.setAttribute("aria-busy", "false"));
}

// ---- overview ----

const RANGES = { "1h": 3600e3, "24h": 86400e3, "7d": 7 * 86400e3, "30d": 30 * 86400e3, all: 0 };

async function readRange(range) {
  const params = { limit: 1000 };
  if (RANGES[range]) params.start_date = new Date(Date.now() - RANGES[range]).toISOString();
  const out = [];
  for (;;) {
    const page = await api("v1/steps/?" + qs(params));
    out.push(...page);
    if (page.length < params.limit || out.length >= OVERVIEW_CAP) break;
    params.after = page[page.length - 1].id;
  }
  return out;
}

function quantile(sorted, q) {
  if (!sorted.length) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

// chart adds a card and returns the function that draws into it, to call
// once every card is laid out (a card's width depends on the others).
function chart(title, target, series, data) {
  const card = el("div", { class: "card chart", "data-chart": title }, el("h2", {}, title));
  target.append(card);
  return () => new uPlot(chartOpts(card, series), data, card);
}

function chartOpts(card, series) {
  return {
    width: Math.max(300, card.clientWidth - 24), height: 220,
    series: [{}, ...series.map((s, i) => ({ label: s, stroke: ["#2f6fde", "#d0452f", "#2b9e62", "#a05ad6", "#c78b1a", "#555"][i % 6], width: 2, spanGaps: true }))],
    axes: [{}, { size: 60 }],
  };
}

async function overviewView(params) {
  const range = params.range in RANGES ? params.range : "all";
  const steps = await readRange(range);
  const sel = el("select", { "aria-label": "time range" });
  for (const r of Object.keys(RANGES)) sel.append(el("option", { value: r }, r === "all" ? "all time" : "last " + r));
  sel.value = range;
  sel.onchange = () => { location.hash = "#/overview?" + qs({ range: sel.value }); };
  const head = el("div", {}, sel, " ",
    el("span", { class: "note", id: "overview-count" }, steps.length + " steps" + (steps.length >= OVERVIEW_CAP ? " (the latest " + OVERVIEW_CAP + ")" : "")));
  const charts = el("div", { class: "charts" });
  main.replaceChildren(head, charts);
  const timed = steps.filter((s) => s.start_time).sort((a, b) => ms(a.start_time) - ms(b.start_time));
  if (!timed.length) { charts.append(el("p", { class: "note" }, "No steps in this range yet.")); return; }

  const t0 = ms(timed[0].start_time), t1 = ms(timed[timed.length - 1].start_time);
  const n = 40, width = Math.max(1000, Math.ceil((t1 - t0 + 1) / n));
  const buckets = Array.from({ length: Math.floor((t1 - t0) / width) + 1 }, (_, i) => ({
    x: (t0 + i * width) / 1000, ok: 0, failed: 0, other: 0, input: 0, output: 0, cached: 0, durs: {}, cost: {},
  }));
  const models = new Set();
  for (const s of timed) {
    const b = buckets[Math.floor((ms(s.start_time) - t0) / width)];
    if (s.status === "success") b.ok++; else if (s.status === "failed") b.failed++; else b.other++;
    b.input += s.prompt_tokens || 0; b.output += s.completion_tokens || 0; b.cached += s.cached_input_tokens || 0;
    const d = duration(s), m = s.model || "(none)";
    if (d !== null) { models.add(m); (b.durs[m] = b.durs[m] || []).push(d); }
    if (priced(s)) b.cost[m] = (b.cost[m] || 0) + s.cost_usd;
  }
  // Cost by model over the range; a bucket without a priced step has no
  // cost point (a gap), not $0.
  const byModel = {};
  for (const s of timed) {
    const g = (byModel[s.model || "(none)"] = byModel[s.model || "(none)"] || { n: 0, unpriced: 0, usd: 0 });
    g.n++; if (priced(s)) g.usd += s.cost_usd; else g.unpriced++;
  }
  const unpriced = timed.filter((s) => !priced(s)).length;
  const costModels = Object.entries(byModel).filter(([, g]) => g.n > g.unpriced).sort((a, b) => b[1].usd - a[1].usd);
  const bucketUSD = (b, ms) => (ms.some((m) => m in b.cost) ? ms.reduce((t, m) => t + (b.cost[m] || 0), 0) : null);
  const xs = buckets.map((b) => b.x);
  const draws = [];
  draws.push(chart("Steps over time by status", charts, ["success", "failed", "other"],
    [xs, buckets.map((b) => b.ok), buckets.map((b) => b.failed), buckets.map((b) => b.other)]));
  draws.push(chart("Tokens over time", charts, ["input", "output", "cached input"],
    [xs, buckets.map((b) => b.input), buckets.map((b) => b.output), buckets.map((b) => b.cached)]));
  const ml = [...models].sort().slice(0, 6);
  draws.push(chart("Latency p95 (ms) by model", charts, ml,
    [xs, ...ml.map((m) => buckets.map((b) => quantile((b.durs[m] || []).sort((x, y) => x - y), 0.95)))]));
  draws.push(chart("Error rate (%)", charts, ["failed / all"],
    [xs, buckets.map((b) => { const all = b.ok + b.failed + b.other; return all ? (100 * b.failed) / all : null; })]));
  const cm = costModels.slice(0, 6).map(([m]) => m);
  draws.push(chart("Cost over time (USD)", charts, ["priced steps"], [xs, buckets.map((b) => bucketUSD(b, Object.keys(b.cost)))]));
  draws.push(chart("Cost (USD) by model, top " + cm.length, charts, cm, [xs, ...cm.map((m) => buckets.map((b) => bucketUSD(b, [m])))]));
  for (const draw of draws) draw();

  // Tables: latency by model, errors by provider and model.
  const groups = {};
  for (const s of timed) {
    const k = (s.provider_name || "-") + "\u0000" + (s.model || "-");
    const g = (groups[k] = groups[k] || { provider: s.provider_name, model: s.model, n: 0, failed: 0, durs: [] });
    g.n++; if (s.status === "failed") g.failed++;
    const d = duration(s); if (d !== null) g.durs.push(d);
  }
  const rows = Object.values(groups).sort((a, b) => b.n - a.n).map((g) => {
    g.durs.sort((x, y) => x - y);
    return el("tr", {}, el("td", {}, dash(g.provider)), el("td", {}, dash(g.model)), el("td", {}, g.n),
      el("td", {}, dash(quantile(g.durs, 0.5))), el("td", {}, dash(quantile(g.durs, 0.95))),
      el("td", {}, ((100 * g.failed) / g.n).toFixed(1) + "%"));
  });
  // Top agents and runs by tokens and by cost; by cost ranks only those
  // with a priced step, and says how many of their steps are unpriced.
  const top = (field, by, title, id) => {
    const sums = {};
    for (const s of timed) if (s[field]) {
      const t = (sums[s[field]] = sums[s[field]] || { n: 0, tokens: 0, unpriced: 0, usd: null });
      t.n++; t.tokens += s.total_tokens || 0;
      if (priced(s)) t.usd = (t.usd || 0) + s.cost_usd; else t.unpriced++;
    }
    const rows = Object.entries(sums).filter(([, t]) => by === "tokens" || t.usd !== null)
      .sort((a, b) => b[1][by] - a[1][by]).slice(0, 10)
      .map(([k, t]) => el("tr", {}, el("td", {}, k), el("td", {}, t.n), el("td", {}, t.tokens), el("td", {}, fmtUSD(t.usd)), el("td", {}, t.unpriced)));
    return el("div", { class: "card" }, el("h2", {}, title),
      el("table", { id }, el("tr", {}, ...[field, "steps", "tokens", "USD", "unpriced"].map((h) => el("th", {}, h))), ...rows));
  };
  charts.append(top("agent_id", "tokens", "Top agents by tokens", "top-agents"), top("run_id", "tokens", "Top runs by tokens", "top-runs"),
    top("agent_id", "usd", "Top agents by cost", "top-agents-cost"), top("run_id", "usd", "Top runs by cost", "top-runs-cost"));
  charts.append(el("div", { class: "card wide" }, el("h2", {}, "Cost by model"),
    el("p", { class: "note", id: "overview-unpriced" }, unpriced + " of " + timed.length + " steps in this range are unpriced (no cost_usd); the costs sum the priced steps only."),
    el("table", { id: "cost-by-model" }, el("tr", {}, ...["model", "steps", "unpriced", "USD"].map((h) => el("th", {}, h))),
      ...costModels.map(([m, g]) => el("tr", { "data-model": m }, el("td", {}, m), el("td", {}, g.n), el("td", {}, g.unpriced), el("td", {}, fmtUSD(g.usd)))))));
  charts.append(el("div", { class: "card wide" }, el("h2", {}, "Latency and errors by provider and model"),
    el("table", { id: "by-model" }, el("tr", {}, ...["provider", "model", "steps", "p50 ms", "p95 ms", "error rate"].map((h) => el("th", {}, h))), ...rows)));
}

// ---- steps table ----

const FILTERS = ["agent_id", "run_id", "conversation_id", "model", "provider_name", "status", "finish_reason", "start_date", "end_date"];

function stepRow(s) {
  return el("tr", { "data-step": s.id },
    el("td", {}, fmtTime(s.start_time)),
    el("td", {}, el("a", { href: "#/step/" + encodeURIComponent(s.id) }, s.id)),
    el("td", {}, dash(s.agent_id)), el("td", {}, dash(s.model)), el("td", {}, dash(s.provider_name)),
    el("td", {}, dash(s.prompt_tokens)), el("td", {}, dash(s.completion_tokens)), el("td", {}, dash(duration(s))),
    el("td", { class: s.status || "" }, dash(s.status)), el("td", {}, dash(s.finish_reason)));
}

const HEAD = ["start (UTC)", "id", "agent", "model", "provider", "tokens in", "tokens out", "ms", "status", "finish"];

async function stepsView(params) {
  const form = el("form", { class: "filters", id: "filters" });
  for (const f of FILTERS) form.append(el("input", { name: f, placeholder: f, "aria-label": f, value: params[f] || "" }));
  form.append(el("button", {}, "Filter"));
  form.onsubmit = (e) => {
    e.preventDefault();
    const p = {};
    for (const f of FILTERS) p[f] = form.elements[f].value.trim();
    location.hash = "#/steps?" + qs(p);
  };
  const q = { limit: PAGE };
  for (const f of FILTERS.concat(["after", "before"])) if (params[f]) q[f] = params[f];
  const steps = await api("v1/steps/?" + qs(q));
  const nav = (k, id) => { const p = { ...params }; delete p.after; delete p.before; p[k] = id; return "#/steps?" + qs(p); };
  const pager = el("div", { class: "pager" },
    steps.length ? el("a", { href: nav("before", steps[0].id), id: "newer" }, "← newer") : null,
    steps.length === PAGE ? el("a", { href: nav("after", steps[steps.length - 1].id), id: "older" }, "older →") : null);
  main.replaceChildren(form,
    el("table", { id: "steps" }, el("tr", {}, ...HEAD.map((h) => el("th", {}, h))), ...steps.map(stepRow)),
    steps.length ? pager : el("p", { class: "note" }, "No steps match."));
}

// ---- one step ----

function safeLink(url) {
  try {
    const u = new URL(url, location.href);
    return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
  } catch (_) { return null; }
}

async function stepView(id) {
  const s = await api("v1/steps/" + encodeURIComponent(id));
  const rows = Object.keys(s).sort().map((k) => {
    let v = s[k];
    if (v !== null && typeof v === "object") v = JSON.stringify(v, null, 1);
    const cell = el("td", { class: "wrap" }, dash(v));
    if (k === "trace_url" && safeLink(s.trace_url)) {
      cell.replaceChildren(el("a", { href: safeLink(s.trace_url), id: "trace-link", target: "_blank", rel: "noopener noreferrer" }, s.trace_url));
    }
    return el("tr", {}, el("th", {}, k), cell);
  });
  const parts = [el("h2", {}, "Step " + s.id), el("table", { id: "step" }, ...rows)];
  const related = async (title, path) => {
    const list = (await api(path)).filter((o) => o.id !== s.id);
    parts.push(el("h2", {}, title), list.length
      ? el("table", {}, el("tr", {}, ...HEAD.map((h) => el("th", {}, h))), ...list.map(stepRow))
      : el("p", { class: "note" }, "none"));
  };
  if (s.run_id) await related("Other steps of run " + s.run_id, "v1/runs/" + encodeURIComponent(s.run_id) + "/steps?order=asc&limit=200");
  if (s.trace_id) await related("Other steps of trace " + s.trace_id, "v1/steps/?" + qs({ trace_ids: s.trace_id, order: "asc", limit: 200 }));
  main.replaceChildren(...parts);
}

// ---- failed steps ----

async function failedView() {
  const steps = await api("v1/steps/?" + qs({ status: "failed", limit: 200 }));
  const rows = steps.map((s) => el("tr", { "data-step": s.id },
    el("td", {}, fmtTime(s.start_time)),
    el("td", {}, el("a", { href: "#/step/" + encodeURIComponent(s.id) }, s.id)),
    el("td", {}, dash(s.agent_id)), el("td", {}, dash(s.model)),
    el("td", {}, dash(s.error_type)), el("td", { class: "wrap" }, dash(s.error_data && s.error_data.message)),
    el("td", {}, safeLink(s.trace_url) ? el("a", { href: safeLink(s.trace_url), target: "_blank", rel: "noopener noreferrer" }, "trace") : "-")));
  main.replaceChildren(el("h2", {}, "Failed steps, newest first"),
    rows.length ? el("table", { id: "failed" }, el("tr", {}, ...["start (UTC)", "id", "agent", "model", "error type", "message", "trace"].map((h) => el("th", {}, h))), ...rows)
      : el("p", { class: "note" }, "No failed steps."));
}

document.getElementById("goto").onsubmit = (e) => {
  e.preventDefault();
  const id = e.target.elements.id.value.trim();
  if (id) location.hash = "#/step/" + encodeURIComponent(id);
};
window.addEventListener("hashchange", route);
route();
