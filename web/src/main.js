// KnowledgeWeaver web UI: a conversation (a thread of questions, each streamed answer with its citation
// chips, badges and trace link, and the standalone question a follow-up was understood as; "New
// conversation" starts over), the graph behind the answer (Cytoscape; click to expand; a legend of node
// types), entity search that adds to the graph, and uploads with the job's real progress. The page opens
// on the namespace the server says holds data, and a namespace switch makes every panel follow it.
// Everything goes through the public HTTP API; SSE is read with fetch so the API key header travels. The conversation's id is kept per namespace in localStorage, so
// a reload shows the thread again (from GET /v1/sessions/{id}).
import cytoscape from "cytoscape";

const $ = (id) => document.getElementById(id);
const state = { config: null, graph: null, session: null, view: 0 };
const TYPE_COLORS = {
  Person: "#2557a7", Organization: "#8a3ffc", Place: "#0f7d5c", Product: "#b35c00",
  Event: "#a5461a", Concept: "#66707c", Other: "#9aa4ae",
};

function headers(extra = {}) {
  const key = $("api-key").value.trim();
  return key ? { ...extra, Authorization: `Bearer ${key}` } : extra;
}

function namespace() {
  return $("namespace").value.trim() || state.config.default_namespace;
}

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: headers(options.headers || {}) });
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try { message = (await response.json()).error.message; } catch { /* not JSON */ }
    throw new Error(message);
  }
  return response;
}

// Server-sent events over fetch: yields [event, data] pairs as they arrive, read as the SSE spec
// (EventSource) reads them — the server's side is backend/sse.py: a field's value loses one leading
// space, an event's data lines are joined with "\n", a blank line dispatches, comments are skipped.
async function* sse(response) {
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "", event = "message", data = [];
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let cut;
    while ((cut = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, buffer[cut - 1] === "\r" ? cut - 1 : cut);
      buffer = buffer.slice(cut + 1);
      if (line === "") {
        if (data.length) yield [event, JSON.parse(data.join("\n"))];
        event = "message";
        data = [];
        continue;
      }
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let text = colon < 0 ? "" : line.slice(colon + 1);
      if (text.startsWith(" ")) text = text.slice(1);
      if (field === "event") event = text;
      else if (field === "data") data.push(text);
    }
  }
}

function fmtTime(seconds) {
  if (seconds == null) return "";
  const s = Math.floor(seconds); // as a player's clock and the CLI's table show it
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
}

function badge(text, cls = "") {
  const span = document.createElement("span");
  span.className = `badge ${cls}`.trim();
  span.textContent = text;
  return span;
}

// --- conversation -------------------------------------------------------------------------------
const sessionKey = () => `kw.session.${namespace()}`;

function setSession(id) {
  state.session = id;
  if (id) localStorage.setItem(sessionKey(), id);
  else localStorage.removeItem(sessionKey());
  $("session").textContent = id ? `${id.slice(0, 12)}…` : "";
  $("session").title = id || "";
}

// A turn of the thread. The newest turn's parts carry the ids (#answer, #chips, …); older turns keep
// only their classes.
function newTurn(question) {
  for (const id of ["answer", "badges", "trace", "chips", "excerpt", "understood"]) $(id)?.removeAttribute("id");
  const turn = document.createElement("li");
  turn.className = "turn";
  const part = (tag, cls, id) => Object.assign(document.createElement(tag), { className: cls, id });
  const asked = part("p", "asked");
  asked.textContent = question;
  turn.dataset.question = question;
  const understood = part("p", "understood muted", "understood");
  understood.hidden = true;
  const excerpt = part("article", "excerpt", "excerpt");
  excerpt.hidden = true;
  turn.append(asked, understood, part("div", "answer", "answer"), part("div", "badges", "badges"),
    part("div", "trace", "trace"), part("div", "chips", "chips"), excerpt);
  $("thread").append(turn);
  turn.scrollIntoView({ block: "nearest" });
  return turn;
}

function showUnderstood(turn, question, standalone) {
  const line = turn.querySelector(".understood");
  line.hidden = !standalone || standalone === question;
  line.textContent = `understood as: ${standalone}`;
}

