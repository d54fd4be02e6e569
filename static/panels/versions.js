// The versions table, newest first, with a Restore button on each (a restore posts the moves back, as a new
// version).

import { api } from "../api.js";
import { action } from "../controls.js";
import { $, announce, el } from "../dom.js";
import { versionChange, versionState, when } from "../format.js";
import { practiceAssignment, restoreMoves, unitsOf } from "../requests.js";
import { canEdit } from "../roles.js";
import { state } from "../state.js";
import { postMoves } from "./editor.js";

export async function loadVersions() {
  const { data: versions } = await api(`/plans/${state.plan.id}/versions`);
  const body = $("versions-body");
  body.replaceChildren(...versions.slice().reverse().map((v) => {
    const restore = el("button", {
      class: "nhsuk-button nhsuk-button--secondary nhsuk-button--small app-table-button", type: "button",
      text: "Restore", "aria-label": `Restore version ${v.version}`,
    });
    restore.disabled = v.version === state.version?.version;
    const editable = canEdit(state.me, state.plan, state.version); // only those who can restore see the button
    restore.addEventListener("click", action(() => restoreVersion(v.version)));
    return el("tr", { class: "nhsuk-table__row" },
      el("td", { class: "nhsuk-table__cell", text: String(v.version) }),
      el("td", { class: "nhsuk-table__cell", text: versionState(v) }),
      el("td", { class: "nhsuk-table__cell", text: versionChange(v, practiceAssignment(v) ? "practice" : "LSOA") }),
      el("td", { class: "nhsuk-table__cell", text: v.created_by }),
      el("td", { class: "nhsuk-table__cell", text: when(v.created_at) }),
      el("td", { class: "nhsuk-table__cell", text: v.note || "" }),
      el("td", { class: "nhsuk-table__cell" }, ...(editable ? [restore] : [])));
  }));
}

async function restoreVersion(number) {
  const { data: old } = await api(`/plans/${state.plan.id}/versions/${number}`);
  const moves = restoreMoves(unitsOf(old), unitsOf(state.version));
  if (!Object.keys(moves).length) return announce(`Version ${number} is the same as the current version.`);
  await postMoves(moves, `restore of version ${number}`, { note: `Restored version ${number}` });
}
