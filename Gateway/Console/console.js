// The console: static pages over the public API, acting with a pasted token or with the session a
// console link opened (#portal=<secret>, redeemed once at /console/session for an HttpOnly cookie).
// Hash routes: #/ (list), #/s/{id} (detail), #/s/{id}/attempt/{logId}, #/new, #/s/{id}/edit.
"use strict";

const API = "/rest/v1/events-subscriptions";
const view = document.getElementById("view");
const flash = document.getElementById("flash");
const tokenInput = document.getElementById("token");
const signout = document.getElementById("signout");

const token = () => sessionStorage.getItem("es-token") || "";
const who = document.getElementById("who");

// The console session a link opened: {tenant, subject, scopes, readOnly, subscriptionId, expiresOn}, or null.
let session = null;
const signedIn = () => !!session || !!token();
const canWrite = () => !session || !session.readOnly;

// Each render belongs to one navigation: an answer that arrives after the operator moved on is dropped.
let generation = 0;
// The page being left is disabled at once: a click while the next page loads cannot act on the old one.
const begin = () => {
  const mine = ++generation;
  view.querySelectorAll("button, input, select, textarea").forEach(el => el.disabled = true);
  view.setAttribute("aria-busy", "true");
  return () => mine !== generation;
};
// A message meant for the page an action leads to (the hash change clears the flash otherwise).
let carried = "";

function esc(value) {
  return String(value ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));
}

function say(text, bad) {
  flash.textContent = text || "";
  flash.className = bad ? "bad" : "";
}

async function call(method, path, body, contentType) {
  // A session rides in its cookie; the header tells the gateway the change comes from the console.
  const headers = { "X-Requested-With": "es-console" };
  if (!session) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) headers["Content-Type"] = contentType || "application/json";
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  view.removeAttribute("aria-busy");
  if (session && response.status === 401) {
    session = null;
    say("The console session has ended: open a new link from your application.", true);
    setTimeout(route);
  }
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = { detail: text }; }
  return { ok: response.ok, status: response.status, json, headers: response.headers };
}

function problem(result) {
  const p = result.json || {};
  return `${result.status} ${p.title || ""}: ${p.detail || ""}`.trim();
}

const badge = value => `<span class="badge ${esc(value)}">${esc(value)}</span>`;
const when = value => value ? new Date(value).toLocaleString() : "—";
function age(value) {
  if (!value) return "—";
  const seconds = Math.max(0, Math.round((Date.now() - new Date(value)) / 1000));
  return seconds < 120 ? `${seconds} s` : seconds < 7200 ? `${Math.round(seconds / 60)} min` : `${Math.round(seconds / 3600)} h`;
}

// ---- list ---------------------------------------------------------------------------------------
const LIST_PAGE = 100;