async function ask(event) {
  event.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  const button = $("ask");
  button.disabled = true;
  const turn = newTurn(question);
  const answer = turn.querySelector(".answer");
  const within = $("within").selectedOptions[0];
  if (within?.value) turn.querySelector(".asked").append(" ", badge(`in ${within.textContent}`, "within"));
  $("question").value = "";
  const started = performance.now();
  const view = state.view;
  let traceId = null;
  try {
    const response = await api("/v1/query", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        question, namespace: namespace(), stream: true, session_id: state.session || "new",
        ...(within?.value ? { transcripts: [within.value] } : {}),
      }),
    });
    traceId = response.headers.get("X-Trace-Id");
    let done = null;
    for await (const [name, data] of sse(response)) {
      if (name === "question") {
        if (view === state.view) setSession(data.session_id); // not into the namespace switched to
        turn.dataset.turn = String(data.turn);
        showUnderstood(turn, question, data.standalone_question);
      } else if (name === "token") answer.append(data.text);
      else if (name === "citations") showEvidence(turn, data, view === state.view); // graph: same namespace only
      else if (name === "done") done = data;
      else if (name === "error") throw new Error(`The answer stopped: ${data.error.message}`);
    }
    if (!done) throw new Error("The answer was cut off: the connection closed before it finished. Ask again.");
    showBadges(turn, done, performance.now() - started);
  } catch (error) {
    if (answer.textContent) { // keep what was written; say why it ends there
      const note = document.createElement("p");
      note.className = "error stopped";
      note.textContent = error.message;
      answer.after(note);
    } else {
      answer.textContent = error.message;
      answer.classList.add("error");
    }
    if (/no conversation/.test(error.message)) setSession(null); // it expired: the next question starts one
  } finally {
    if (traceId) showTrace(turn, traceId); // a failed answer's trace is the one to read
    turn.dataset.state = "done";
    button.disabled = false;
  }
}

async function newConversation() {
  $("thread").replaceChildren();
  setSession(null);
  try {
    const session = await (await api("/v1/sessions", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ namespace: namespace() }),
    })).json();
    setSession(session.id);
  } catch (error) {
    const turn = newTurn("(new conversation)");
    turn.querySelector(".answer").textContent = error.message;
  }
  $("question").focus();
}

// The stored conversation of this namespace, shown again (after a reload or a namespace switch). Only a
// 404 forgets it: before an API key is typed the page cannot read it, but the next question continues it.
async function restoreConversation() {
  $("thread").replaceChildren();
  const id = localStorage.getItem(sessionKey());
  setSession(id);
  if (!id) return;
  const view = state.view;
  try {
    const params = new URLSearchParams({ namespace: namespace() });
    const session = await (await api(`/v1/sessions/${id}?${params}`)).json();
    if (view !== state.view) return; // the namespace changed meanwhile
    for (const t of session.turns) {
      const turn = newTurn(t.question);
      turn.dataset.turn = String(t.index);
      showUnderstood(turn, t.question, t.standalone_question);
      turn.querySelector(".answer").textContent = t.answer;
      showEvidence(turn, { citations: t.citations, entities: [], relations: [] }, false);
      showBadges(turn, { mode: t.mode, usage: t.usage, uncited: t.uncited }, null);
      turn.dataset.state = "done";
    }
  } catch (error) {
    if (/no conversation/.test(error.message)) setSession(null); // ended or expired: the next question starts one
  }
}

function showBadges(turn, done, elapsedMs) {
  if (!done) return;
  const usage = done.usage || {};
  const box = turn.querySelector(".badges");
  box.append(badge(done.mode === "generated" ? "generated answer" : "extractive answer (no LLM)"));
  if (elapsedMs != null) box.append(badge(`${Math.round(elapsedMs)} ms`));
  box.append(badge(`${usage.llm_calls || 0} LLM calls`));
  box.append(badge(`${(usage.input_tokens || 0) + (usage.output_tokens || 0)} tokens`));
  box.append(badge(`$${(usage.cost_usd || 0).toFixed(4)}`));
  if (usage.cache_hits) box.append(badge(`${usage.cache_hits} cache hits`));
  if (done.uncited) {
    box.append(badge("uncited: no source supports this answer", "warn"));
    turn.querySelector(".answer").classList.add("uncited");
  }
}

