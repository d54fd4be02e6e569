// Request bodies the page sends, built and checked from what the planner typed or selected, before any request:
// a proposal's parameters, a plan from a proposal, moves (and the moves that undo them), a restore, a rename,
// an agreement with each unmet rule confirmed.
// Pure: the form values come in as plain strings and booleans.

/** The population basis that goes with a way of building: lists for whole practices or networks, else the one kept. */
export function basisFor(buildFrom, chosen) {
  if (buildFrom !== "lsoas") return "list";
  return chosen === "list" ? "resident" : chosen;
}

/**
 * A proposal request from the form's values, with the errors to show (field ids) when a value is out of range.
 * @returns {{errors: {text: string, field: string}[], body: object}}
 */
export function proposalRequest({ target, tolerance, nest, buildFrom, wholePractices, background, population = "resident" }) {
  const errors = [];
  const people = Number(target);
  const percent = Number(tolerance);
  if (!Number.isInteger(people) || people < 1000 || people > 10_000_000) {
    errors.push({ text: "Enter a target population between 1,000 and 10,000,000, in whole people", field: "target" });
  }
  if (population === "list" && buildFrom === "lsoas") {
    errors.push({ text: "Practices' lists can only size neighbourhoods built from whole GP practices or networks: choose residents or registered patients, or build from practices", field: "population" });
  }
  if (population !== "list" && buildFrom !== "lsoas") {
    errors.push({ text: "Neighbourhoods built from whole GP practices or networks are sized on the practices' lists: choose practices' lists", field: "population" });
  }
  if (!(percent > 0 && percent < 100)) {
    errors.push({ text: "Enter a tolerance above 0% and below 100%, for example 10", field: "tolerance" });
  }
  return {
    errors,
    body: {
      target: people, tolerance: percent / 100, nest, build_from: buildFrom, population,
      practices: wholePractices ? "whole" : "ignore",
      background: background ? true : null,
    },
  };
}

/** POST /plans body for a plan started from a proposal, with the target and tolerance it was proposed for. */
export function planFromProposal({ name, area, proposalId, target, tolerance }) {
  return { name, area, start: "proposal", proposal_id: proposalId, target, tolerance };
}

/** The units a version assigns: practices in a plan built from practices, else LSOAs ({code: hood}). */
export function practiceAssignment(version) {
  return version?.params?.practice_assignment || null;
}

export function unitsOf(version) {
  return practiceAssignment(version) || version.assignment;
}

/**
 * The moves that take the selected units to `target`, leaving out those already there.
 * @returns {{codes: string[], moves: Object<string, string>}}
 */
export function movesTo(selection, units, target) {
  const codes = [...selection].filter((code) => units[code] !== target);
  return { codes, moves: Object.fromEntries(codes.map((code) => [code, target])) };
}

/** The moves that undo `moves`: each unit back to the neighbourhood it is in now. */
export function inverseMoves(moves, units) {
  return Object.fromEntries(Object.keys(moves).map((code) => [code, units[code]]));
}

/** The words for a move: "move of E01000001 to North" or "move of 3 LSOAs to North". */
export function moveLabel(codes, target, unit) {
  return codes.length === 1 ? `move of ${codes[0]} to ${target}` : `move of ${codes.length} ${unit} to ${target}`;
}

/** The moves that restore an earlier assignment (`then`) from the current one (`now`): only units that differ. */
export function restoreMoves(then, now) {
  return Object.fromEntries(Object.entries(then).filter(([code, hood]) => now[code] !== hood));
}

/** POST /plans/{id}/moves body. */
export function movesRequest(moves, note = "") {
  return { moves, note };
}

/** POST /plans/{id}/rename body. */
export function renameRequest(from, to) {
  return { names: { [from]: to } };
}

/** The id of the checkbox that confirms an unmet rule in the sign-off box. */
export function confirmField(rule) {
  return `confirm-${rule}`;
}

/**
 * POST /plans/{id}/agree body: the meeting reference and every unmet rule the approver ticked, with an error for
 * an empty reference and for each unmet rule left unticked (the service refuses those too).
 * @returns {{errors: {text: string, field: string}[], body: object}}
 */
export function agreeRequest(reference, unmet, ticked) {
  const errors = [];
  const hwb = String(reference || "").trim();
  for (const rule of unmet) {
    if (!ticked.has(rule.rule)) errors.push({ text: `Confirm that you agree the plan knowing that ${rule.text}`, field: confirmField(rule.rule) });
  }
  if (!hwb) errors.push({ text: "Enter the Health and Wellbeing Board meeting reference that agreed the plan", field: "hwb-reference" });
  return { errors, body: { hwb_reference: hwb, confirmed: unmet.map((r) => r.rule).filter((r) => ticked.has(r)) } };
}
