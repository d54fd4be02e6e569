// The planner page: pick an area, run a proposal, create a plan, move LSOAs between neighbourhoods with
// undo/redo (each move is a new version, made with If-Match), and take the plan through sign-off.
// Every number shown comes from the API; counts it suppressed (null) show as "suppressed".

import { api, ApiError, describe, download, getKey, setKey } from "./api.js";
import { ContextLayers } from "./layers.js";
import { PALETTE, PlanMap } from "./map.js";
import { PlaceSearch } from "./search.js";

const $ = (id) => document.getElementById(id);
const ROLES = ["viewer", "planner", "approver", "admin"];
const STATE_LABEL = { draft: "Draft", proposed: "Proposed for sign-off", agreed: "Agreed" };
const STATE_TAG = { draft: "nhsuk-tag--grey", proposed: "nhsuk-tag--yellow", agreed: "nhsuk-tag--green" };
const NEW_HOOD = "__new__";

const state = {
  me: null,            // {name, role, local_mode}
  area: null,          // AreaPublic of the chosen area
  lsoaProps: new Map(),// code -> LSOA properties from the layer
  proposal: null,      // the last proposal, with its assignment
  job: null,           // running job id
  plan: null,          // PlanPublic
  version: null,       // VersionDetail of the latest version (assignment included)
  etag: null,
  metrics: null,
  colours: new Map(),  // neighbourhood -> colour, stable while a plan is open
  selection: new Set(),  // LSOA codes, or practice codes in a plan built from practices
  practiceProps: new Map(), // practice code -> properties from the practice layer
  listBased: false,    // the open plan is built from whole practices: moves move practices
  uec: null,           // per-neighbourhood UEC of the open version (/plans/{id}/hotspots), when available
  undo: [],            // [{undo: {code: hood}, redo: {code: hood}, label}]
  redo: [],
  busy: false,
};
let planMap;
let context;

// ---------------------------------------------------------------- formatting