async function showTrace(turn, traceId) {
  const box = turn.querySelector(".trace");
  box.textContent = `trace ${traceId}`;
  try {
    const links = await (await api(`/v1/traces/${traceId}/links`)).json();
    box.replaceChildren(`trace ${links.trace_id} · X-Ray ${links.xray_trace_id}`);
    if (links.langfuse_host) box.append(" · Langfuse: same id");
    if (links.phoenix_url) {
      for (const old of document.querySelectorAll("#trace-link")) old.removeAttribute("id");
      const a = document.createElement("a");
      a.href = links.phoenix_url;
      a.target = "_blank";
      a.id = "trace-link";
      a.textContent = "open in Phoenix";
      box.append(" · ", a);
    }
  } catch { /* the id alone is still useful */ }
}

// The citations an answer refers to with [n]; every citation when it refers to none (an uncited answer).
function citedNumbers(answer, count) {
  const used = new Set([...answer.matchAll(/\[(\d{1,2})\]/g)].map((m) => Number(m[1])).filter((n) => n >= 1 && n <= count));
  return used.size ? used : new Set(Array.from({ length: count }, (_, i) => i + 1));
}

function showEvidence(turn, data, draw = true) {
  const chips = turn.querySelector(".chips");
  const shown = citedNumbers(turn.querySelector(".answer").textContent, data.citations.length);
  data.citations.forEach((c, i) => {
    if (!shown.has(i + 1)) return; // the chips are the sources the answer uses
    const chip = document.createElement("button");
    chip.type = "button";
    chip.className = "chip";
    chip.textContent = `[${i + 1}] ${c.title} · ${c.speakers.slice(0, 2).join(", ")} · ${fmtTime(c.start_s)}`;
    chip.addEventListener("click", () => openExcerpt(turn, data.citations, i, chip));
    chips.append(chip);
  });
  if (!data.citations.length) chips.append(badge("no supporting evidence found", "warn"));
  // A question that names transcripts by title was asked within them: say so where the list's choice shows.
  const named = data.within || [];
  if (named.length && !turn.querySelector(".asked .within")) {
    const title = (id) => data.citations.find((c) => c.transcript_id === id)?.title
      || [...$("within").options].find((o) => o.value === id)?.textContent || id;
    turn.querySelector(".asked").append(" ", badge(`in ${named.map(title).join(", ")} (named in the question)`, "within"));
  }
  // Many meetings alike hold answers to the same question: offer to ask it again within one of them.
  const sources = new Map(); // title -> transcript id, in the order the answer cites them
  data.citations.forEach((c, i) => { if (shown.has(i + 1) && !sources.has(c.title)) sources.set(c.title, c.transcript_id); });
  if (sources.size > 1 && !turn.querySelector(".asked .within")) {
    const hint = Object.assign(document.createElement("p"), { className: "hint muted" });
    hint.append(`From ${sources.size} transcripts — ask again within one:`);
    for (const [title, id] of sources) {
      const choice = Object.assign(document.createElement("button"), { type: "button", className: "within-choice", textContent: title });
      choice.addEventListener("click", () => askWithin(turn.dataset.question, id, title));
      hint.append(" ", choice);
    }
    chips.append(hint);
  }
  if (draw) drawGraph(data.entities, data.relations, true);
}

// The same question again, within one transcript: the list beside Ask is set to it (and stays so).
function askWithin(question, id, title) {
  if ($("ask").disabled) return; // an answer is still streaming
  const list = $("within");
  if (![...list.options].some((o) => o.value === id)) list.append(Object.assign(document.createElement("option"), { value: id, textContent: title }));
  list.value = id;
  $("question").value = question;
  $("ask-form").requestSubmit();
}

function openExcerpt(turn, citations, index, chip) {
  const c = citations[index];
  for (const other of turn.querySelectorAll(".chips button")) other.setAttribute("aria-pressed", "false");
  chip.setAttribute("aria-pressed", "true");
  const box = turn.querySelector(".excerpt");
  const meta = document.createElement("div");
  meta.className = "meta";
  const when = c.start_s != null ? `${fmtTime(c.start_s)}–${fmtTime(c.end_s)}` : "no timestamps";
  meta.textContent = `[${index + 1}] ${c.title} · ${c.speakers.join(", ")} · ${when} · turns ${c.turn_start}–${c.turn_end}`;
  const text = document.createElement("div");
  text.textContent = c.text;
  box.replaceChildren(meta, text);
  box.hidden = false;
}

// --- graph --------------------------------------------------------------------------------------
function nodeData(e) {
  return { data: {
    id: e.id, label: e.name, type: e.type, color: TYPE_COLORS[e.type] || TYPE_COLORS.Other,
    description: e.description || "", mentions: e.mention_count || 0,
  } };
}

