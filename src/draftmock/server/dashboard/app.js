// The draftmock dashboard: plain JavaScript, no build step. Every action is a documented
// control API call (see /__draftmock/openapi.json), so this file doubles as an example client.
"use strict";

const API = "/__draftmock";
const $ = (id) => document.getElementById(id);
const ui = {
  session: sessionStorage.getItem("draftmock-session") || "default",
  token: sessionStorage.getItem("draftmock-token") || "",
  tab: "state",
  apis: [], // [{api, operations: [...]}], from the coverage report
  dump: null,
  journal: [], // newest first
  expanded: new Set(), // journal entries whose request and reply are shown
  lastId: 0,
  stream: null,
};

// -- helpers -------------------------------------------------------------------------------

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function table(node, head, rows) {
  node.replaceChildren(h("tr", {}, head.map((title) => h("th", {}, title))), ...rows);
}

function say(text, error = false) {
  const message = $("message");
  message.textContent = text;
  message.className = error ? "error" : "";
}

function headers(json, everySession = false) {
  const sent = {};
  if (ui.session !== "default" && !everySession) sent["X-Draftmock-Session"] = ui.session;
  if (ui.token) sent["X-Draftmock-Admin-Token"] = ui.token;
  if (json) sent["Content-Type"] = "application/json";
  return sent;
}

