// Request bodies built from what the planner typed or selected (static/requests.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  agreeRequest, basisFor, confirmField, inverseMoves, moveLabel, movesRequest, movesTo, planFromProposal, practiceAssignment, proposalRequest, renameRequest,
  restoreMoves, unitsOf,
} from "../../static/requests.js";

const FORM = { target: "50000", tolerance: "10", nest: "lad", buildFrom: "lsoas", wholePractices: true, background: false };

test("the population basis is sent as chosen; lists need a plan built from practices", () => {
  assert.equal(proposalRequest({ ...FORM, population: "registered" }).body.population, "registered");
  assert.deepEqual(proposalRequest({ ...FORM, population: "list" }).errors.map((e) => e.field), ["population"]);
  assert.deepEqual(proposalRequest({ ...FORM, population: "list", buildFrom: "practices" }).errors, []);
  assert.deepEqual(proposalRequest({ ...FORM, population: "resident", buildFrom: "pcns" }).errors.map((e) => e.field), ["population"]);
});

test("choosing how to build sets the basis that goes with it", () => {
  assert.equal(basisFor("practices", "resident"), "list");
  assert.equal(basisFor("pcns", "registered"), "list");
  assert.equal(basisFor("lsoas", "list"), "resident");
  assert.equal(basisFor("lsoas", "registered"), "registered");
});

test("a proposal body converts the tolerance to a fraction and says what to keep whole", () => {
  const { errors, body } = proposalRequest(FORM);
  assert.deepEqual(errors, []);
  assert.deepEqual(body, { target: 50000, tolerance: 0.1, nest: "lad", build_from: "lsoas", population: "resident", practices: "whole", background: null });
  const other = proposalRequest({ ...FORM, tolerance: "7.5", wholePractices: false, background: true, buildFrom: "pcns" }).body;
  assert.equal(other.tolerance, 0.075);
  assert.equal(other.practices, "ignore");
  assert.equal(other.background, true);
  assert.equal(other.build_from, "pcns");
});

test("out-of-range targets and tolerances name their fields", () => {
  const fields = (form) => proposalRequest({ ...FORM, ...form }).errors.map((e) => e.field);
  assert.deepEqual(fields({ target: "999" }), ["target"]);
  assert.deepEqual(fields({ target: "10000001" }), ["target"]);
  assert.deepEqual(fields({ target: "1000" }), []);
  assert.deepEqual(fields({ target: "10000000" }), []);
  assert.deepEqual(fields({ target: "50000.5" }), ["target"]);
  assert.deepEqual(fields({ target: "lots" }), ["target"]);
  assert.deepEqual(fields({ tolerance: "0" }), ["tolerance"]);
  assert.deepEqual(fields({ tolerance: "100" }), ["tolerance"]);
  assert.deepEqual(fields({ tolerance: "" , target: "" }), ["target", "tolerance"]);
  assert.match(proposalRequest({ ...FORM, target: "5" }).errors[0].text, /between 1,000 and 10,000,000/);
});

test("a plan from a proposal carries the proposal's id, target and tolerance", () => {
  assert.deepEqual(planFromProposal({ name: "P", area: "Q99", proposalId: "abc", target: 50000, tolerance: 0.1 }),
    { name: "P", area: "Q99", start: "proposal", proposal_id: "abc", target: 50000, tolerance: 0.1 });
});

const LSOA_VERSION = { assignment: { E1: "North", E2: "North", E3: "South" }, params: {} };
const LIST_VERSION = { assignment: { E1: "A" }, params: { practice_assignment: { P1: "A", P2: "B" } } };

test("a plan built from practices moves practices; a place-based one moves LSOAs", () => {
  assert.equal(practiceAssignment(LSOA_VERSION), null);
  assert.equal(practiceAssignment(null), null);
  assert.deepEqual(unitsOf(LSOA_VERSION), LSOA_VERSION.assignment);
  assert.deepEqual(unitsOf(LIST_VERSION), { P1: "A", P2: "B" });
});

test("moves leave out units already in the target, and their inverse puts each back", () => {
  const units = unitsOf(LSOA_VERSION);
  const { codes, moves } = movesTo(new Set(["E1", "E3"]), units, "South");
  assert.deepEqual(codes, ["E1"]);
  assert.deepEqual(moves, { E1: "South" });
  assert.deepEqual(inverseMoves(moves, units), { E1: "North" });
  assert.deepEqual(movesTo(new Set(["E3"]), units, "South"), { codes: [], moves: {} });
  // Applying the moves and then their inverse gives back the assignment.
  const after = { ...units, ...moves };
  assert.deepEqual({ ...after, ...inverseMoves(moves, units) }, units);
});

test("a move's label names one code or counts the units", () => {
  assert.equal(moveLabel(["E1"], "South", "LSOAs"), "move of E1 to South");
  assert.equal(moveLabel(["P1", "P2"], "B", "practices"), "move of 2 practices to B");
});

test("restoring an earlier version moves back only the units that differ", () => {
  const then = { E1: "North", E2: "North", E3: "South" };
  const now = { E1: "South", E2: "North", E3: "East" };
  assert.deepEqual(restoreMoves(then, now), { E1: "North", E3: "South" });
  assert.deepEqual(restoreMoves(then, then), {});
});

test("move and rename bodies have the shape the API expects", () => {
  assert.deepEqual(movesRequest({ E1: "South" }), { moves: { E1: "South" }, note: "" });
  assert.deepEqual(movesRequest({ E1: "South" }, "why"), { moves: { E1: "South" }, note: "why" });
  assert.deepEqual(renameRequest("Old", "New"), { names: { Old: "New" } });
});

test("an agreement confirms every unmet rule and names each one left unticked", () => {
  const unmet = [
    { rule: "contiguity", text: "2 neighbourhoods are in more than one part: A, B" },
    { rule: "population", text: "1 neighbourhood is outside the size tolerance: C" },
  ];
  const all = agreeRequest(" HWB 7 ", unmet, new Set(["population", "contiguity", "stale"]));
  assert.deepEqual(all.errors, []);
  assert.deepEqual(all.body, { hwb_reference: "HWB 7", confirmed: ["contiguity", "population"] }, "in the box's order, only unmet rules");
  const some = agreeRequest("", unmet, new Set(["population"]));
  assert.deepEqual(some.errors.map((e) => e.field), [confirmField("contiguity"), "hwb-reference"]);
  assert.match(some.errors[0].text, /knowing that 2 neighbourhoods are in more than one part: A, B/);
  assert.deepEqual(agreeRequest("HWB 7", [], new Set()).errors, [], "a version meeting every rule needs no confirmation");
});
