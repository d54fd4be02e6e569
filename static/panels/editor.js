// The editor: select LSOAs (or whole practices in a plan built from practices) on the map, by code or by place;
// move them to a neighbourhood (each move a new version, made with If-Match), undo and redo; rename a
// neighbourhood.

import { api, ApiError, describe } from "../api.js";
import { action, renderControls } from "../controls.js";
import { $, announce, clearErrors, el, showErrors } from "../dom.js";
import { capitalise, count, deviationFrom, selectionSummary, tallyChange, validitySentence } from "../format.js";
import { checkName } from "../names.js";
import {
  inverseMoves, moveLabel, movesRequest, movesTo, practiceAssignment, renameRequest, unitsOf,
} from "../requests.js";
import { holdSaved, pickUnit, state, views } from "../state.js";
import { openPlan, refreshPlanViews } from "./plan.js";

export const NEW_HOOD = "__new__";

// ---------------------------------------------------------------- the selection

export function renderSelection() {
  const codes = [...state.selection].sort();
  if (state.listBased) return renderPracticeSelection(codes);
  views.planMap.setPracticeSelection([]);
  views.planMap.setSelection(codes);
  const assignment = state.version?.assignment || state.proposal?.assignment || {};
  const list = $("selection-list");
  list.replaceChildren(...codes.slice(0, 30).map((code) => {
    const props = state.lsoaProps.get(code) || {};
    const hood = assignment[code] ? ` — in ${assignment[code]}` : "";
    return el("li", { "data-code": code }, `${code} ${props.lsoa_name || ""}: ${count(props.resident_population)} residents${hood} `, removeButton(code));
  }));
  if (codes.length > 30) list.append(el("li", { text: `and ${codes.length - 30} more` }));
  const people = codes.reduce((sum, code) => sum + (state.lsoaProps.get(code)?.resident_population ?? 0), 0);
  $("selection-summary").textContent = selectionSummary(codes.length, people, false);
  renderControls();
}

/** The selected practices of a plan built from practices, with their lists (the unit a move moves). */
function renderPracticeSelection(codes) {
  views.planMap.setSelection([]);
  views.planMap.setPracticeSelection(codes);
  const assignment = practiceAssignment(state.version) || {};
  $("selection-list").replaceChildren(...codes.slice(0, 30).map((code) => {
    const props = state.practiceProps.get(code) || {};
    const hood = assignment[code] ? ` — in ${assignment[code]}` : "";
    return el("li", { "data-code": code }, `${code} ${props.name || ""}: ${count(props.list)} registered${hood} `, removeButton(code));
  }));
  if (codes.length > 30) $("selection-list").append(el("li", { text: `and ${codes.length - 30} more` }));
  const people = codes.reduce((sum, code) => sum + (state.practiceProps.get(code)?.list ?? 0), 0);
  $("selection-summary").textContent = selectionSummary(codes.length, people, true);
  renderControls();
}

function removeButton(code) {
  const remove = el("button", { class: "app-link-button", type: "button", text: "Remove", "aria-label": `Remove ${code} from the selection` });
  remove.addEventListener("click", () => { state.selection.delete(code); renderSelection(); announce(`${code} removed from the selection.`); });
  return remove;
}

export function pick(code, additive) {
  if (state.listBased) return; // a plan built from practices moves whole practices: pick their markers
  pickUnit(code, additive);
  renderSelection();
  announce($("selection-summary").textContent);
}

export function pickPractice(code, additive) {
  if (!state.listBased) return;
  pickUnit(code, additive);
  renderSelection();
  announce($("selection-summary").textContent);
}

export function pickBox(codes) {
  if (state.listBased) return;
  for (const code of codes) state.selection.add(code);
  renderSelection();
  announce($("selection-summary").textContent);
}