// What the graph says about what was clicked: an entity's type, mentions and description; a relation's
// sentence, quoted from the transcript that states it.
function showDetails(element) {
  const box = $("graph-details");
  const d = element.data();
  const name = (id) => state.graph.getElementById(id).data("label") || id;
  if (element.isNode()) {
    const said = d.mentions ? ` · ${d.mentions} mention${d.mentions === 1 ? "" : "s"}` : "";
    box.replaceChildren(Object.assign(document.createElement("strong"), { textContent: d.label }), ` (${d.type}${said})`);
    if (d.description) box.append(`: ${d.description}`);
  } else {
    box.replaceChildren(Object.assign(document.createElement("strong"), { textContent: `${name(d.source)} —${d.label}→ ${name(d.target)}` }));
    box.append(d.description ? `: “${d.description}”` : " (no sentence states it)");
  }
  box.hidden = false;
}

// Adds nodes and edges (after clearing the view when `replace`) and lays the graph out again. New nodes
// start on a ring around `anchor` (the node being expanded; else the middle of the view) rather than
// all at one point, where the force layout could not pull them apart, and the view is fitted after.
function drawGraph(nodes, edges, replace, anchor = null) {
  const cy = state.graph;
  if (replace) cy.elements().remove();
  const known = new Set(cy.nodes().map((n) => n.id()));
  const added = [];
  for (const n of nodes) if (!known.has(n.id)) { known.add(n.id); added.push(n); }
  const around = anchor && !cy.getElementById(anchor).empty() ? cy.getElementById(anchor).position() : null;
  const extent = cy.nodes().length ? cy.nodes().boundingBox() : null;
  const center = around || (extent ? { x: (extent.x1 + extent.x2) / 2, y: (extent.y1 + extent.y2) / 2 } : { x: 0, y: 0 });
  const radius = 70 + 8 * added.length;
  cy.add(added.map((n, i) => {
    const angle = (2 * Math.PI * i) / added.length;
    return { ...nodeData(n), position: { x: center.x + radius * Math.cos(angle), y: center.y + radius * Math.sin(angle) } };
  }));
  const fresh = edges
    .filter((e) => known.has(e.source) && known.has(e.target))
    .map((e) => ({ data: { id: `${e.source}|${e.type}|${e.target}`, source: e.source, target: e.target, label: e.type, description: e.description || "" } }))
    .filter((e) => cy.getElementById(e.data.id).empty());
  cy.add(fresh);
  if (added.length || fresh.length || replace) {
    cy.layout({
      name: "cose", animate: false, randomize: replace, fit: true, padding: 30,
      nodeRepulsion: 9000, idealEdgeLength: 90, nodeOverlap: 20,
    }).run();
  }
  graphChanged();
}

function graphChanged() {
  const cy = state.graph;
  $("graph").dataset.nodes = String(cy.nodes().length);
  showLegend(new Set(cy.nodes().map((n) => n.data("type"))));
}

// One entry per node type in view, its swatch the colour its nodes are drawn in.
function showLegend(types) {
  const known = Object.keys(TYPE_COLORS);
  const order = [...types].sort((a, b) => (known.indexOf(a) + 1 || 99) - (known.indexOf(b) + 1 || 99) || a.localeCompare(b));
  $("legend").replaceChildren(...order.map((type) => {
    const item = document.createElement("li");
    item.dataset.type = type;
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.backgroundColor = TYPE_COLORS[type] || TYPE_COLORS.Other;
    item.append(swatch, type);
    return item;
  }));
  $("legend").hidden = !order.length;
}

async function expand(entityId) {
  const view = state.view;
  const params = new URLSearchParams({ namespace: namespace() });
  const sub = await (await api(`/v1/entities/${entityId}/neighborhood?${params}`)).json();
  if (view === state.view) drawGraph(sub.nodes, sub.edges, false, entityId); // not after a namespace switch
}

// What a namespace holds at a glance: its most mentioned entity and that entity's neighbourhood.
async function showOverview(view) {
  const params = new URLSearchParams({ namespace: namespace(), limit: "1" });
  const [top] = await (await api(`/v1/entities?${params}`)).json();
  if (!top || view !== state.view) return;
  drawGraph([top], [], false);
  await expand(top.id);
}