function listPager(params, offset, count, id = "pager-list") {
  const at = next => { const q = new URLSearchParams(params); q.set("offset", String(next)); return `#/?${q}`; };
  return `<p class="pager" id="${id}">
    ${offset > 0 ? `<a href="${at(Math.max(0, offset - LIST_PAGE))}" class="newer">← newer</a>` : ""}
    <span>${count ? `${offset + 1}–${Math.min(offset + LIST_PAGE, count)} of ${count} subscription(s)` : "no subscription"}</span>
    ${offset + LIST_PAGE < count ? `<a href="${at(offset + LIST_PAGE)}" class="older">older →</a>` : ""}</p>`;
}
async function list(params) {
  const stale = begin();
  const text = params.get("text") || "", status = params.get("status") || "", health = params.get("health") || "";
  const offset = Math.max(0, parseInt(params.get("offset") || "0", 10) || 0);
  const query = new URLSearchParams({ limit: String(LIST_PAGE), offset: String(offset), sort: "-id" });
  if (text) query.set("name:contains", text);
  if (status) query.set("status", status);
  if (health) query.set("health.state", health);
  if (status === "ARCHIVED") query.set("includeInactive", "true");
  const result = await call("GET", `${API}?${query}`);
  if (stale()) return;
  if (!result.ok) return say(problem(result), true);
  const options = (values, chosen) => values.map(v => `<option ${v === chosen ? "selected" : ""}>${v}</option>`).join("");
  view.innerHTML = `
    <h1>Subscriptions</h1>
    <form class="filters" id="filters">
      <input name="text" placeholder="Name contains" value="${esc(text)}" aria-label="Name contains">
      <select name="status" aria-label="Status"><option value="">any status</option>${options(["ACTIVE", "SUSPENDED", "ARCHIVED"], status)}</select>
      <select name="health" aria-label="Health"><option value="">any health</option>${options(["FAILING", "HEALTHY", "UNKNOWN"], health)}</select>
      <button>Filter</button>
    </form>
    ${listPager(params, offset, result.json.meta.count)}
    <div class="scroll"><table id="subscriptions">
      <thead><tr><th>Id</th><th>Name</th><th class="hide-narrow">Resource</th><th>Status</th><th>Health</th><th class="hide-narrow">Failures</th><th class="hide-narrow">Pending</th></tr></thead>
      <tbody>${result.json.data.map(s => `
        <tr class="link" data-id="${s.id}">
          <td>${s.id}</td><td>${esc(s.name)}<br><small>${esc(s.customId)}</small></td>
          <td class="hide-narrow">${esc(s.events[0]?.split(":")[1])}</td>
          <td>${badge(s.status)}</td><td>${badge(s.health.state)}</td>
          <td class="hide-narrow">${s.health.consecutiveFailures}</td><td class="hide-narrow">${s.health.pendingDeliveries}</td>
        </tr>`).join("")}</tbody>
    </table></div>
    ${result.json.meta.count > LIST_PAGE ? listPager(params, offset, result.json.meta.count, "pager-bottom") : ""}`;
  document.getElementById("filters").onsubmit = e => {
    e.preventDefault();
    const form = new FormData(e.target);
    const next = new URLSearchParams();
    for (const [k, v] of form) if (v) next.set(k, v);
    location.hash = `#/?${next}`;
  };
  view.querySelectorAll("tr.link").forEach(row => row.onclick = () => location.hash = `#/s/${row.dataset.id}`);
}

// ---- detail -------------------------------------------------------------------------------------
const PAGE = 50;