// Calls that name no session (listing sessions, resetting all) pass everySession.
async function call(method, path, body, everySession = false) {
  const response = await fetch(API + path, {
    method,
    headers: headers(body !== undefined, everySession),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const reason = (data && data.message) || response.statusText;
    say(`${method} ${path}: ${response.status} ${reason}`, true);
    throw new Error(reason);
  }
  return data;
}

async function act(method, path, body, done, everySession = false) {
  try {
    const data = await call(method, path, body, everySession);
    say(`${method} ${API}${path}: done`);
    if (done) done(data);
    await refresh();
  } catch (error) {
    /* already said */
  }
}

const iso = (epoch) => (epoch === null || epoch === undefined ? "—" : new Date(epoch * 1000).toISOString());
const statusClass = (status) => `status-${String(status)[0]}`;

// -- state dumps: the codec's tags unwrapped into plain values -----------------------------

function plain(value) {
  if (Array.isArray(value)) return value.map(plain);
  if (value === null || typeof value !== "object") return value;
  if ("__dataclass__" in value) {
    const record = { "@type": String(value.__dataclass__) };
    for (const [key, field] of Object.entries(value.fields || {})) record[key] = plain(field);
    return record;
  }
  if ("__dict__" in value) {
    const mapping = {};
    for (const [key, item] of value.__dict__) mapping[typeof key === "object" ? JSON.stringify(key) : key] = plain(item);
    return mapping;
  }
  if ("__tuple__" in value) return value.__tuple__.map(plain);
  if ("__set__" in value) return value.__set__.map(plain);
  if ("__object__" in value) return { "@type": String(value.__object__), ...plain(value.state) };
  const mapping = {};
  for (const [key, item] of Object.entries(value)) mapping[key] = plain(item);
  return mapping;
}

// Every record (a value carrying "@type") of an API's state, grouped by type: a table per kind
// of thing (dataset groups, datasets, documents, drafts, ...), whatever the vendor.
function records(root) {
  const kinds = new Map();
  const walk = (value, depth) => {
    if (depth > 40 || value === null || typeof value !== "object") return;
    if (Array.isArray(value)) return value.forEach((item) => walk(item, depth + 1));
    const type = value["@type"];
    if (type && depth > 0) {
      const name = type.split(/[.:]/).pop();
      if (!kinds.has(name)) kinds.set(name, []);
      kinds.get(name).push(value);
    }
    for (const [key, item] of Object.entries(value)) if (key !== "@type") walk(item, depth + 1);
  };
  walk(root, 0);
  return kinds;
}

const scalar = (value) => value === null || ["string", "number", "boolean"].includes(typeof value);
const TIMES = /(_at|At|_time|time)$/;

function cell(key, value) {
  if (typeof value === "number" && TIMES.test(key) && value > 1e9 && value < 1e11) {
    return h("td", { title: String(value) }, iso(value).replace(".000Z", "Z"));
  }
  const text = value === null ? "—" : String(value);
  return h("td", { title: text.length > 60 ? text : null }, text.length > 60 ? text.slice(0, 57) + "…" : text);
}

function renderRecords() {
  const holder = $("state-records");
  const raw = $("state-raw");
  const asJson = $("state-json").checked;
  const api = $("state-api").value;
  if (!ui.dump) return;
  const backend = ui.dump.state.backends[api];
  raw.hidden = !asJson;
  holder.hidden = asJson;
  if (asJson) {
    raw.textContent = JSON.stringify(api ? backend : ui.dump, null, 2);
    return;
  }
  const kinds = records(plain(backend));
  const blocks = [];
  for (const [kind, rows] of kinds) {
    const columns = [];
    for (const row of rows) for (const [key, value] of Object.entries(row)) {
      if (key !== "@type" && scalar(value) && !columns.includes(key)) columns.push(key);
    }
    const body = rows.map((row) => h("tr", { "data-kind": kind }, columns.map((key) => cell(key, row[key]))));
    const node = h("table", { "data-kind": kind });
    table(node, columns, body);
    blocks.push(h("h3", {}, `${kind} (${rows.length})`), node);
  }
  holder.replaceChildren(...(blocks.length ? blocks : [h("p", { class: "hint" }, "No records.")]));
}

async function loadState() {
  ui.dump = await call("GET", "/state");
  renderRecords();
}

function download() {
  if (!ui.dump) return;
  const blob = new Blob([JSON.stringify(ui.dump, null, 2)], { type: "application/json" });
  const link = h("a", { href: URL.createObjectURL(blob), download: `draftmock-${ui.session}-state.json` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
}

// -- clock, sessions ----------------------------------------------------------------------

async function loadClock() {
  const clock = await call("GET", "/clock");
  const node = $("clock");
  node.textContent = clock.iso;
  node.dataset.now = clock.now;
  node.classList.toggle("frozen", clock.frozen);
}

async function loadSessions() {
  const { sessions } = await call("GET", "/sessions");
  if (!sessions.includes(ui.session)) sessions.push(ui.session);
  $("session").replaceChildren(...sessions.map((name) => h("option", { value: name, selected: name === ui.session }, name)));
}

// -- jobs and progression -----------------------------------------------------------------

async function loadJobs() {
  const { jobs } = await call("GET", "/jobs");
  const rows = jobs.map((job) =>
    h("tr", { "data-job": job.id },
      h("td", { class: "num" }, job.id), h("td", {}, job.api), h("td", {}, job.operation || job.kind),
      h("td", {}, job.due === null ? (job.polls_left !== null ? `after ${job.polls_left} poll(s)` : "manual") : iso(job.due)),
      h("td", {}, job.failure ? "will fail" : ""),
      h("td", {},
        h("button", { type: "button", class: "run-now", onclick: () => act("POST", "/jobs/run", { job: job.id }) }, "Run now"),
        " ",
        h("button", { type: "button", class: "fail-next", onclick: () => act("POST", "/jobs/fail", { job: job.id }) }, "Fail next"))));
  table($("jobs-table"), ["job", "API", "operation", "due", "", ""], rows.length ? rows : [h("tr", {}, h("td", { colspan: 6 }, "No pending jobs."))]);
  const { rules } = await call("GET", "/progression");
  table($("progression-table"), ["API", "operation", "mode", "seconds", "polls"], rules.map((rule) =>
    h("tr", {}, h("td", {}, rule.api), h("td", {}, rule.operation_id), h("td", {}, rule.mode),
      h("td", {}, rule.seconds ?? "default"), h("td", {}, rule.polls ?? ""))));
}

// -- journal ------------------------------------------------------------------------------

function journalMatches(entry) {
  const api = $("journal-api").value;
  const operation = $("journal-operation").value.trim().toLowerCase();
  const status = $("journal-status").value.trim();
  return (!api || entry.api === api)
    && (!operation || String(entry.operation_id || "").toLowerCase().includes(operation))
    && (!status || String(entry.status).startsWith(status));
}

function pretty(message) {
  if (!message) return "";
  const lines = Object.entries(message.headers).map(([name, value]) => `${name}: ${value}`);
  let body = message.body;
  try { body = JSON.stringify(JSON.parse(body), null, 2); } catch (error) { /* not JSON */ }
  return `${lines.join("\n")}\n\n${body}${message.truncated ? `\n… (${message.size} bytes in all)` : ""}`;
}

function journalRow(entry, fresh) {
  const row = h("tr", { class: `journal-row${fresh ? " fresh" : ""}`, "data-entry": entry.id },
    h("td", { class: "num" }, entry.id), h("td", {}, iso(entry.at)), h("td", {}, entry.api),
    h("td", {}, entry.operation_id || "—"), h("td", {}, `${entry.method} ${entry.path}${entry.query ? "?" + entry.query : ""}`),
    h("td", { class: statusClass(entry.status) }, entry.status, entry.fault ? " (fault)" : ""),
    h("td", { class: "num" }, `${entry.duration_ms} ms`));
  row.addEventListener("click", () => {
    const next = row.nextElementSibling;
    if (next && next.classList.contains("detail-row")) {
      ui.expanded.delete(entry.id);
      return next.remove();
    }
    ui.expanded.add(entry.id);
    row.after(journalDetail(entry));
  });
  return row;
}

function journalDetail(entry) {
  return h("tr", { class: "detail-row" }, h("td", { colspan: 7 }, h("div", { class: "detail" },
    h("div", {}, h("strong", {}, "request"), h("pre", {}, pretty(entry.request))),
    h("div", {}, h("strong", {}, "reply"), h("pre", {}, pretty(entry.reply))))));
}

function renderJournal(freshIds = new Set()) {
  const rows = ui.journal.filter(journalMatches).slice(0, 300).flatMap((entry) => {
    const row = journalRow(entry, freshIds.has(entry.id));
    return ui.expanded.has(entry.id) ? [row, journalDetail(entry)] : [row];
  });
  table($("journal-table"), ["#", "time", "API", "operation", "request", "status", "took"], rows);
}

async function loadJournal() {
  const { requests } = await call("GET", "/requests?limit=300");
  ui.journal = requests;
  ui.expanded.clear();
  ui.lastId = requests.length ? requests[0].id : 0;
  renderJournal();
}

// Server-sent events read with fetch (EventSource cannot send the session or token headers);
// reconnects after the last id seen, as EventSource would.
async function follow() {
  const mine = {};
  ui.stream = mine;
  const badge = $("journal-live");
  while (ui.stream === mine) {
    try {
      const query = new URLSearchParams({ session: ui.session, since: String(ui.lastId) });
      const response = await fetch(`${API}/requests/stream?${query}`, { headers: headers(false) });
      if (!response.ok) throw new Error(String(response.status));
      badge.textContent = "live";
      badge.classList.add("live");
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      while (ui.stream === mine) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = {};
          for (const line of block.split("\n")) {
            const at = line.indexOf(": ");
            if (at > 0) fields[line.slice(0, at)] = (fields[line.slice(0, at)] || "") + line.slice(at + 2);
          }
          if (fields.event === "request" && fields.data) arrived(JSON.parse(fields.data));
          if (fields.event === "gone" && ui.stream === mine) { say(`session ${ui.session} was deleted`, true); ui.stream = null; }
        }
      }
      reader.cancel().catch(() => {});
    } catch (error) {
      badge.textContent = "reconnecting…";
      badge.classList.remove("live");
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

let refreshSoon = null;
function arrived(entry) {
  if (entry.id <= ui.lastId) return;
  ui.lastId = entry.id;
  ui.journal.unshift(entry);
  ui.journal.length = Math.min(ui.journal.length, 1000);
  if (ui.tab === "journal") renderJournal(new Set([entry.id]));
  clearTimeout(refreshSoon);
  refreshSoon = setTimeout(() => refresh(false), 250); // what the request changed
}

// -- coverage -----------------------------------------------------------------------------

async function loadCoverage() {
  const report = await call("GET", "/coverage");
  $("coverage-summary").textContent =
    `${report.covered} of ${report.documented} documented statuses exercised (${Math.round(report.share * 100)}%) since the last reset.`;
  const blocks = [];
  for (const [api, operations] of Object.entries(report.apis)) {
    const statuses = [...new Set(Object.values(operations).flatMap((row) => row.documented))].sort();
    const node = h("table", { "data-api": api });
    table(node, ["operation", ...statuses], Object.entries(operations).map(([operation, row]) =>
      h("tr", { "data-operation": operation }, h("td", {}, operation), statuses.map((status) =>
        !row.documented.includes(status) ? h("td", {}, "")
          : row.exercised.includes(status) ? h("td", { class: "hit", "data-status": status, title: "exercised" }, "✔")
            : h("td", { class: "missing", "data-status": status, title: "never exercised" }, "·")))));
    blocks.push(h("h3", {}, api), node);
  }
  $("coverage-tables").replaceChildren(...blocks);
}

// -- faults and snapshots -----------------------------------------------------------------

async function loadFaults() {
  const { rules } = await call("GET", "/faults");
  table($("faults-table"), ["id", "API", "operation", "status", "probability", "remaining", "latency ms", ""],
    rules.map((rule) => h("tr", { "data-rule": rule.id },
      h("td", { class: "num" }, rule.id), h("td", {}, rule.api), h("td", {}, rule.operation_id || "every"),
      h("td", {}, rule.status ?? ""), h("td", {}, rule.probability), h("td", {}, rule.remaining ?? "∞"),
      h("td", {}, rule.latency_ms ? rule.latency_ms.join("–") : ""),
      h("td", {}, h("button", { type: "button", onclick: () => act("DELETE", `/faults/${encodeURIComponent(rule.id)}`) }, "Delete")))));
}

async function loadSnapshots() {
  const { snapshots } = await call("GET", "/snapshots");
  table($("snapshots-table"), ["name", ""], snapshots.map((name) => h("tr", { "data-snapshot": name },
    h("td", {}, name),
    h("td", {},
      h("button", { type: "button", onclick: () => act("POST", `/snapshots/${encodeURIComponent(name)}`) }, "Restore"), " ",
      h("button", { type: "button", onclick: () => act("DELETE", `/snapshots/${encodeURIComponent(name)}`) }, "Delete")))));
}

// -- forms that pick an API and one of its operations ---------------------------------------

function fillOperations(form, any) {
  const entry = ui.apis.find((item) => item.api === form.elements.api.value);
  const options = (entry ? entry.operations : []).map((op) => h("option", { value: op }, op));
  form.elements.operation.replaceChildren(...(any ? [h("option", { value: "" }, "every operation")] : []), ...options);
}

function pickers() {
  for (const id of ["progression-form", "fail-form", "fault-form"]) {
    const form = $(id);
    if (form.elements.api.options.length) continue;
    form.elements.api.replaceChildren(...ui.apis.map(({ api }) => h("option", { value: api }, api)));
    form.elements.api.addEventListener("change", () => fillOperations(form, id === "fault-form"));
    fillOperations(form, id === "fault-form");
  }
  if (!$("state-api").options.length) {
    $("state-api").replaceChildren(...ui.apis.map(({ api }) => h("option", { value: api }, api)));
    $("journal-api").append(...ui.apis.map(({ api }) => h("option", { value: api }, api)));
  }
}

const number = (value) => (value === "" ? undefined : Number(value));

function wireForms() {
  $("progression-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target.elements;
    const body = { api: form.api.value, operation: form.operation.value, mode: form.mode.value };
    const value = number(form.value.value);
    if (value !== undefined && body.mode === "time") body.seconds = value;
    if (value !== undefined && body.mode === "polls") body.polls = Math.max(1, Math.round(value));
    act("PUT", "/progression", body);
  });
  $("progression-clear").addEventListener("click", () => act("DELETE", "/progression"));
  $("fail-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target.elements;
    act("POST", "/jobs/fail", { api: form.api.value, operation: form.operation.value, count: number(form.count.value) || 1 });
  });
  $("fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target.elements;
    const body = { api: form.api.value };
    if (form.operation.value) body.operation = form.operation.value;
    for (const key of ["status", "probability", "count", "latency_ms"]) {
      const value = number(form[key].value);
      if (value !== undefined) body[key] = value;
    }
    act("POST", "/faults", body);
  });
  $("faults-clear").addEventListener("click", () => act("DELETE", "/faults"));
  $("snapshot-form").addEventListener("submit", (event) => {
    event.preventDefault();
    act("POST", "/snapshots", { name: event.target.elements.name.value });
  });
}

// -- tabs, refresh, start -----------------------------------------------------------------

// The journal needs no loading: the stream keeps it current.
const LOADERS = { state: loadState, jobs: loadJobs, journal: async () => {}, coverage: loadCoverage, faults: loadFaults, snapshots: loadSnapshots };

async function refresh(everything = true) {
  try {
    await loadClock();
    if (everything) await loadSessions();
    await LOADERS[ui.tab]();
  } catch (error) {
    /* said already */
  }
}

function show(tab) {
  ui.tab = LOADERS[tab] ? tab : "state";
  for (const section of document.querySelectorAll("main section")) section.hidden = section.dataset.tab !== ui.tab;
  for (const link of document.querySelectorAll("#tabs a")) link.classList.toggle("active", link.getAttribute("href") === `#${ui.tab}`);
  if (ui.tab === "journal") renderJournal();
  refresh(false);
}

async function start() {
  $("token").value = ui.token;
  $("token").addEventListener("change", (event) => {
    ui.token = event.target.value;
    sessionStorage.setItem("draftmock-token", ui.token);
    switchSession(ui.session);
  });
  $("session").addEventListener("change", (event) => switchSession(event.target.value));
  $("freeze").addEventListener("click", () => act("POST", "/clock/freeze"));
  $("resume").addEventListener("click", () => act("POST", "/clock/resume"));
  $("advance").addEventListener("click", () => act("POST", "/clock/advance", { seconds: Number($("advance-seconds").value) || 0 }));
  $("reset").addEventListener("click", () => {
    if (confirm(`Reset session "${ui.session}" to its fixtures?`)) act("POST", "/reset", {});
  });
  $("reset-all").addEventListener("click", () => {
    if (confirm("Reset every session, the default state included, to the fixtures?")) act("POST", "/reset", { all: true }, null, true);
  });
  $("delete-session").addEventListener("click", () => {
    if (ui.session === "default") return say("the default state cannot be deleted: reset it instead", true);
    if (confirm(`Forget session "${ui.session}" (state, jobs, journal, snapshots)?`)) {
      act("DELETE", `/sessions/${encodeURIComponent(ui.session)}`, undefined, () => switchSession("default"), true);
    }
  });
  $("state-api").addEventListener("change", renderRecords);
  $("state-json").addEventListener("change", renderRecords);
  $("state-refresh").addEventListener("click", () => refresh(false));
  $("state-download").addEventListener("click", download);
  for (const id of ["journal-api", "journal-operation", "journal-status"]) $(id).addEventListener("input", () => renderJournal());
  wireForms();
  window.addEventListener("hashchange", () => show(location.hash.slice(1)));
  try {
    const report = await call("GET", "/coverage");
    ui.apis = Object.entries(report.apis).map(([api, operations]) => ({ api, operations: Object.keys(operations) }));
  } catch (error) {
    return; // refused: the message says why
  }
  pickers();
  await switchSession(ui.session);
  // Control calls from other clients are not journaled: look again every 2 s (not while the
  // JSON dump is open, which would lose its scroll position).
  setInterval(() => {
    if (!(ui.tab === "state" && $("state-json").checked)) refresh(false);
    else loadClock().catch(() => {});
  }, 2000);
}

async function switchSession(name) {
  ui.session = name;
  sessionStorage.setItem("draftmock-session", name);
  ui.stream = null;
  try {
    await loadSessions();
    await loadJournal();
  } catch (error) {
    return;
  }
  show(location.hash.slice(1) || "state");
  follow();
}

start();