function setupGraph() {
  state.graph = cytoscape({
    container: $("graph"),
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: { label: "data(label)", "background-color": "data(color)", "font-size": 10, width: 18, height: 18, color: "#1d232b" } },
      { selector: "node:selected", style: { "border-width": 3, "border-color": "#1d232b" } },
      { selector: "edge", style: { label: "data(label)", "font-size": 7, width: 1.2, "line-color": "#b8c1cc", "target-arrow-shape": "triangle", "target-arrow-color": "#b8c1cc", "curve-style": "bezier", color: "#66707c" } },
    ],
  });
  state.graph.on("tap", "node", (event) => {
    showDetails(event.target);
    expand(event.target.id()).catch(showGraphError);
  });
  state.graph.on("tap", "edge", (event) => showDetails(event.target));
  window.kwGraph = state.graph; // for the browser tests and the curious: the live Cytoscape instance
}

function showGraphError(error) {
  $("search-results").replaceChildren(Object.assign(document.createElement("li"), { className: "error", textContent: error.message }));
}

async function search(event) {
  event.preventDefault();
  const q = $("search").value.trim();
  const params = new URLSearchParams({ namespace: namespace(), limit: "12", ...(q ? { q } : {}) });
  const view = state.view;
  try {
    const found = await (await api(`/v1/entities?${params}`)).json();
    if (view !== state.view) return; // the namespace changed meanwhile
    const list = $("search-results");
    list.replaceChildren();
    if (!found.length) list.append(Object.assign(document.createElement("li"), { className: "muted", textContent: "no entity matches" }));
    for (const e of found) {
      const button = Object.assign(document.createElement("button"), { type: "button", textContent: `${e.name} · ${e.type}` });
      button.dataset.id = e.id;
      button.addEventListener("click", () => { // added to what is shown, not instead of it
        drawGraph([e], [], false);
        state.graph.nodes().unselect();
        state.graph.getElementById(e.id).select();
        expand(e.id).catch(showGraphError);
      });
      const item = document.createElement("li");
      item.append(button);
      list.append(item);
    }
  } catch (error) {
    showGraphError(error);
  }
}

// --- upload -------------------------------------------------------------------------------------
async function upload(event) {
  event.preventDefault();
  const file = $("file").files[0];
  if (!file) return;
  const status = $("job-status");
  const bar = $("job-progress");
  const button = $("upload");
  button.disabled = true;
  bar.hidden = false;
  bar.value = 0;
  status.className = "";
  status.textContent = `uploading ${file.name}…`;
  const form = new FormData();
  form.append("file", file);
  form.append("namespace", namespace());
  const extension = file.name.slice(file.name.lastIndexOf(".")).toLowerCase();
  const recording = state.config.recording_extensions.includes(extension);
  if (recording && $("speaker").value.trim()) form.append("speaker", $("speaker").value.trim());
  try {
    const accepted = await (await api(recording ? "/v1/recordings" : "/v1/transcripts", { method: "POST", body: form })).json();
    if (accepted.duplicate && accepted.status === "succeeded") {
      bar.value = 1;
      status.textContent = `done: ${file.name} was already in the graph (same content, no work done)`;
      status.dataset.state = "done";
      return;
    }
    const events = await api(`/v1/jobs/${accepted.job_id}/events`);
    for await (const [name, data] of sse(events)) {
      if (name === "progress" || name === "stage") {
        bar.value = data.progress;
        const counts = (data.counts || {})[data.stage];
        const unit = data.stage === "transcribe" ? " s of audio" : "";
        status.textContent = `${data.stage}${counts ? ` ${counts.done}/${counts.total}${unit}` : ""} · ${Math.round(data.progress * 100)}%`;
      } else if (name === "queued") {
        const place = data.ahead === null ? `${data.waiting} jobs waiting` : data.ahead === 0 ? "next to run" : `${data.ahead} ahead of it`;
        status.textContent = `queued · ${place}`;
      } else if (name === "done") {
        bar.value = 1;
        const r = data.result;
        status.textContent = `done: ${r.chunks} chunks, ${r.entities} entities, ${r.relations} relations`;
        status.dataset.state = "done";
        showTranscripts(state.view).catch(() => {});
        return;
      } else if (name === "error") {
        throw new Error(`${data.error} (retry: POST /v1/jobs/${data.job_id}/retry)`);
      }
    }
  } catch (error) {
    status.textContent = `failed: ${error.message}`;
    status.className = "error";
    status.dataset.state = "failed";
  } finally {
    button.disabled = false;
  }
}