async function detail(id, params) {
  const stale = begin();
  const eventId = params.get("eventId") || "";
  const dOffset = Math.max(0, parseInt(params.get("deliveries") || "0", 10) || 0);
  const lOffset = Math.max(0, parseInt(params.get("log") || "0", 10) || 0);
  const logQuery = new URLSearchParams({ limit: String(PAGE), offset: String(lOffset) });
  if (eventId) logQuery.set("eventId", eventId);
  const [item, deliveries, logs] = await Promise.all([
    call("GET", `${API}/${id}`),
    eventId ? call("GET", `${API}/${id}/deliveries/${encodeURIComponent(eventId)}`) : call("GET", `${API}/${id}/deliveries?limit=${PAGE}&offset=${dOffset}`),
    call("GET", `${API}/${id}/logs?${logQuery}`)]);
  if (stale()) return;
  if (!item.ok) return say(problem(item), true);
  const s = item.json.data, h = s.health;
  // One delivery found by its event id is shown as a page of one.
  const pending = !deliveries.ok ? { meta: { count: 0 }, data: [] }
    : eventId ? { meta: { count: 1 }, data: [deliveries.json.data.delivery] } : deliveries.json;
  const logPage = logs.ok ? logs.json : { meta: { count: 0 }, data: [] };
  const at = (key, offset) => { const next = new URLSearchParams(params); next.set(key, String(offset)); return `#/s/${id}?${next}`; };
  const pager = (key, offset, count) => `<p class="pager" id="pager-${key}">
      ${offset > 0 ? `<a href="${at(key, Math.max(0, offset - PAGE))}" class="newer">← newer</a>` : ""}
      <span>${count ? `${offset + 1}–${Math.min(offset + PAGE, count)} of ${count}` : "none"}</span>
      ${offset + PAGE < count ? `<a href="${at(key, offset + PAGE)}" class="older">older →</a>` : ""}</p>`;
  const config = { ...s };
  for (const k of ["id", "status", "statusReason", "health", "uri", "resourceType", "createdOn", "updatedOn", "lastTriggeredOn", "backfill"]) delete config[k];
  const b = s.backfill, backfilling = b && b.status === "RUNNING";
  view.innerHTML = `
    <h1>${esc(s.name)} <small>#${s.id}</small></h1>
    <div class="card grid" id="summary">
      <dl><dt>Status</dt><dd>${badge(s.status)} ${esc(s.statusReason || "")}</dd></dl>
      <dl><dt>Health</dt><dd id="health-state">${badge(h.state)}</dd></dl>
      <dl><dt>Consecutive failures</dt><dd>${h.consecutiveFailures}</dd></dl>
      <dl><dt>Last error</dt><dd id="last-error">${esc(h.lastError || "—")}</dd></dl>
      <dl><dt>Last success / failure</dt><dd>${when(h.lastSuccessOn)} / ${when(h.lastFailureOn)}</dd></dl>
      <dl><dt>Pending deliveries</dt><dd id="pending">${h.pendingDeliveries}</dd></dl>
      <dl><dt>Oldest pending</dt><dd>${age(pending.meta.oldestPendingOn)}</dd></dl>
      <dl><dt>URL</dt><dd>${esc(s.url)}</dd></dl>
      <dl><dt>Backfill</dt><dd id="backfill-progress">${b ? `${badge(b.status)} ${b.entitiesRead} of ${b.total} read, ${b.queued} queued` +
        (b.deferred ? `, ${b.deferred} to read again` : "") + (b.finishedOn ? ` (${when(b.finishedOn)})` : "") : "—"}</dd></dl>
    </div>
    <div class="actions card" ${canWrite() ? "" : "hidden"}>
      ${s.status === "ACTIVE" ? `<button id="suspend" class="secondary">Suspend</button>` : ""}
      ${s.status === "SUSPENDED" ? `<button id="enable">Enable</button>` : ""}
      ${s.status !== "ARCHIVED" ? `<button id="test" class="secondary">Send a test</button>
        <button id="replay" class="secondary">Replay…</button>
        ${backfilling ? `<button id="cancel-backfill" class="secondary">Cancel backfill</button>` : `<button id="backfill" class="secondary">Backfill…</button>`}
        ${session && session.subscriptionId ? "" : `<a href="#/s/${s.id}/edit"><button type="button" class="secondary" id="edit-button">Edit</button></a>`}
        <button id="archive" class="danger">Archive</button>` : ""}
    </div>
    <form class="filters" id="find">
      <input name="eventId" placeholder="Find an event or delivery id" value="${esc(eventId)}" aria-label="Event or delivery id">
      <button class="secondary">Find</button>${eventId ? ` <a href="#/s/${id}">show all</a>` : ""}
    </form>
    ${chart(logPage.data)}
    <h2>Deliveries</h2>
    ${eventId && !deliveries.ok ? `<p id="not-found">${esc(problem(deliveries))}</p>` : ""}
    <div class="scroll"><table id="deliveries"><thead><tr><th>Event</th><th class="hide-narrow">Entity</th><th>State</th><th>Attempts</th><th class="hide-narrow">Next attempt</th><th></th></tr></thead>
    <tbody>${pending.data.map(d => `<tr>
      <td>${esc(d.event)}<br><small>${esc(d.eventId)}</small></td><td class="hide-narrow">${esc(d.entityKey)}</td><td>${badge(d.state)}</td>
      <td>${d.attempts}</td><td class="hide-narrow">${when(d.nextAttemptOn)}</td>
      <td>${s.status !== "ARCHIVED" && canWrite() && d.state !== "SUCCEEDED" ? `<button class="retry secondary" data-event="${esc(d.eventId)}">Retry now</button>` : ""}</td></tr>`).join("")}</tbody></table></div>
    ${eventId ? "" : pager("deliveries", dOffset, pending.meta.count || 0)}
    <h2>Delivery log</h2>
    <div class="scroll"><table id="log"><thead><tr><th>When</th><th class="hide-narrow">Entity</th><th>Attempt</th><th>Outcome</th><th>Status</th><th class="hide-narrow">Error</th></tr></thead>
    <tbody>${logPage.data.map(l => `<tr class="link" data-log="${l.id}" data-event="${esc(l.eventData.eventId)}">
      <td>${when(l.createdOn)}</td><td class="hide-narrow">${esc(l.eventData.resource)}/${l.eventData.entityId}<br><small>${esc(l.eventData.event)}</small></td>
      <td>${l.attempt}</td><td>${badge(l.outcome)}</td><td>${l.statusCode ?? "—"}</td><td class="hide-narrow">${esc(l.error || "")}</td></tr>`).join("")}</tbody></table></div>
    ${pager("log", lOffset, logPage.meta.count || 0)}
    <h2>Configuration</h2><pre>${esc(JSON.stringify(config, null, 2))}</pre>`;
  const act = async (name, body, confirmText) => {
    if (confirmText && !confirm(confirmText)) return;
    view.querySelectorAll(".actions button").forEach(b => b.disabled = true);
    const result = await call("POST", `${API}/${id}/actions/${name}`, body);
    say(result.ok ? done(name, result) : problem(result), !result.ok || (name === "test" && result.json.data.outcome !== "SUCCEEDED"));
    route();
  };
  const on = (idName, handler) => { const b = document.getElementById(idName); if (b) b.onclick = handler; };
  on("suspend", () => { const reason = prompt("Why suspend it?"); if (reason) act("suspend", { reason }); });
  on("enable", () => act("enable"));
  on("archive", () => act("archive", undefined, `Archive subscription ${id}? Archiving is final: its pending deliveries are cancelled.`));
  on("test", () => act("test"));
  on("backfill", () => act("backfill", undefined,
    `Send the current state of every ${s.events[0].split(":")[1]} this subscription selects, as entity:…:backfill events?`));
  on("cancel-backfill", () => act("cancel-backfill"));
  on("replay", () => {
    const since = prompt("Queue again what was queued since (ISO 8601 date or time):", new Date(Date.now() - 3600e3).toISOString());
    if (since) act("replay", { since });
  });
  view.querySelectorAll("button.retry").forEach(b => b.onclick = async () => {
    const result = await call("POST", `${API}/${id}/deliveries/${encodeURIComponent(b.dataset.event)}/actions/retry`);
    say(result.ok ? `retry queued (was ${result.json.data.previousState})` : problem(result), !result.ok);
    setTimeout(route, 1500);
  });
  view.querySelectorAll("tr[data-log]").forEach(row => row.onclick = () =>
    location.hash = `#/s/${id}/attempt/${row.dataset.log}?eventId=${encodeURIComponent(row.dataset.event)}`);
  document.getElementById("find").onsubmit = e => {
    e.preventDefault();
    // An event id, or a delivery id (the webhook-id: <subscription>-<eventId>).
    const given = new FormData(e.target).get("eventId").trim();
    const wanted = given.startsWith(`${id}-`) ? given.slice(`${id}-`.length) : given;
    location.hash = wanted ? `#/s/${id}?eventId=${encodeURIComponent(wanted)}` : `#/s/${id}`;
  };
}