export function addCode(event) {
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

export function clearSelection() {
  state.selection.clear();
  renderSelection();
  announce("Selection cleared.");
}

// ---------------------------------------------------------------- moves, undo, redo

/** POST moves with If-Match; on success the tallies and validity come from the new version's metrics. */
export async function postMoves(moves, label, { note = "", record = "new" } = {}) {
  const inverse = inverseMoves(moves, unitsOf(state.version));
  const planId = state.plan.id;
  let version;
  try {
    ({ data: version } = await api(`/plans/${planId}/moves`, { method: "POST", body: movesRequest(moves, note), etag: state.etag }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      await openPlan(planId);
      state.history.clear();
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
    const { data: detail } = await api(`/plans/${planId}/versions/${version.version}`);
    holdSaved(version, detail);
  } else {
    holdSaved(version, { ...version, assignment: { ...state.version.assignment, ...moves } });
  }
  if (record === "new") state.history.record({ undo: inverse, redo: moves, label });
  await refreshPlanViews();
  const after = rowsByName();
  const touched = [...new Set([...Object.values(moves), ...Object.values(inverse)])];
  const tallies = touched.map((name) => tallyChange(name, before.get(name), after.get(name), deviationFrom(state.metrics?.summary)));
  announce(`${capitalise(label)}: saved as version ${version.version}. ${tallies.join("; ")}. ${validitySentence(state.metrics)}`);
  return true;
}

function rowsByName() {
  return new Map((state.metrics?.neighbourhoods || []).map((row) => [row.name, row]));
}

export const moveSelection = action(async () => {
  let target = $("move-to").value;
  if (target === NEW_HOOD) {
    const { name, error } = checkName($("new-name").value, state.limits, { empty: "Enter a name for the new neighbourhood" });
    if (error) return showErrors([{ text: error, field: "new-name" }]);
    target = name;
  }
  if (!target) return showErrors([{ text: "Choose the neighbourhood to move the selected LSOAs to", field: "move-to" }]);
  const unit = state.listBased ? "practices" : "LSOAs";
  const { codes, moves } = movesTo(state.selection, unitsOf(state.version), target);
  if (!codes.length) {
    return showErrors([{ text: `The selected ${unit} are already in ${target}: choose another neighbourhood`, field: "move-to" }]);
  }
  if (await postMoves(moves, moveLabel(codes, target, unit), { note: $("move-note").value.trim() })) {
    $("move-note").value = "";
    $("new-name").value = "";
    if (target !== $("move-to").value) { $("move-to").value = target; $("new-name-group").hidden = true; }
  }
});

export const undo = action(async () => {
  const entry = state.history.takeUndo();
  if (!entry) return;
  if (!(await postMoves(entry.undo, `undo of the ${entry.label}`, { record: "none" }))) return;
  state.history.undone(entry);
  renderControls();
});

export const redo = action(async () => {
  const entry = state.history.takeRedo();
  if (!entry) return;
  if (!(await postMoves(entry.redo, `redo of the ${entry.label}`, { record: "none" }))) return;
  state.history.redone(entry);
  renderControls();
});

export function renderMoveTargets() {
  const select = $("move-to");
  const current = select.value;
  const names = state.metrics.neighbourhoods.map((row) => row.name);
  select.replaceChildren(el("option", { value: "", text: "Choose a neighbourhood" }),
    ...names.map((name) => el("option", { value: name, text: name })),
    el("option", { value: NEW_HOOD, text: "A new neighbourhood…" }));
  if ([...select.options].some((o) => o.value === current)) select.value = current;
  $("new-name-group").hidden = select.value !== NEW_HOOD;
}

// ---------------------------------------------------------------- rename

export const renameHood = action(async () => {
  const from = $("rename-from").value;
  const { name: to, error } = checkName($("rename-to").value, state.limits, { empty: "Enter the new name of the neighbourhood" });
  if (error) return showErrors([{ text: error, field: "rename-to" }]);
  if (to === from) return showErrors([{ text: `${from} already has this name: enter a different name`, field: "rename-to" }]);
  const planId = state.plan.id;
  let version;
  try {
    ({ data: version } = await api(`/plans/${planId}/rename`, { method: "POST", body: renameRequest(from, to), etag: state.etag }));
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      await openPlan(planId);
      return showErrors([{ text: `Someone else saved this plan while you were working on it: it is now version ${state.version.version}. The page has reloaded it; rename again.` }]);
    }
    if (error instanceof ApiError && error.status === 422) return showErrors([{ text: describe(error), field: "rename-to" }]);
    throw error;
  }
  if (state.colours.has(from)) state.colours.set(to, state.colours.get(from)); // the neighbourhood keeps its colour
  state.history.rename(from, to); // earlier moves now name the new neighbourhood: undo carries on
  await openPlan(planId);
  $("rename-from").value = to;
  $("rename-to").value = "";
  announce(`Renamed ${from} to ${to}: saved as version ${version.version}.`);
});

export function renderRenameTargets() {
  const select = $("rename-from");
  const current = select.value;
  select.replaceChildren(...state.metrics.neighbourhoods.map((row) => el("option", { value: row.name, text: row.name })));
  if ([...select.options].some((o) => o.value === current)) select.value = current;
}