const number = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
const oneDp = new Intl.NumberFormat("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const upToOneDp = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 1 });

/** A count as the planner reads it; null (suppressed by the API, counts of 1 to 7) reads "suppressed". */
function count(value) {
  return value === null || value === undefined ? "suppressed" : number.format(value);
}
function percent(value, signed = false) {
  if (value === null || value === undefined) return "not available";
  const text = `${oneDp.format(value)}%`;
  return signed && value > 0 ? `+${text}` : text;
}
function when(iso) {
  return new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}
function plural(n, one, many = `${one}s`) {
  return `${number.format(n)} ${n === 1 ? one : many}`;
}

// ---------------------------------------------------------------- messages and errors

function announce(text) {
  // Clear first so that the same sentence twice is still announced.
  const status = $("status");
  status.textContent = "";
  requestAnimationFrame(() => { status.textContent = text; });
}

function clearErrors() {
  $("error-summary").hidden = true;
  $("error-list").replaceChildren();
  for (const group of document.querySelectorAll(".nhsuk-form-group--error")) group.classList.remove("nhsuk-form-group--error");
  for (const input of document.querySelectorAll(".nhsuk-input--error, .nhsuk-select--error")) {
    input.classList.remove("nhsuk-input--error", "nhsuk-select--error");
  }
  for (const message of document.querySelectorAll(".nhsuk-error-message")) { message.hidden = true; message.textContent = ""; }
}

/** Show the error summary (focused, as the NHS design system asks) with links to the fields at fault. */
function showErrors(errors) {
  const list = $("error-list");
  list.replaceChildren(...errors.map(({ text, field }) => {
    const item = el("li");
    if (field) {
      const link = el("a", { href: `#${field}`, text });
      link.addEventListener("click", (event) => { event.preventDefault(); $(field).focus(); });
      item.append(link);
      markField(field, text);
    } else {
      item.textContent = text;
    }
    return item;
  }));
  $("error-summary").hidden = false;
  $("error-summary").focus();
}

function markField(field, text) {
  const input = $(field);
  const message = $(`${field}-error`);
  input.closest(".nhsuk-form-group")?.classList.add("nhsuk-form-group--error");
  input.classList.add(input.tagName === "SELECT" ? "nhsuk-select--error" : "nhsuk-input--error");
  if (message) {
    message.hidden = false;
    message.replaceChildren(el("span", { class: "nhsuk-u-visually-hidden", text: "Error: " }), text);
    const described = new Set((input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
    described.add(message.id);
    input.setAttribute("aria-describedby", [...described].join(" "));
  }
}

function showError(error) {
  console.warn(error); // eslint-disable-line no-console
  const field = error instanceof ApiError && error.status === 401 ? "api-key" : null;
  if (field) $("settings").open = true;
  showErrors([{ text: describe(error), field }]);
}

/** Run an action with the page marked busy; errors go to the error summary. */
function action(fn) {
  return async (event) => {
    event?.preventDefault();
    if (state.busy) return;
    state.busy = true;
    document.body.setAttribute("aria-busy", "true");
    try {
      clearErrors();
      await fn(event);
    } catch (error) {
      if (error.name !== "AbortError") showError(error);
    } finally {
      state.busy = false;
      document.body.removeAttribute("aria-busy");
      renderControls();
    }
  };
}

// ---------------------------------------------------------------- who is calling

function can(role) {
  return state.me && ROLES.indexOf(state.me.role) >= ROLES.indexOf(role);
}

async function loadMe() {
  const { data } = await api("/me");
  state.me = data;
  $("whoami").textContent = data.local_mode
    ? "Local single-user mode: no API keys are set up, so you can do everything."
    : `Signed in as ${data.name} (${data.role}).`;
}

// ---------------------------------------------------------------- area

async function loadAreas(preferred) {
  const { data: areas } = await api("/areas");
  const select = $("area");
  select.replaceChildren(...areas.map((a) => el("option", { value: a.id, text: a.name ? `${a.name} (${a.id})` : a.id })));
  const chosen = areas.find((a) => a.id === preferred) ? preferred : areas[0]?.id;
  if (chosen) select.value = chosen;
  return chosen;
}

async function loadArea(id) {
  const [{ data: area }, { data: layer }] = await Promise.all([api(`/areas/${encodeURIComponent(id)}`),
    api(`/areas/${encodeURIComponent(id)}/lsoas`)]);
  state.area = area;
  $("area").value = id;
  const option = $("area").selectedOptions[0];
  if (option && area.name) option.textContent = `${area.name} (${area.id})`;
  state.lsoaProps = new Map(layer.features.map((f) => [String(f.id), f.properties]));
  $("lsoa-codes").replaceChildren(...[...state.lsoaProps.keys()].sort().map((code) =>
    el("option", { value: code, text: state.lsoaProps.get(code).lsoa_name || code })));
  const sources = area.sources ? area.sources.join("; ") : "";
  $("area-source").textContent = `${area.name || area.id}: ${plural(area.lsoas || 0, "LSOA")}, LSOA ${area.vintage} geography. Sources: ${sources}.`;
  planMap.setLsoas(layer, "Contains OS data © Crown copyright and database right; ONS, MHCLG and NHS England data, OGL v3.0");
  await context.load(id);
  state.practiceProps = new Map(context.practices.map((p) => [p.code, p]));
  $("practice-codes").replaceChildren(...context.practices.map((p) => el("option", { value: p.code, text: p.name })));
  state.selection.clear();
  closePlan();
  await loadPlanList();
}

async function loadPlanList(selected) {
  const { data: plans } = await api(`/plans?area=${encodeURIComponent(state.area.id)}`);
  const select = $("plan-select");
  select.replaceChildren(...(plans.length ? plans.map((p) => el("option", {
    value: p.id, text: `${p.name} (plan ${p.id}, version ${p.latest_version}, ${STATE_LABEL[p.state] || p.state})`,
  })) : [el("option", { value: "", text: "No saved plans" })]));
  if (selected) select.value = String(selected);
}

// ---------------------------------------------------------------- proposals

function readProposalForm() {
  const errors = [];
  const target = Number($("target").value);
  const tolerance = Number($("tolerance").value);
  if (!Number.isInteger(target) || target < 1000 || target > 10_000_000) {
    errors.push({ text: "Enter a target population between 1,000 and 10,000,000, in whole people", field: "target" });
  }
  if (!(tolerance > 0 && tolerance < 100)) {
    errors.push({ text: "Enter a tolerance above 0% and below 100%, for example 10", field: "tolerance" });
  }
  return {
    errors,
    body: {
      target, tolerance: tolerance / 100, nest: $("nest").value, build_from: $("build-from").value,
      practices: $("practices").checked ? "whole" : "ignore",
      background: $("background").checked ? true : null,
    },
  };
}

const runProposal = action(async () => {
  const { errors, body } = readProposalForm();
  if (errors.length) return showErrors(errors);
  $("proposal-result").hidden = true;
  announce("Running the proposal…");
  const { data, status } = await api(`/areas/${encodeURIComponent(state.area.id)}/proposals`, { method: "POST", body });
  const proposalId = status === 202 ? await followJob(data) : data.id;
  if (!proposalId) return;
  const { data: proposal } = await api(`/proposals/${proposalId}`);
  showProposal(proposal);
});

async function followJob(job) {
  state.job = job.id;
  $("job").hidden = false;
  $("cancel-job").hidden = false;
  renderControls();
  try {
    for (;;) {
      $("job-progress").value = Math.round(job.progress * 100);
      $("job-text").textContent = `${Math.round(job.progress * 100)}% — ${job.message}`;
      if (job.status === "done") { announce("The proposal is ready."); return job.result_id; }
      if (job.status === "cancelled") { announce("The proposal was cancelled. Nothing was saved."); return null; }
      if (job.status === "failed") {
        throw new ApiError(job.error?.status || 500, job.error || { detail: "The proposal failed" });
      }
      await new Promise((resolve) => { setTimeout(resolve, 500); });
      ({ data: job } = await api(`/jobs/${job.id}`));
    }
  } finally {
    state.job = null;
    $("cancel-job").hidden = true;
    $("job").hidden = true;
  }
}

async function cancelJob() {
  if (!state.job) return;
  try {
    await api(`/jobs/${state.job}`, { method: "DELETE" });
    $("job-text").textContent = "Cancelling…";
  } catch (error) {
    showError(error);
  }
}

function showProposal(proposal) {
  state.proposal = proposal;
  const p = proposal.params;
  $("proposal-summary").textContent = `${plural(proposal.neighbourhoods, "neighbourhood")} proposed for a target of `
    + `${number.format(p.target)} ± ${upToOneDp.format(p.tolerance * 100)}% (${p.algorithm || "proposal"}, `
    + `${(p.seconds || 0) < 0.1 ? "under 0.1" : upToOneDp.format(p.seconds)} s). The map shows the proposal; create a plan to see its tallies and edit it.`;
  $("proposal-unmet").replaceChildren(...(proposal.unmet || []).map((text) => el("li", { text: `Not met: ${text}` })));
  $("proposal-result").hidden = false;
  if (!$("plan-name").value) $("plan-name").value = `${state.area.name || state.area.id} neighbourhoods`;
  if (!state.plan) {
    state.colours = new Map();
    planMap.setAssignment(proposal.assignment, colourOf);
  }
  announce($("proposal-summary").textContent);
}

const createPlan = action(async () => {
  const name = $("plan-name").value.trim();
  if (!name) return showErrors([{ text: "Enter a name for the plan", field: "plan-name" }]);
  const { body } = readProposalForm();
  const { data: plan } = await api("/plans", {
    method: "POST",
    body: { name, area: state.area.id, start: "proposal", proposal_id: state.proposal.id, target: body.target, tolerance: body.tolerance },
  });
  await openPlan(plan.id);
  await loadPlanList(plan.id);
  announce(`Created plan ${plan.id}, “${plan.name}”, as version 1 (draft). ${validitySentence()}`);
  $("plan-heading").focus();
});

// ---------------------------------------------------------------- plans

function colourOf(name) {
  if (!state.colours.has(name)) state.colours.set(name, PALETTE[state.colours.size % PALETTE.length]);
  return state.colours.get(name);
}

function closePlan() {
  state.plan = null; state.version = null; state.etag = null; state.metrics = null;
  state.undo = []; state.redo = []; state.selection.clear();
  state.colours = new Map();
  $("editor").hidden = true; $("tally").hidden = true; $("lifecycle").hidden = true; $("versions-block").hidden = true;
  $("rename-form").hidden = true; $("exports").hidden = true;
  state.listBased = false; state.uec = null;
  planMap.setOutside([]);
  planMap.setPracticeAssignment({}, colourOf);
  renderUnitLabels();
  $("plan-meta").textContent = "Open a saved plan or create one from a proposal. The map shows the study area.";
  planMap.setFootprints(null);
  planMap.setAssignment({}, colourOf);
  renderSelection();
}

/** Load the latest version of a plan (assignment, metrics, footprints, versions) and show it. */
async function openPlan(id) {
  const { data: plan } = await api(`/plans/${id}`);
  if (!state.area || plan.area !== state.area.id) await loadArea(plan.area);
  const { data: version, etag } = await api(`/plans/${id}/versions/${plan.latest_version}`);
  const samePlan = state.plan && state.plan.id === plan.id;
  state.plan = plan;
  state.version = version;
  state.etag = etag || version.etag;
  if (!samePlan) { state.colours = new Map(); state.undo = []; state.redo = []; }
  const units = practiceAssignment(version) || version.assignment;
  const wasListBased = state.listBased;
  state.listBased = Boolean(practiceAssignment(version));
  if (wasListBased !== state.listBased) state.selection.clear();
  [...state.selection].forEach((code) => { if (!(code in units)) state.selection.delete(code); });
  renderUnitLabels();
  await refreshPlanViews();
  history.replaceState(null, "", `#area=${encodeURIComponent(plan.area)}&plan=${plan.id}`);
}

/** The practice -> neighbourhood view of a plan built from practices (null for a place-based plan). */
function practiceAssignment(version) {
  return version?.params?.practice_assignment || null;
}

/** Word the editor for the plan's building blocks: LSOAs, or whole practices in a plan built from practices. */
function renderUnitLabels() {
  const list = state.listBased;
  $("editor-heading").textContent = list ? "Move GP practices" : "Move LSOAs";
  $("lsoa-code-label").textContent = list ? "Practice code" : "LSOA code";
  $("lsoa-code").setAttribute("list", list ? "practice-codes" : "lsoa-codes");
  $("move-to-label").textContent = list ? "Move the selected practices to" : "Move the selected LSOAs to";
  $("map-help").textContent = list
    ? "This plan is built from whole GP practices: click a practice marker (sized by its list) to select it; Ctrl-click (or ⌘-click) adds or removes one. Each LSOA is coloured by the neighbourhood whose practices hold most of its residents. Or find a practice above, or type its code beside the map."
    : "Click an LSOA to select it; Ctrl-click (or ⌘-click) adds or removes one; hold Shift and drag a rectangle to select several. Or find a place above, or type a code beside the map.";
  if (list && !$("layer-practices").checked) { $("layer-practices").checked = true; context.apply(); }
}

async function loadPlanUec(planId, versionNumber) {
  try {
    const { data } = await api(`/plans/${planId}/hotspots?version=${versionNumber}`);
    return { kind: data.uec_kind, source: data.source, rows: new Map(data.neighbourhoods.map((r) => [r.neighbourhood, r])) };
  } catch (error) {
    console.warn("no UEC layer for this plan", error); // eslint-disable-line no-console
    return null;
  }
}

async function refreshPlanViews() {
  const { plan, version } = state;
  const [{ data: metrics }, , uec] = await Promise.all([
    api(`/plans/${plan.id}/versions/${version.version}/metrics`), loadVersions(), loadPlanUec(plan.id, version.version),
  ]);
  state.metrics = metrics;
  state.uec = uec;
  for (const row of metrics.neighbourhoods) colourOf(row.name);
  planMap.setAssignment(version.assignment, colourOf);
  planMap.setPracticeAssignment(practiceAssignment(version) || {}, colourOf);
  renderPlan();
  loadFootprints(plan.id, version.version); // outlines follow; the tallies do not wait for them
  loadPlanList(plan.id).catch(() => {});   // the "saved plans" list names the latest version
}

async function loadFootprints(planId, versionNumber) {
  try {
    const { data } = await api(`/plans/${planId}/export.geojson?version=${versionNumber}`);
    const geojson = typeof data === "string" ? JSON.parse(data) : data;
    if (state.plan?.id === planId && state.version?.version === versionNumber) planMap.setFootprints(geojson);
  } catch (error) {
    console.warn("footprints not available", error); // eslint-disable-line no-console
  }
}

async function loadVersions() {
  const { data: versions } = await api(`/plans/${state.plan.id}/versions`);
  const body = $("versions-body");
  body.replaceChildren(...versions.slice().reverse().map((v) => {
    const moved = Object.keys(v.moves || {});
    const unit = practiceAssignment(v) ? "practice" : "LSOA";
    const listed = `${moved.slice(0, 3).map((c) => `${c} → ${v.moves[c]}`).join(", ")}${moved.length > 3 ? ", …" : ""}`;
    const change = v.source === "moves" ? `Moved ${plural(moved.length, unit)}: ${listed}`
      : v.source === "rename" ? `Renamed ${listed}` : `Created (${v.source})`;
    const restore = el("button", {
      class: "nhsuk-button nhsuk-button--secondary nhsuk-button--small app-table-button", type: "button",
      text: "Restore", "aria-label": `Restore version ${v.version}`,
    });
    restore.disabled = v.version === state.version?.version || !canEdit();
    restore.addEventListener("click", action(() => restoreVersion(v.version)));
    const stateText = v.state === "agreed" ? `${STATE_LABEL.agreed} (${v.hwb_reference})` : STATE_LABEL[v.state] || v.state;
    return el("tr", { class: "nhsuk-table__row" },
      el("td", { class: "nhsuk-table__cell", text: String(v.version) }),
      el("td", { class: "nhsuk-table__cell", text: stateText }),
      el("td", { class: "nhsuk-table__cell", text: change }),
      el("td", { class: "nhsuk-table__cell", text: v.created_by }),
      el("td", { class: "nhsuk-table__cell", text: when(v.created_at) }),
      el("td", { class: "nhsuk-table__cell", text: v.note || "" }),
      el("td", { class: "nhsuk-table__cell" }, restore));
  }));
}

function canEdit() {
  return Boolean(state.plan) && state.version?.state === "draft" && can("planner");
}

// ---------------------------------------------------------------- rendering the plan

function renderPlan() {
  const { plan, version, metrics } = state;
  const tag = el("strong", { class: `nhsuk-tag ${STATE_TAG[version.state] || ""}`, text: STATE_LABEL[version.state] || version.state });
  const meta = $("plan-meta");
  const built = metrics.summary.built_from === "practices" || state.listBased ? " Built from whole GP practices." : "";
  meta.replaceChildren(`${plan.name} (plan ${plan.id}), version ${version.version} by ${version.created_by}, ${when(version.created_at)}.${built} `, tag);
  if (version.state === "agreed") meta.append(` Agreed by ${version.agreed_by} at ${version.hwb_reference}.`);

  const rows = metrics.neighbourhoods;
  const basis = { registered: "Registered population", list: "List population" }[metrics.summary.population_basis] || "Population";
  const num = "nhsuk-table__header--numeric";
  const columns = [
    ["population", basis, (row) => count(row.population)],
    ["deviation", "Deviation", null],
    metrics.summary.population_basis === "list"
      ? ["residents", "Residents", (row) => count(row.resident_population)]
      : ["list_population", "List population", (row) => count(row.list_population)],
    ["alignment", "Alignment", (row) => percent(row.alignment_pct)],
    ...(state.uec ? [["uec", "UEC per 1,000", (row) => {
      const r = state.uec.rows.get(row.name);
      return !r ? "not available" : r.rate_per_1000 === null ? "suppressed" : oneDp.format(r.rate_per_1000);
    }]] : []),
    ["core20", "Core20 share", (row) => percent(row.core20_pct)],
  ];
  $("hood-head").replaceChildren(el("th", { scope: "col", class: "nhsuk-table__header", text: "Neighbourhood" }),
    ...columns.map(([key, h]) => el("th", { scope: "col", class: `nhsuk-table__header ${num}`, "data-column": key, text: h })));
  $("hood-caption").textContent = `${plural(rows.length, "neighbourhood")}: target ${count(metrics.summary.target)} ± ${upToOneDp.format(metrics.summary.tolerance * 100)}%`;
  $("hood-notes").textContent = "Alignment: the share of a footprint's residents registered with its own practices. "
    + (state.uec ? `UEC per 1,000: ${state.uec.kind} attendances per 1,000 residents (${state.uec.source.split(":")[0]}).` : "No UEC layer for this area.");
  const allowed = metrics.summary.tolerance * 100;
  const outside = [];
  $("hood-body").replaceChildren(...rows.map((row) => {
    const swatch = el("span", { class: "app-swatch", "aria-hidden": "true" });
    swatch.style.background = colourOf(row.name);
    const isOutside = row.deviation_pct !== null && Math.abs(row.deviation_pct) > allowed + 1e-9;
    if (isOutside) outside.push(row.name);
    const cells = [el("th", { scope: "row", class: "nhsuk-table__header app-hood-name" }, swatch, row.name)];
    for (const [key, , value] of columns) {
      const cell = el("td", { class: "nhsuk-table__cell nhsuk-table__cell--numeric", "data-column": key });
      if (key === "deviation") {
        cell.textContent = percent(row.deviation_pct, true);
        if (isOutside) cell.append(el("span", { class: "app-flag", text: row.constrained ? "outside (constrained)" : "outside tolerance" }));
      } else {
        cell.textContent = value(row);
      }
      cells.push(cell);
    }
    return el("tr", { class: `nhsuk-table__row${isOutside ? " app-row--outside" : ""}`, "data-neighbourhood": row.name }, ...cells);
  }));
  planMap.setOutside(outside);
  context.renderLegend();
  renderValidity();
  renderMoveTargets();
  renderSelection();
  renderLifecycle();
  $("editor").hidden = !canEdit();
  $("rename-form").hidden = !canEdit();
  $("exports").hidden = false;
  renderRenameTargets();
  $("tally").hidden = false;
  $("versions-block").hidden = false;
  renderControls();
}

function renderValidity() {
  const { summary, violations, valid } = state.metrics;
  const total = summary.neighbourhoods;
  const within = Math.round(summary.within_tolerance * total);
  const constrained = summary.constrained || [];
  const items = [
    ["Overall", valid ? "Valid: every constraint is met" : `Not valid: ${plural(violations.length, "problem")}`],
    ["Contiguous", summary.contiguous ? "Yes" : `No: ${summary.non_contiguous.join(", ")}`],
    [`Within ±${upToOneDp.format(summary.tolerance * 100)}% of target`, `${within} of ${total}${constrained.length ? ` (constrained by their area: ${constrained.join(", ")})` : ""}`],
    ["Local authority crossings", count(summary.la_crossings)],
    ["GP practices split", count(summary.practice_splits)],
  ];
  $("validity").replaceChildren(...items.map(([key, value]) => el("div", { class: "nhsuk-summary-list__row" },
    el("dt", { class: "nhsuk-summary-list__key", text: key }),
    el("dd", { class: "nhsuk-summary-list__value", text: value }))));
  $("violations").replaceChildren(...violations.map((v) => el("li", {
    text: v.lsoas && v.lsoas.length ? `${v.message} (LSOAs: ${v.lsoas.slice(0, 8).join(", ")}${v.lsoas.length > 8 ? ", …" : ""})` : v.message,
  })));
}

function validitySentence() {
  if (!state.metrics) return "";
  const { valid, violations } = state.metrics;
  return valid ? "The plan is valid." : `The plan is not valid: ${violations.map((v) => v.message).join("; ")}.`;
}

function renderMoveTargets() {
  const select = $("move-to");
  const current = select.value;
  const names = state.metrics.neighbourhoods.map((row) => row.name);
  select.replaceChildren(el("option", { value: "", text: "Choose a neighbourhood" }),
    ...names.map((name) => el("option", { value: name, text: name })),
    el("option", { value: NEW_HOOD, text: "A new neighbourhood…" }));
  if ([...select.options].some((o) => o.value === current)) select.value = current;
  $("new-name-group").hidden = select.value !== NEW_HOOD;
}

function renderSelection() {
  const codes = [...state.selection].sort();
  if (state.listBased) return renderPracticeSelection(codes);
  planMap.setPracticeSelection([]);
  planMap.setSelection(codes);
  const assignment = state.version?.assignment || state.proposal?.assignment || {};
  const list = $("selection-list");
  list.replaceChildren(...codes.slice(0, 30).map((code) => {
    const props = state.lsoaProps.get(code) || {};
    const hood = assignment[code] ? ` — in ${assignment[code]}` : "";
    const remove = el("button", { class: "app-link-button", type: "button", text: "Remove", "aria-label": `Remove ${code} from the selection` });
    remove.addEventListener("click", () => { state.selection.delete(code); renderSelection(); announce(`${code} removed from the selection.`); });
    return el("li", { "data-code": code }, `${code} ${props.lsoa_name || ""}: ${count(props.resident_population)} residents${hood} `, remove);
  }));
  if (codes.length > 30) list.append(el("li", { text: `and ${codes.length - 30} more` }));
  const people = codes.reduce((sum, code) => sum + (state.lsoaProps.get(code)?.resident_population ?? 0), 0);
  $("selection-summary").textContent = codes.length
    ? `${plural(codes.length, "LSOA")} selected (${count(people)} residents).`
    : "No LSOAs selected.";
  renderControls();
}

/** The selected practices of a plan built from practices, with their lists (the unit a move moves). */
function renderPracticeSelection(codes) {
  planMap.setSelection([]);
  planMap.setPracticeSelection(codes);
  const assignment = practiceAssignment(state.version) || {};
  $("selection-list").replaceChildren(...codes.slice(0, 30).map((code) => {
    const props = state.practiceProps.get(code) || {};
    const hood = assignment[code] ? ` — in ${assignment[code]}` : "";
    const remove = el("button", { class: "app-link-button", type: "button", text: "Remove", "aria-label": `Remove ${code} from the selection` });
    remove.addEventListener("click", () => { state.selection.delete(code); renderSelection(); announce(`${code} removed from the selection.`); });
    return el("li", { "data-code": code }, `${code} ${props.name || ""}: ${count(props.list)} registered${hood} `, remove);
  }));
  if (codes.length > 30) $("selection-list").append(el("li", { text: `and ${codes.length - 30} more` }));
  const people = codes.reduce((sum, code) => sum + (state.practiceProps.get(code)?.list ?? 0), 0);
  $("selection-summary").textContent = codes.length
    ? `${plural(codes.length, "practice")} selected (${count(people)} registered patients).`
    : "No practices selected.";
  renderControls();
}

function renderRenameTargets() {
  const select = $("rename-from");
  const current = select.value;
  select.replaceChildren(...state.metrics.neighbourhoods.map((row) => el("option", { value: row.name, text: row.name })));
  if ([...select.options].some((o) => o.value === current)) select.value = current;
}

function renderLifecycle() {
  const { version } = state;
  $("lifecycle").hidden = false;
  const texts = {
    draft: "This version is a draft. Submit it for sign-off when it is ready; it can then no longer be edited.",
    proposed: can("approver")
      ? "This version has been submitted for sign-off. Record its agreement with the Health and Wellbeing Board meeting reference, or return it to draft."
      : "This version has been submitted for sign-off. An approver records its agreement; you can return it to draft to change it.",
    agreed: `This version was agreed by ${version.agreed_by} (${version.hwb_reference}). Returning it to draft starts a new draft version.`,
  };
  $("lifecycle-text").textContent = texts[version.state] || "";
  $("submit-plan").hidden = !(version.state === "draft" && can("planner"));
  $("return-plan").hidden = !(version.state !== "draft" && can("planner"));
  $("agree-form").hidden = !(version.state === "proposed" && can("approver"));
}

function renderControls() {
  const busy = state.busy;
  const editable = canEdit();
  $("propose").disabled = busy || !state.area || !can("planner");
  $("cancel-job").disabled = !state.job;
  $("plan-open").disabled = busy || !$("plan-select").value;
  $("move").disabled = busy || !editable || state.selection.size === 0;
  $("undo").disabled = busy || !editable || state.undo.length === 0;
  $("redo").disabled = busy || !editable || state.redo.length === 0;
  $("selection-clear").disabled = state.selection.size === 0;
  $("undo").textContent = state.undo.length ? `Undo ${state.undo.at(-1).label}` : "Undo";
  $("redo").textContent = state.redo.length ? `Redo ${state.redo.at(-1).label}` : "Redo";
}

// ---------------------------------------------------------------- selecting LSOAs

function pick(code, additive) {
  if (state.listBased) return; // a plan built from practices moves whole practices: pick their markers
  if (additive) {
    if (state.selection.has(code)) state.selection.delete(code); else state.selection.add(code);
  } else {
    state.selection = new Set([code]);
  }
  renderSelection();
  announce($("selection-summary").textContent);
}

function pickPractice(code, additive) {
  if (!state.listBased) return;
  if (additive) {
    if (state.selection.has(code)) state.selection.delete(code); else state.selection.add(code);
  } else {
    state.selection = new Set([code]);
  }
  renderSelection();
  announce($("selection-summary").textContent);
}

function pickBox(codes) {
  if (state.listBased) return;
  for (const code of codes) state.selection.add(code);
  renderSelection();
  announce($("selection-summary").textContent);
}

function addCode(event) {
  event.preventDefault();
  clearErrors();
  const code = $("lsoa-code").value.trim().toUpperCase();
  if (state.listBased) {
    if (!code) return showErrors([{ text: "Enter a GP practice code, for example C82001", field: "lsoa-code" }]);
    if (!(code in (practiceAssignment(state.version) || {}))) {
      return showErrors([{ text: `There is no practice ${code} in this plan`, field: "lsoa-code" }]);
    }
  } else if (!code) return showErrors([{ text: "Enter an LSOA code, for example E01000001", field: "lsoa-code" }]);
  else if (!state.lsoaProps.has(code)) {
    return showErrors([{ text: `There is no LSOA ${code} in ${state.area?.name || "this area"}`, field: "lsoa-code" }]);
  }
  state.selection.add(code);
  $("lsoa-code").value = "";
  renderSelection();
  announce(`${code} added. ${$("selection-summary").textContent}`);
}

// ---------------------------------------------------------------- moves, undo, redo

/** POST moves with If-Match; on success the tallies and validity come from the new version's metrics. */
async function postMoves(moves, label, { note = "", record = "new" } = {}) {
  const units = practiceAssignment(state.version) || state.version.assignment;
  const inverse = Object.fromEntries(Object.keys(moves).map((code) => [code, units[code]]));
  const planId = state.plan.id;
  let version;
  try {
    ({ data: version } = await api(`/plans/${planId}/moves`, { method: "POST", body: { moves, note }, etag: state.etag }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      await openPlan(planId);
      state.undo = []; state.redo = [];
      renderControls();
      showErrors([{ text: `Someone else saved this plan while you were working on it: it is now version ${state.version.version}. `
        + "The page has reloaded their version and your change was not saved. Check the map and the table, then make your change again." }]);
      return false;
    }
    throw error;
  }
  const before = rowsByName();
  if (practiceAssignment(state.version)) {
    // A practice move changes the derived footprint too: read the new version's LSOA view.
    ({ data: state.version } = await api(`/plans/${planId}/versions/${version.version}`));
  } else {
    state.version = { ...version, assignment: { ...state.version.assignment, ...moves } };
  }
  state.etag = version.etag;
  state.plan = { ...state.plan, latest_version: version.version, etag: version.etag };
  const entry = { undo: inverse, redo: moves, label };
  if (record === "new") { state.undo.push(entry); state.redo = []; }
  await refreshPlanViews();
  const after = rowsByName();
  const touched = [...new Set([...Object.values(moves), ...Object.values(inverse)])];
  const tallies = touched.map((name) => {
    const row = after.get(name);
    if (!row) return `${name} is now empty and removed`;
    const change = before.get(name) ? row.population - before.get(name).population : row.population;
    return `${name} now ${count(row.population)} (${change >= 0 ? "+" : "−"}${count(Math.abs(change))}, ${percent(row.deviation_pct, true)} from target)`;
  });
  announce(`${label.charAt(0).toUpperCase()}${label.slice(1)}: saved as version ${version.version}. ${tallies.join("; ")}. ${validitySentence()}`);
  return true;
}

function rowsByName() {
  return new Map((state.metrics?.neighbourhoods || []).map((row) => [row.name, row]));
}

const moveSelection = action(async () => {
  let target = $("move-to").value;
  if (target === NEW_HOOD) {
    target = $("new-name").value.trim();
    if (!target) return showErrors([{ text: "Enter a name for the new neighbourhood", field: "new-name" }]);
  }
  if (!target) return showErrors([{ text: "Choose the neighbourhood to move the selected LSOAs to", field: "move-to" }]);
  const units = practiceAssignment(state.version) || state.version.assignment;
  const unit = state.listBased ? "practices" : "LSOAs";
  const codes = [...state.selection].filter((code) => units[code] !== target);
  if (!codes.length) {
    return showErrors([{ text: `The selected ${unit} are already in ${target}: choose another neighbourhood`, field: "move-to" }]);
  }
  const moves = Object.fromEntries(codes.map((code) => [code, target]));
  const label = codes.length === 1 ? `move of ${codes[0]} to ${target}` : `move of ${codes.length} ${unit} to ${target}`;
  if (await postMoves(moves, label, { note: $("move-note").value.trim() })) {
    $("move-note").value = "";
    $("new-name").value = "";
    if (target !== $("move-to").value) { $("move-to").value = target; $("new-name-group").hidden = true; }
  }
});

const undo = action(async () => {
  const entry = state.undo.pop();
  if (!entry) return;
  if (!(await postMoves(entry.undo, `undo of the ${entry.label}`, { record: "none" }))) return;
  state.redo.push(entry);
  renderControls();
});

const redo = action(async () => {
  const entry = state.redo.pop();
  if (!entry) return;
  if (!(await postMoves(entry.redo, `redo of the ${entry.label}`, { record: "none" }))) return;
  state.undo.push(entry);
  renderControls();
});

async function restoreVersion(number) {
  const { data: old } = await api(`/plans/${state.plan.id}/versions/${number}`);
  const then = practiceAssignment(old) || old.assignment;
  const now = practiceAssignment(state.version) || state.version.assignment;
  const moves = Object.fromEntries(Object.entries(then).filter(([code, hood]) => now[code] !== hood));
  if (!Object.keys(moves).length) return announce(`Version ${number} is the same as the current version.`);
  await postMoves(moves, `restore of version ${number}`, { note: `Restored version ${number}` });
}

// ---------------------------------------------------------------- rename

const renameHood = action(async () => {
  const from = $("rename-from").value;
  const to = $("rename-to").value.trim();
  if (!to) return showErrors([{ text: "Enter the new name of the neighbourhood", field: "rename-to" }]);
  if (to === from) return showErrors([{ text: `${from} already has this name: enter a different name`, field: "rename-to" }]);
  const planId = state.plan.id;
  let version;
  try {
    ({ data: version } = await api(`/plans/${planId}/rename`, { method: "POST", body: { names: { [from]: to } }, etag: state.etag }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      await openPlan(planId);
      return showErrors([{ text: `Someone else saved this plan while you were working on it: it is now version ${state.version.version}. The page has reloaded it; rename again.` }]);
    }
    if (error instanceof ApiError && error.status === 422) return showErrors([{ text: describe(error), field: "rename-to" }]);
    throw error;
  }
  if (state.colours.has(from)) state.colours.set(to, state.colours.get(from)); // the neighbourhood keeps its colour
  state.undo = []; state.redo = []; // earlier moves name the old neighbourhood
  await openPlan(planId);
  $("rename-from").value = to;
  $("rename-to").value = "";
  announce(`Renamed ${from} to ${to}: saved as version ${version.version}.`);
});

// ---------------------------------------------------------------- exports

async function exportFile(event) {
  const button = event.currentTarget;
  const what = button.dataset.export;
  if (!state.plan || state.busy) return;
  clearErrors();
  button.disabled = true;
  try {
    announce(`Preparing ${button.textContent}…`);
    const { name, size } = await download(`/plans/${state.plan.id}/${what}?version=${state.version.version}`,
      `plan-${state.plan.id}-v${state.version.version}-${what}`);
    announce(`Downloaded ${name} (${size < 1024 ? `${size} bytes` : `${upToOneDp.format(size / 1024)} kB`}).`);
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- finding a place

function searchEntries() {
  const entries = [];
  for (const unit of context.units.ward) entries.push({ kind: "ward", code: unit.code, name: unit.name, unit });
  for (const unit of context.units.lad) entries.push({ kind: "lad", code: unit.code, name: unit.name, unit });
  for (const p of context.practices) entries.push({ kind: "practice", code: p.code, name: p.name, practice: p });
  for (const [code, props] of state.lsoaProps) entries.push({ kind: "lsoa", code, name: props.lsoa_name || code });
  return entries;
}

function choosePlace(entry) {
  if (entry.kind === "practice") {
    planMap.highlight(null, entry.practice.latlng);
    if (state.listBased && (entry.code in (practiceAssignment(state.version) || {}))) {
      state.selection.add(entry.code);
      renderSelection();
      return announce(`${entry.name} (${entry.code}) selected. ${$("selection-summary").textContent}`);
    }
    return announce(`Showing GP practice ${entry.name} (${entry.code}) on the map.`);
  }
  if (entry.kind === "lsoa") {
    planMap.highlight(planMap.layers.get(entry.code).getBounds());
    if (!state.listBased) { state.selection.add(entry.code); renderSelection(); }
    return announce(`Showing LSOA ${entry.code} ${entry.name}${state.listBased ? "" : `; ${$("selection-summary").textContent}`}`);
  }
  planMap.highlight(entry.unit.bounds);
  if (entry.kind === "ward" && !state.listBased) {
    // A ward is a natural community: select its LSOAs, ready to move together.
    state.selection = new Set(entry.unit.lsoas.filter((code) => state.lsoaProps.has(code)));
    renderSelection();
    return announce(`Showing ward ${entry.name}: ${$("selection-summary").textContent}`);
  }
  return announce(`Showing ${entry.kind === "ward" ? "ward" : "local authority"} ${entry.name} (${plural(entry.unit.lsoas.length, "LSOA")}).`);
}

// ---------------------------------------------------------------- lifecycle

const submitPlan = action(async () => {
  await transition("submit", {}, "Submitted for sign-off");
});

const returnPlan = action(async () => {
  await transition("return", {}, "Returned to draft");
});

const agreePlan = action(async () => {
  const reference = $("hwb-reference").value.trim();
  if (!reference) {
    return showErrors([{ text: "Enter the Health and Wellbeing Board meeting reference that agreed the plan", field: "hwb-reference" }]);
  }
  await transition("agree", { hwb_reference: reference }, `Agreed at ${reference}`);
  $("hwb-reference").value = "";
});

async function transition(kind, body, done) {
  const planId = state.plan.id;
  try {
    await api(`/plans/${planId}/${kind}`, { method: "POST", body, etag: state.etag });
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      await openPlan(planId);
      return showErrors([{ text: `This plan changed since you opened it: it is now version ${state.version.version} (${STATE_LABEL[state.version.state]}). The page has reloaded it; check it and try again.` }]);
    }
    throw error;
  }
  await openPlan(planId);
  await loadPlanList(planId);
  announce(`${done}: version ${state.version.version} is now ${STATE_LABEL[state.version.state].toLowerCase()}.`);
}

// ---------------------------------------------------------------- start

function readHash() {
  return Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
}

async function start() {
  clearErrors();
  const wanted = readHash();
  await loadMe();
  const area = await loadAreas(wanted.area);
  if (!area) return announce("The service offers no study areas.");
  await loadArea(area);
  if (wanted.plan && /^\d+$/.test(wanted.plan)) {
    await openPlan(Number(wanted.plan));
    await loadPlanList(wanted.plan);
  }
  renderControls();
  document.body.dataset.ready = "true";
}

function wire() {
  planMap = new PlanMap($("map"), { onPick: pick, onBox: pickBox });
  context = new ContextLayers(planMap, { onChange: (error) => { if (error) showError(error); } });
  context.onPickPractice = pickPractice;
  new PlaceSearch({ entries: searchEntries, choose: choosePlace }); // eslint-disable-line no-new
  $("rename-form").addEventListener("submit", renameHood);
  for (const button of document.querySelectorAll("[data-export]")) button.addEventListener("click", exportFile);
  $("api-key").value = getKey();
  $("key-form").addEventListener("submit", action(async () => {
    setKey($("api-key").value.trim());
    await start();
    announce(`Using your API key: ${$("whoami").textContent}`);
  }));
  $("key-forget").addEventListener("click", action(async () => {
    setKey(""); $("api-key").value = "";
    announce("The API key has been forgotten.");
    await start();
  }));
  $("area").addEventListener("change", action(async () => {
    await loadArea($("area").value);
    history.replaceState(null, "", `#area=${encodeURIComponent(state.area.id)}`);
    announce(`Showing ${state.area.name || state.area.id}.`);
  }));
  $("plan-select").addEventListener("change", renderControls);
  $("plan-open").addEventListener("click", action(async () => {
    await openPlan(Number($("plan-select").value));
    announce(`Opened ${state.plan.name}, version ${state.version.version}. ${validitySentence()}`);
  }));
  $("propose-form").addEventListener("submit", runProposal);
  $("cancel-job").addEventListener("click", cancelJob);
  $("create-form").addEventListener("submit", createPlan);
  $("code-form").addEventListener("submit", addCode);
  $("selection-clear").addEventListener("click", () => { state.selection.clear(); renderSelection(); announce("Selection cleared."); });
  $("move-to").addEventListener("change", () => { $("new-name-group").hidden = $("move-to").value !== NEW_HOOD; });
  $("move-form").addEventListener("submit", moveSelection);
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  $("submit-plan").addEventListener("click", submitPlan);
  $("return-plan").addEventListener("click", returnPlan);
  $("agree-form").addEventListener("submit", agreePlan);
  window.addEventListener("hashchange", action(async () => {
    const wanted = readHash();
    if (wanted.plan && /^\d+$/.test(wanted.plan) && Number(wanted.plan) !== state.plan?.id) {
      await openPlan(Number(wanted.plan));
      await loadPlanList(wanted.plan);
      announce(`Opened ${state.plan.name}, version ${state.version.version}. ${validitySentence()}`);
    }
  }));
  action(start)();
}

if (window.L) wire(); else window.addEventListener("DOMContentLoaded", wire);