// What an action did, in words: a test's outcome, how many deliveries a replay queued.
function done(name, result) {
  const data = result.json && result.json.data;
  if (name === "test") {
    return `Test call ${data.outcome}: ${data.statusCode ? `HTTP ${data.statusCode}` : "no answer"}` +
      `${data.error ? ` (${data.error})` : ""} in ${data.durationMs ?? "?"} ms`;
  }
  if (name === "replay") return `Replay queued ${result.headers.get("X-Replayed-Deliveries") || 0} deliveries again`;
  if (name === "backfill") return `Backfill started: ${data.backfill.total} entities to read`;
  return `${name}: done (now ${data.status})`;
}

// The newest attempts of the page, oldest to newest: a bar each, its height the call's duration,
// green when it succeeded, red when not; with the success rate and the median duration.
function chart(entries) {
  const attempts = entries.filter(l => l.outcome !== "CANCELLED").slice().reverse();
  if (attempts.length === 0) return "";
  const ok = attempts.filter(l => l.outcome === "SUCCEEDED").length;
  const durations = attempts.map(l => l.durationMs ?? 0);
  const sorted = durations.slice().sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)];
  const top = Math.max(1, sorted[sorted.length - 1]);
  const width = 6, gap = 2, height = 40;
  const bars = attempts.map((l, i) => {
    const h = Math.max(2, Math.round((l.durationMs ?? 0) / top * height));
    return `<rect x="${i * (width + gap)}" y="${height - h}" width="${width}" height="${h}" class="${l.outcome === "SUCCEEDED" ? "bar-ok" : "bar-bad"}"><title>${esc(when(l.createdOn))}: ${esc(l.outcome)}, ${l.durationMs ?? "?"} ms</title></rect>`;
  }).join("");
  return `<div class="card" id="chart"><strong>${Math.round(ok / attempts.length * 100)} %</strong> of the last ${attempts.length} attempts succeeded;
    median ${median} ms, slowest ${sorted[sorted.length - 1]} ms
    <svg role="img" aria-label="attempt durations" width="${attempts.length * (width + gap)}" height="${height}" viewBox="0 0 ${attempts.length * (width + gap)} ${height}" style="max-width: 100%">${bars}</svg></div>`;
}

