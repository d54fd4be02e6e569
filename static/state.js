// The page's one state object and the explicit updates to it. Panels read `state` freely but change it through
// these functions (and the few assignments that load an answer from the API), so what a change touches is
// written down once. No DOM here.

import { neighbourColours } from "./colours.js";
import { PALETTE } from "./map.js";
import { UndoStack } from "./undo.js";

export const state = {
  me: null,            // {name, role, local_mode}
  limits: null,        // {name_max_length, name_forbidden_start} from GET /limits
  area: null,          // AreaPublic of the chosen area
  lsoaProps: new Map(),// code -> LSOA properties from the layer
  proposal: null,      // the last proposal, with its assignment
  job: null,           // running job id
  plan: null,          // PlanPublic
  version: null,       // VersionDetail of the latest version (assignment included)
  etag: null,
  metrics: null,
  signoff: null,       // GET /plans/{id}/signoff of the open version: its unmet rules, whether the caller may agree
  colours: new Map(),  // neighbourhood -> colour, stable while a plan is open
  selection: new Set(),  // LSOA codes, or practice codes in a plan built from practices
  practiceProps: new Map(), // practice code -> properties from the practice layer
  listBased: false,    // the open plan is built from whole practices: moves move practices
  uec: null,           // per-neighbourhood UEC of the open version (/plans/{id}/hotspots), when available
  history: new UndoStack(),
  busy: false,
};

/** The map and its context layers, made once the page is wired (app.js). */
export const views = { planMap: null, context: null };

/** A neighbourhood's colour: the next palette colour the first time it is seen, the same one after. */
export function colourOf(name) {
  if (!state.colours.has(name)) state.colours.set(name, PALETTE[state.colours.size % PALETTE.length]);
  return state.colours.get(name);
}

/**
 * Colour a version's neighbourhoods so that no two neighbours share a colour (metrics `neighbours`), keeping the
 * colours shown before where they still differ from their neighbours'.
 */
export function colourNeighbourhoods(metrics) {
  const names = metrics.neighbourhoods.map((row) => row.name);
  state.colours = neighbourColours(names, metrics.neighbours || [], PALETTE, state.colours);
}

/**
 * The area the page opens: the one asked for (the address), else the first real area listed, else the first (the
 * synthetic demo only when nothing real is offered).
 */
export function chooseArea(areas, preferred) {
  if (areas.some((a) => a.id === preferred)) return preferred;
  return (areas.find((a) => !a.synthetic) || areas[0])?.id;
}

/** Forget the open plan: its version, metrics, colours, undo history and selection. */
export function forgetPlan() {
  state.plan = null; state.version = null; state.etag = null; state.metrics = null; state.signoff = null;
  state.history.clear(); state.selection.clear();
  state.colours = new Map();
  state.listBased = false; state.uec = null;
}

/**
 * Hold a plan's latest version. Another plan starts with fresh colours and history; switching between a plan
 * built from LSOAs and one built from practices empties the selection; selected units the version does not have
 * are dropped.
 */
export function holdVersion(plan, version, etag, { listBased, units }) {
  const samePlan = state.plan && state.plan.id === plan.id;
  state.plan = plan;
  state.version = version;
  state.etag = etag || version.etag;
  if (!samePlan) { state.colours = new Map(); state.history.clear(); }
  if (listBased !== state.listBased) state.selection.clear();
  state.listBased = listBased;
  for (const code of [...state.selection]) if (!(code in units)) state.selection.delete(code);
}

/** A click on a unit: select only it, or (additive) add or remove it. */
export function pickUnit(code, additive) {
  if (additive) {
    if (state.selection.has(code)) state.selection.delete(code); else state.selection.add(code);
  } else {
    state.selection = new Set([code]);
  }
}

/** Select exactly these units. */
export function selectOnly(codes) {
  state.selection = new Set(codes);
}

/** Hold the version a change just saved (`saved`, from the API) with its full detail (`detail`). */
export function holdSaved(saved, detail) {
  state.version = detail;
  state.etag = saved.etag;
  state.plan = { ...state.plan, latest_version: saved.version, etag: saved.etag };
}
