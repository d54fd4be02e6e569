// The access and need table of the open plan (GET /plans/{id}/access): km to a GP practice, the share beyond
// the threshold, modelled minutes to a hospital with a stroke unit, the need index, and each figure's source and
// method under it. Loaded after the tallies, never holding them up; the formatting is static/access.js.

import { api, describe } from "../api.js";
import { accessCaption, accessColumns, accessNotes, accessRows } from "../access.js";
import { $, el } from "../dom.js";
import { state } from "../state.js";

export function hideAccess() {
  $("access-block").hidden = true;
}

/** Fetch and show the access and need figures of a plan version (if it is still the one open). */
export async function loadAccess(planId, versionNumber) {
  $("access-block").hidden = false;
  $("access-status").textContent = "Loading access and need figures…";
  $("access-table-container").hidden = true;
  $("access-notes").replaceChildren();
  let doc;
  try {
    ({ data: doc } = await api(`/plans/${planId}/access?version=${versionNumber}`));
  } catch (error) {
    if (state.plan?.id === planId && state.version?.version === versionNumber) {
      $("access-status").textContent = `Access and need figures are not available for this plan: ${describe(error)}`;
    }
    return;
  }
  if (state.plan?.id !== planId || state.version?.version !== versionNumber) return; // another version opened since
  renderAccess(doc);
}

function renderAccess(doc) {
  const num = "nhsuk-table__header--numeric";
  $("access-head").replaceChildren(el("th", { scope: "col", class: "nhsuk-table__header", text: "Neighbourhood" }),
    ...accessColumns(doc).map(([key, heading]) => el("th", { scope: "col", class: `nhsuk-table__header ${num}`, "data-column": key, text: heading })));
  $("access-body").replaceChildren(...accessRows(doc).map(({ name, cells }) => el("tr", { class: "nhsuk-table__row", "data-neighbourhood": name },
    el("th", { scope: "row", class: "nhsuk-table__header app-hood-name", text: name }),
    ...cells.map((text) => el("td", { class: "nhsuk-table__cell nhsuk-table__cell--numeric", text })))));
  $("access-caption").textContent = accessCaption(doc);
  $("access-notes").replaceChildren(...accessNotes(doc).map((line) => el("li", { text: line })));
  $("access-status").textContent = "";
  $("access-table-container").hidden = false;
}