// ---- one attempt --------------------------------------------------------------------------------
async function attempt(id, logId, params) {
  const stale = begin();
  // The attempts of its event (found at any age), else the newest 1,000.
  const eventId = params.get("eventId");
  const logs = await call("GET", `${API}/${id}/logs?limit=1000${eventId ? `&eventId=${encodeURIComponent(eventId)}` : ""}`);
  if (!logs.ok) return say(problem(logs), true);
  const entry = logs.json.data.find(l => String(l.id) === logId);
  if (!entry) return say(`No log entry ${logId} in subscription ${id}'s log`, true);
  const delivery = await call("GET", `${API}/${id}/deliveries/${encodeURIComponent(entry.eventData.eventId)}`);
  if (stale()) return;
  const request = delivery.ok ? delivery.json.data.request : null;
  view.innerHTML = `
    <p><a href="#/s/${esc(id)}">← subscription ${esc(id)}</a></p>
    <h1>Attempt ${entry.attempt} of ${esc(entry.eventData.event)}</h1>
    <div class="card grid" id="attempt">
      <dl><dt>Outcome</dt><dd>${badge(entry.outcome)}</dd></dl>
      <dl><dt>Response status</dt><dd>${entry.statusCode ?? "no answer"}</dd></dl>
      <dl><dt>Duration</dt><dd>${entry.durationMs ?? "—"} ms</dd></dl>
      <dl><dt>Error</dt><dd>${esc(entry.error || "—")}</dd></dl>
      <dl><dt>When</dt><dd>${when(entry.createdOn)}</dd></dl>
      <dl><dt>Next attempt</dt><dd>${when(entry.nextAttemptOn)}</dd></dl>
      <dl><dt>Delivery (webhook-id)</dt><dd>${esc(entry.deliveryId)}</dd></dl>
      <dl><dt>Entity</dt><dd>${esc(entry.eventData.resource)}/${entry.eventData.entityId}</dd></dl>
    </div>
    ${canWrite() ? `<button id="retry-one">Retry this delivery now</button>` : ""}
    <h2>Response headers</h2><pre id="response-headers">${esc(entry.responseHeaders || (entry.outcome === "SUCCEEDED" ? "(not kept for a success)" : "(none: no answer)"))}</pre>
    <h2>Response body (excerpt)</h2><pre id="excerpt">${esc(entry.responseExcerpt || "(empty)")}</pre>
    ${request ? `<h2>Request as sent</h2><pre id="request">${esc(`${request.method} ${request.url}\n` +
      Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`).join("\n"))}</pre>
      <pre id="request-body">${esc(JSON.stringify(request.body, null, 2))}</pre>` : ""}`;
  const retryOne = document.getElementById("retry-one");
  if (retryOne) retryOne.onclick = async () => {
    const result = await call("POST", `${API}/${id}/deliveries/${encodeURIComponent(entry.eventData.eventId)}/actions/retry`);
    say(result.ok ? `retry queued (was ${result.json.data.previousState})` : problem(result), !result.ok);
  };
}

// ---- recent events of a resource ------------------------------------------------------------------
async function events(params) {
  const stale = begin();
  const resource = params.get("resource") || "";
  let rows = "";
  if (resource) {
    const result = await call("GET", `/rest/v1/recent-events?resource=${encodeURIComponent(resource)}&limit=100`);
    if (stale()) return;
    if (!result.ok) return say(problem(result), true);
    rows = result.json.data.map(e => `<tr>
      <td>${when(e.queuedOn)}</td><td>${esc(e.event)}<br><small>${esc(e.eventId)}</small></td><td class="hide-narrow">${esc(e.entityKey)}</td>
      <td>${e.subscriptions.map(s => `<a href="#/s/${s.subscription}">#${s.subscription}</a> ${badge(s.state)}`).join("<br>")}</td></tr>`).join("");
  }
  view.innerHTML = `
    <h1>Recent events</h1>
    <form class="filters" id="events-form"><input name="resource" placeholder="Resource, e.g. employees" value="${esc(resource)}" aria-label="Resource"><button>Show</button></form>
    ${resource ? `<div class="scroll"><table id="recent-events"><thead><tr><th>Queued</th><th>Event</th><th class="hide-narrow">Entity</th><th>Subscriptions</th></tr></thead>
      <tbody>${rows || '<tr><td colspan="4">No event of this resource was queued in the last 24 hours.</td></tr>'}</tbody></table></div>` : ""}`;
  document.getElementById("events-form").onsubmit = e => {
    e.preventDefault();
    location.hash = `#/events?resource=${encodeURIComponent(new FormData(e.target).get("resource"))}`;
  };
}

