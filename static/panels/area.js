// Who is calling, the service's limits, the study area (its LSOAs, context layers and practices) and its saved
// plans.

import { api } from "../api.js";
import { $, el } from "../dom.js";
import { STATE_LABEL, plural } from "../format.js";
import { nameHint } from "../names.js";
import { can } from "../roles.js";
import { chooseArea, state, views } from "../state.js";
import { closePlan } from "./plan.js";

export async function loadMe() {
  const { data } = await api("/me");
  state.me = data;
  $("whoami").textContent = data.local_mode
    ? "Local single-user mode: no API keys are set up, so you can do everything."
    : `Signed in as ${data.name} (${data.role}).`;
  // A viewer sees what they can do: no proposal form to grey out.
  $("propose-section").hidden = !can(data, "planner");
}

/** The name rule's limits from the service: every name field's maxlength, and the rename hint. */
export async function loadLimits() {
  const { data } = await api("/limits");
  state.limits = data;
  for (const id of ["plan-name", "new-name", "rename-to"]) $(id).maxLength = data.name_max_length;
  $("rename-to-hint").textContent = nameHint(data);
}

export async function loadAreas(preferred) {
  const { data: areas } = await api("/areas");
  const select = $("area");
  select.replaceChildren(...areas.map((a) => el("option", { value: a.id, text: a.name ? `${a.name} (${a.id})` : a.id })));
  const chosen = chooseArea(areas, preferred);
  if (chosen) select.value = chosen;
  return chosen;
}

export async function loadArea(id) {
  const { planMap, context } = views;
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
  $("area-summary").textContent = `About ${area.name || area.id}: ${plural(area.lsoas || 0, "LSOA")} and the data sources`;
  planMap.setLsoas(layer, "Contains OS data © Crown copyright and database right; ONS, MHCLG and NHS England data, OGL v3.0");
  await context.load(id);
  state.practiceProps = new Map(context.practices.map((p) => [p.code, p]));
  $("practice-codes").replaceChildren(...context.practices.map((p) => el("option", { value: p.code, text: p.name })));
  state.selection.clear();
  closePlan();
  await loadPlanList();
}

export async function loadPlanList(selected) {
  const { data: plans } = await api(`/plans?area=${encodeURIComponent(state.area.id)}`);
  const select = $("plan-select");
  select.replaceChildren(...(plans.length ? plans.map((p) => el("option", {
    value: p.id, text: `${p.name} (plan ${p.id}, version ${p.latest_version}, ${STATE_LABEL[p.state] || p.state})`,
  })) : [el("option", { value: "", text: "No saved plans" })]));
  if (selected) select.value = String(selected);
}
