// The open plan: load its latest version (assignment, metrics, UEC, footprints, versions), the neighbourhood
// table, and close it again.

import { api } from "../api.js";
import { renderControls } from "../controls.js";
import { $, el } from "../dom.js";
import {
  STATE_LABEL, STATE_TAG, count, isOutside, percent, populationHeading, tableCaption, uecRate, when,
} from "../format.js";
import { practiceAssignment, unitsOf } from "../requests.js";
import { canEdit } from "../roles.js";
import { colourNeighbourhoods, colourOf, forgetPlan, holdVersion, state, views } from "../state.js";
import { loadArea, loadPlanList } from "./area.js";
import { hideAccess, loadAccess } from "./access.js";
import { renderMoveTargets, renderRenameTargets, renderSelection } from "./editor.js";
import { loadSignoff, renderLifecycle } from "./signoff.js";
import { hideValidityLink, renderValidity } from "./validity.js";
import { loadVersions } from "./versions.js";

export function closePlan() {
  const { planMap } = views;
  forgetPlan();
  $("editor").hidden = true; $("tally").hidden = true; $("lifecycle").hidden = true; $("versions-block").hidden = true;
  $("rename-form").hidden = true; $("exports").hidden = true;
  hideValidityLink();
  hideAccess();
  planMap.setOutside([]);
  planMap.setPracticeAssignment({}, colourOf);
  renderUnitLabels();
  $("plan-meta").textContent = "Open a saved plan or create one from a proposal. The map shows the study area.";
  planMap.setFootprints(null);
  planMap.setAssignment({}, colourOf);
  renderSelection();
}

/** Load the latest version of a plan (assignment, metrics, footprints, versions) and show it. */
export async function openPlan(id) {
  const { data: plan } = await api(`/plans/${id}`);
  if (!state.area || plan.area !== state.area.id) await loadArea(plan.area);
  const { data: version, etag } = await api(`/plans/${id}/versions/${plan.latest_version}`);
  holdVersion(plan, version, etag, { listBased: Boolean(practiceAssignment(version)), units: unitsOf(version) });
  renderUnitLabels();
  await refreshPlanViews();
  history.replaceState(null, "", `#area=${encodeURIComponent(plan.area)}&plan=${plan.id}`);
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
  if (list && !$("layer-practices").checked) { $("layer-practices").checked = true; views.context.apply(); }
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

export async function refreshPlanViews() {
  const { plan, version } = state;
  const { planMap } = views;
  const [{ data: metrics }, , uec, signoff] = await Promise.all([
    api(`/plans/${plan.id}/versions/${version.version}/metrics`), loadVersions(), loadPlanUec(plan.id, version.version),
    loadSignoff(plan.id, version.version),
  ]);
  state.metrics = metrics;
  state.signoff = signoff;
  state.uec = uec;
  colourNeighbourhoods(metrics);
  planMap.setAssignment(version.assignment, colourOf);
  planMap.setPracticeAssignment(practiceAssignment(version) || {}, colourOf);
  renderPlan();
  loadFootprints(plan.id, version.version); // outlines follow; the tallies do not wait for them
  loadAccess(plan.id, version.version); // so do the access and need figures
  loadPlanList(plan.id).catch(() => {});   // the "saved plans" list names the latest version
}

async function loadFootprints(planId, versionNumber) {
  try {
    const { data } = await api(`/plans/${planId}/export.geojson?version=${versionNumber}`);
    const geojson = typeof data === "string" ? JSON.parse(data) : data;
    if (state.plan?.id === planId && state.version?.version === versionNumber) views.planMap.setFootprints(geojson);
  } catch (error) {
    console.warn("footprints not available", error); // eslint-disable-line no-console
  }
}

function renderPlan() {
  const { plan, version, metrics } = state;
  const tag = el("strong", { class: `nhsuk-tag ${STATE_TAG[version.state] || ""}`, text: STATE_LABEL[version.state] || version.state });
  const meta = $("plan-meta");
  const built = metrics.summary.built_from === "practices" || state.listBased ? " Built from whole GP practices." : "";
  meta.replaceChildren(`${plan.name} (plan ${plan.id}), version ${version.version} by ${version.created_by}, ${when(version.created_at)}.${built} `, tag);
  if (version.state === "agreed") meta.append(` Agreed by ${version.agreed_by} at ${version.hwb_reference}.`);

  const rows = metrics.neighbourhoods;
  const num = "nhsuk-table__header--numeric";
  const columns = [
    ["population", populationHeading(metrics.summary.population_basis), (row) => count(row.population)],
    ["deviation", "Deviation", null],
    metrics.summary.population_basis === "list"
      ? ["residents", "Residents", (row) => count(row.resident_population)]
      : ["list_population", "List population", (row) => count(row.list_population)],
    ["alignment", "Alignment", (row) => percent(row.alignment_pct)],
    ...(state.uec ? [["uec", "UEC per 1,000", (row) => uecRate(state.uec.rows.get(row.name))]] : []),
    ["core20", "Core20 share", (row) => percent(row.core20_pct)],
  ];
  $("hood-head").replaceChildren(el("th", { scope: "col", class: "nhsuk-table__header", text: "Neighbourhood" }),
    ...columns.map(([key, h]) => el("th", { scope: "col", class: `nhsuk-table__header ${num}`, "data-column": key, text: h })));
  $("hood-caption").textContent = tableCaption(rows, metrics.summary);
  $("hood-notes").textContent = (metrics.summary.deviation_from && metrics.summary.deviation_from !== "the target"
    ? `Deviation: the population against ${metrics.summary.deviation_from}. `
    : `Deviation: the population against the target of ${count(metrics.summary.target)}. `)
    + "Alignment: the share of a footprint's residents registered with its own practices. "
    + "Core20 share: the share of the people counted who live in England's most deprived fifth of areas (IMD quintile 1). "
    + (state.uec ? `UEC per 1,000: ${state.uec.kind} attendances per 1,000 residents (${state.uec.source.split(":")[0]}).` : "No UEC layer for this area.");
  const outside = [];
  $("hood-body").replaceChildren(...rows.map((row) => {
    const swatch = el("span", { class: "app-swatch", "aria-hidden": "true" });
    swatch.style.background = colourOf(row.name);
    const rowOutside = isOutside(row, metrics.summary.tolerance);
    if (rowOutside) outside.push(row.name);
    const cells = [el("th", { scope: "row", class: "nhsuk-table__header app-hood-name" }, swatch, row.name)];
    for (const [key, , value] of columns) {
      const cell = el("td", { class: "nhsuk-table__cell nhsuk-table__cell--numeric", "data-column": key });
      if (key === "deviation") {
        cell.textContent = percent(row.deviation_pct, true);
        if (rowOutside) cell.append(el("span", { class: "app-flag", text: row.constrained ? "outside (constrained)" : "outside tolerance" }));
      } else {
        cell.textContent = value(row);
      }
      cells.push(cell);
    }
    return el("tr", { class: `nhsuk-table__row${rowOutside ? " app-row--outside" : ""}`, "data-neighbourhood": row.name }, ...cells);
  }));
  views.planMap.setOutside(outside);
  views.context.renderLegend();
  renderValidity();
  renderMoveTargets();
  renderSelection();
  renderLifecycle();
  const editable = canEdit(state.me, state.plan, state.version);
  $("editor").hidden = !editable;
  $("rename-form").hidden = !editable;
  $("exports").hidden = false;
  renderRenameTargets();
  $("tally").hidden = false;
  $("versions-block").hidden = false;
  renderControls();
}