// ---- the region tree -------------------------------------------------------------------------------
async function regions(params) {
  const stale = begin();
  const root = params.get("root") || "";
  let tree = "";
  if (root) {
    const result = await call("GET", `/rest/v1/regions/${encodeURIComponent(root)}/tree`);
    if (stale()) return;
    if (!result.ok) return say(problem(result), true);
    // A subtree is listed 500 regions and 20 levels at most: a region with more children than
    // listed links to its own subtree.
    const more = node => node.childCount > node.children.length
      ? ` <a href="#/regions?root=${node.id}">${node.childCount - node.children.length} more below…</a>` : "";
    const render = node => `<li><strong>${node.id}</strong> ${esc(node.name || "")}${more(node)}${node.children.length ? `<ul>${node.children.map(render).join("")}</ul>` : ""}</li>`;
    tree = `<ul id="region-tree" class="card">${render(result.json.data)}</ul>`;
  }
  view.innerHTML = `
    <h1>Regions</h1>
    <form class="filters" id="regions-form"><input name="root" placeholder="Region id" value="${esc(root)}" aria-label="Region id"><button>Show its subtree</button></form>
    ${tree}`;
  document.getElementById("regions-form").onsubmit = e => {
    e.preventDefault();
    location.hash = `#/regions?root=${encodeURIComponent(new FormData(e.target).get("root"))}`;
  };
}

// ---- create and edit ----------------------------------------------------------------------------
const FIELDS = [
  ["customId", "Custom id", "text"], ["name", "Name", "text"], ["events", "Events (comma-separated, entity:<resource>:<trigger>)", "text"],
  ["contextFilters", "Context filters (JSON)", "json"], ["userDefinedFilters", "User-defined filters (JSON, optional)", "json"],
  ["entityResponse", "Entity response (JSON, optional): {\"fields\": [...], \"include\": [...]}", "json"],
  ["url", "URL", "text"], ["secret", "Secret (16 to 256 characters; write-only)", "password"],
  ["secretHeaderName", "Secret header name (optional)", "text"],
  ["secretHeaderMode", "Secret header carries (optional): secret (the secret itself) or hmac-sha512 (an HMAC of the body)", "text"],
  ["failureEmail", "Failure e-mail (optional)", "text"],
  ["language", "Language (optional)", "text"],
  ["delivery", "Delivery (JSON, optional): {\"maxInFlight\": 1-100, \"timeoutSeconds\": 1-60, \"maxPerSecond\": number or null}", "json"],
];