async function showTranscripts(view) {
  const params = new URLSearchParams({ namespace: namespace(), limit: "100" });
  const found = await (await api(`/v1/transcripts?${params}`)).json();
  if (view !== state.view) return;
  $("transcripts-head").textContent = `${found.length}${found.length === 100 ? "+" : ""} transcript${found.length === 1 ? "" : "s"} in ${namespace()}`;
  $("transcripts").replaceChildren(...found.map((t) => Object.assign(document.createElement("li"), {
    textContent: t.title || t.id, title: `${t.id} · ${t.source || ""}`,
  })));
  // A question can be asked within one of them; the choice stays while that transcript is there.
  const chosen = $("within").value;
  const option = (value, text) => Object.assign(document.createElement("option"), { value, textContent: text });
  $("within").replaceChildren(option("", "in all transcripts"), ...found.map((t) => option(t.id, t.title || t.id)));
  $("within").value = found.some((t) => t.id === chosen) ? chosen : "";
}

// --- namespace ----------------------------------------------------------------------------------
// Every panel shows the namespace in the field: the graph, search, the transcripts and the
// conversation. Responses for a namespace left meanwhile are dropped (`state.view`).
async function showNamespace() {
  const view = ++state.view;
  document.body.dataset.namespace = "";
  state.graph.elements().remove();
  graphChanged();
  $("search-results").replaceChildren();
  $("search").value = "";
  $("transcripts-head").textContent = "";
  $("transcripts").replaceChildren();
  if (state.config.auth_enabled && !$("api-key").value.trim()) { // nothing to read before a key is typed
    $("transcripts-head").textContent = "Type an API key to see this namespace.";
    document.body.dataset.namespace = namespace();
    return;
  }
  const loads = [
    showOverview(view).catch(showGraphError),
    showTranscripts(view).catch((error) => { $("transcripts-head").textContent = error.message; }),
    restoreConversation(), // each namespace has its own conversation
  ];
  await Promise.all(loads);
  if (view === state.view) document.body.dataset.namespace = namespace(); // for tests: all shown
}

async function loadConfig() {
  state.config = await (await fetch("/v1/ui/config", { headers: headers() })).json();
  $("namespaces").replaceChildren(...[...new Set([state.config.open_namespace, ...state.config.namespaces, state.config.default_namespace])]
    .map((ns) => Object.assign(document.createElement("option"), { value: ns })));
}

// The namespace to open on: the one last chosen here, else the one the server says holds data.
function openNamespace() {
  $("namespace").value = localStorage.getItem("kw.namespace") || state.config.open_namespace;
}

// --- start --------------------------------------------------------------------------------------
async function start() {
  await loadConfig();
  $("file").accept = [...state.config.transcript_extensions, ...state.config.recording_extensions].join(",");
  $("version").textContent = `v${state.config.version}${state.config.git_sha ? ` (${state.config.git_sha.slice(0, 12)})` : ""}`;
  openNamespace();
  $("namespace").addEventListener("change", () => {
    localStorage.setItem("kw.namespace", $("namespace").value.trim());
    showNamespace();
  });
  // A key (typed after the page opened) says which namespaces this caller may see: open on its data.
  $("api-key").addEventListener("change", async () => {
    await loadConfig();
    const chosen = localStorage.getItem("kw.namespace");
    if (!chosen || (state.config.namespaces.length && !state.config.namespaces.includes(chosen))) {
      localStorage.removeItem("kw.namespace");
      openNamespace();
    }
    showNamespace();
  });
  $("key-label").hidden = !state.config.auth_enabled;
  if (state.config.phoenix_url) {
    $("phoenix-home").href = state.config.phoenix_url;
    $("phoenix-home").hidden = false;
  }
  setupGraph();
  $("ask-form").addEventListener("submit", ask);
  $("new-conversation").addEventListener("click", newConversation);
  await showNamespace();
  $("search-form").addEventListener("submit", search);
  $("upload-form").addEventListener("submit", upload);
  document.body.dataset.ready = "true";
}

start().catch((error) => {
  document.body.dataset.ready = "error";
  $("thread").textContent = `The UI could not start: ${error.message}`;
});
