// Finding a place (search.js is the combobox): what can be found, and what choosing each kind does: zoom to it
// and select it where that means something (an LSOA, a ward's LSOAs, a practice in a plan built from practices).

import { $, announce } from "../dom.js";
import { plural } from "../format.js";
import { practiceAssignment } from "../requests.js";
import { selectOnly, state, views } from "../state.js";
import { renderSelection } from "./editor.js";

export function searchEntries() {
  const { context } = views;
  const entries = [];
  for (const unit of context.units.ward) entries.push({ kind: "ward", code: unit.code, name: unit.name, unit });
  for (const unit of context.units.lad) entries.push({ kind: "lad", code: unit.code, name: unit.name, unit });
  for (const p of context.practices) entries.push({ kind: "practice", code: p.code, name: p.name, practice: p });
  for (const [code, props] of state.lsoaProps) entries.push({ kind: "lsoa", code, name: props.lsoa_name || code });
  return entries;
}

export function choosePlace(entry) {
  const { planMap } = views;
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
    selectOnly(entry.unit.lsoas.filter((code) => state.lsoaProps.has(code)));
    renderSelection();
    return announce(`Showing ward ${entry.name}: ${$("selection-summary").textContent}`);
  }
  return announce(`Showing ${entry.kind === "ward" ? "ward" : "local authority"} ${entry.name} (${plural(entry.unit.lsoas.length, "LSOA")}).`);
}