async function edit(id) {
  const stale = begin();
  let current = null;
  if (id) {
    const result = await call("GET", `${API}/${id}`);
    if (stale()) return;
    if (!result.ok) return say(problem(result), true);
    current = result.json.data;
  }
  // The events a subscription can name, offered as the events field is typed.
  const types = await call("GET", "/rest/v1/event-types");
  if (stale()) return;
  const eventNames = types.ok ? types.json.data.map(t => t.event) : [];
  const value = (name, kind) => {
    if (!current) return name === "contextFilters" ? '{"filters": [{"tag": "context.*"}]}' : "";
    const v = current[name];
    if (v === null || v === undefined) return "";
    if (name === "events") return v.join(", ");
    return kind === "json" ? JSON.stringify(v) : v;
  };
  view.innerHTML = `
    <h1>${id ? `Edit subscription ${esc(id)}` : "New subscription"}</h1>
    <form class="edit card" id="edit" novalidate>
      <div class="error" id="error-$"></div>
      ${FIELDS.map(([name, label, kind]) => `
        <div data-field="${name}">
          <label for="f-${name}">${esc(label)}</label>
          ${kind === "json" ? `<textarea id="f-${name}" name="${name}" rows="2">${esc(value(name, kind))}</textarea>`
                            : `<input id="f-${name}" name="${name}" type="${kind === "password" ? "password" : "text"}" value="${esc(value(name, kind))}"
                                ${kind === "password" && id ? 'placeholder="leave empty to keep the secret"' : ""}>`}
          <div class="error" id="error-${name}"></div>
        </div>`).join("")}
      <p><button>${id ? "Save" : "Create"}</button></p>
    </form>
    <datalist id="event-types">${eventNames.map(e => `<option value="${esc(e)}">`).join("")}</datalist>`;
  document.getElementById("f-events").setAttribute("list", "event-types");
  document.getElementById("edit").onsubmit = async e => {
    e.preventDefault();
    view.querySelectorAll(".error").forEach(el => el.textContent = "");
    view.querySelectorAll(".field-error").forEach(el => el.classList.remove("field-error"));
    const body = {};
    for (const [name, , kind] of FIELDS) {
      const raw = document.getElementById(`f-${name}`).value.trim();
      if (!raw) {
        // Editing: a field emptied resets it (null in the merge patch), the secret excepted (empty keeps it).
        if (id && name !== "secret" && current[name] !== null && current[name] !== undefined) body[name] = null;
        continue;
      }
      if (name === "events") body.events = raw.split(",").map(s => s.trim()).filter(Boolean);
      else if (kind === "json") { try { body[name] = JSON.parse(raw); } catch { body[name] = raw; } }
      else body[name] = raw;
    }
    const result = id ? await call("PATCH", `${API}/${id}`, body, "application/merge-patch+json") : await call("POST", API, body);
    if (result.ok) {
      carried = id ? `Saved subscription ${id}` : `Created subscription ${result.json.data.id}`;
      if (result.json.warnings) carried += ` (${result.json.warnings.join("; ")})`;
      location.hash = `#/s/${result.json.data.id}`;
      return;
    }
    const errors = (result.json && result.json.errors) || {};
    let placed = false;
    for (const [key, messages] of Object.entries(errors)) {
      const field = FIELDS.map(f => f[0]).find(f => key === f || key.startsWith(`${f}.`) || key.startsWith(`${f}[`));
      const target = document.getElementById(`error-${field || "$"}`);
      target.textContent += `${field && key !== field ? key + ": " : ""}${messages.join("; ")} `;
      if (field) { document.querySelector(`[data-field="${field}"]`).classList.add("field-error"); placed = true; }
    }
    if (!placed) document.getElementById("error-$").textContent = problem(result);
    say("Not saved: see the fields marked", true);
  };
}

// ---- routing ------------------------------------------------------------------------------------
function header() {
  signout.hidden = !signedIn();
  tokenInput.hidden = signedIn();
  document.querySelector("#signin button[type=submit]").hidden = signedIn();
  const limited = session && session.subscriptionId;
  who.textContent = session ? `${session.tenant}${session.readOnly ? " · read-only" : ""}` : "";
  who.hidden = !session;
  // A session limited to one subscription shows that one alone; a read-only one creates nothing.
  for (const id of ["nav-list", "nav-failing", "nav-suspended", "nav-events", "nav-regions"]) document.getElementById(id).hidden = !!limited;
  document.getElementById("nav-new").hidden = !!limited || !canWrite();
}

async function route() {
  header();
  if (!signedIn()) { view.innerHTML = "<p>Paste a token (<code>scripts/token.sh</code>) and sign in, or open a console link: the console acts with its scopes.</p>"; return; }
  const own = `#/s/${session && session.subscriptionId}`;
  if (session && session.subscriptionId && location.hash !== own && !location.hash.startsWith(`${own}/`) && !location.hash.startsWith(`${own}?`)) {
    location.replace(`#/s/${session.subscriptionId}`);
    return;
  }
  const hash = location.hash.slice(1) || "/";
  const [path, query] = hash.split("?");
  const parts = path.split("/").filter(Boolean);
  try {
    if (parts.length === 0) await list(new URLSearchParams(query || ""));
    else if (parts[0] === "new") await edit(null);
    else if (parts[0] === "events") await events(new URLSearchParams(query || ""));
    else if (parts[0] === "regions") await regions(new URLSearchParams(query || ""));
    else if (parts[0] === "s" && parts[2] === "edit") await edit(parts[1]);
    else if (parts[0] === "s" && parts[2] === "attempt") await attempt(parts[1], parts[3], new URLSearchParams(query || ""));
    else if (parts[0] === "s") await detail(parts[1], new URLSearchParams(query || ""));
    else view.innerHTML = "<p>Nothing here.</p>";
  } catch (error) {
    say(`The console could not reach the API: ${error}`, true);
  }
}

document.getElementById("signin").onsubmit = async e => {
  e.preventDefault();
  sessionStorage.setItem("es-token", tokenInput.value.trim());
  tokenInput.value = "";
  const check = await call("GET", `${API}?limit=1`);
  if (!check.ok) { sessionStorage.removeItem("es-token"); say(`Sign-in refused: ${problem(check)}`, true); }
  else say("Signed in");
  route();
};
signout.onclick = async () => {
  if (session) { await fetch("/console/session", { method: "DELETE" }); session = null; }
  sessionStorage.removeItem("es-token");
  say("Signed out");
  route();
};
window.addEventListener("hashchange", () => { say(carried); carried = ""; route(); });

async function loadSession() {
  const current = await fetch("/console/session");
  session = current.ok ? (await current.json()).data : null;
  if (session) sessionStorage.removeItem("es-token");
}

// A link's secret is in the fragment: taken out of the address bar at once, and redeemed once, on a
// click (a scanner that runs the page does not use it up, and no page can sign anyone in silently).
async function start() {
  const link = location.hash.match(/^#portal=([A-Za-z0-9_-]+)$/);
  await loadSession();
  if (!link) return route();
  history.replaceState(null, "", location.pathname + location.search);
  header();
  view.innerHTML = `
    <div class="card" id="open-link-card">
      <h1>Open the console</h1>
      <p>This link signs you in to the console of the application that gave it to you. It works once.</p>
      ${session ? `<p class="error">You are signed in to <strong>${esc(session.tenant)}</strong>: opening it ends that session.</p>` : ""}
      <p><button id="open-link">Open the console</button></p>
    </div>`;
  document.getElementById("open-link").onclick = async () => {
    const redeemed = await fetch("/console/session", {
      method: "POST", headers: { "Content-Type": "application/json", "X-Requested-With": "es-console" }, body: JSON.stringify({ link: link[1] }) });
    if (!redeemed.ok) {
      const p = await redeemed.json().catch(() => ({}));
      say(`This link cannot sign you in: ${p.detail || redeemed.status}`, true);
    } else {
      say("");
    }
    await loadSession();
    if (session && session.subscriptionId) location.replace(`#/s/${session.subscriptionId}`);
    route();
  };
}
start();
