// The page's one state object and its explicit updates (static/state.js).
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { PALETTE } from "../../static/map.js";
import { clashes } from "../../static/colours.js";
import {
  chooseArea, colourNeighbourhoods, colourOf, forgetPlan, holdSaved, holdVersion, pickUnit, selectOnly, state,
} from "../../static/state.js";

beforeEach(() => forgetPlan());

test("each neighbourhood keeps its colour; colours go round the palette in order", () => {
  const names = Array.from({ length: PALETTE.length + 1 }, (_, i) => `N${i}`);
  const colours = names.map(colourOf);
  assert.deepEqual(colours.slice(0, PALETTE.length), PALETTE);
  assert.equal(colours.at(-1), PALETTE[0]);
  assert.equal(colourOf("N3"), PALETTE[3]);
});

test("a click selects one unit; an additive click adds or removes it", () => {
  pickUnit("E1", false);
  pickUnit("E2", true);
  assert.deepEqual([...state.selection].sort(), ["E1", "E2"]);
  pickUnit("E1", true);
  assert.deepEqual([...state.selection], ["E2"]);
  pickUnit("E3", false);
  assert.deepEqual([...state.selection], ["E3"]);
  selectOnly(["E4", "E5"]);
  assert.deepEqual([...state.selection], ["E4", "E5"]);
});

test("holding another plan's version resets colours and history; selected units it lacks are dropped", () => {
  holdVersion({ id: 1 }, { version: 1, etag: "v1" }, '"e1"', { listBased: false, units: { E1: "A", E2: "B" } });
  colourOf("A");
  state.history.record({ undo: {}, redo: {}, label: "m" });
  selectOnly(["E1", "E9"]);
  holdVersion({ id: 1 }, { version: 2, etag: "v2" }, null, { listBased: false, units: { E1: "A", E2: "B" } });
  assert.equal(state.etag, "v2", "the version's own ETag when the answer had no header");
  assert.equal(state.colours.size, 1, "the same plan keeps its colours");
  assert.equal(state.history.canUndo, true, "the same plan keeps its history");
  assert.deepEqual([...state.selection], ["E1"]);
  holdVersion({ id: 2 }, { version: 1 }, '"e2"', { listBased: true, units: { P1: "A" } });
  assert.equal(state.colours.size, 0);
  assert.equal(state.history.canUndo, false);
  assert.equal(state.selection.size, 0, "switching to a plan built from practices empties the selection");
  assert.equal(state.listBased, true);
  assert.equal(state.etag, '"e2"');
});

test("a saved change becomes the latest version of the plan with its ETag", () => {
  holdVersion({ id: 3, name: "P", latest_version: 1 }, { version: 1 }, '"a"', { listBased: false, units: {} });
  holdSaved({ version: 2, etag: '"b"' }, { version: 2, assignment: { E1: "X" } });
  assert.deepEqual(state.plan, { id: 3, name: "P", latest_version: 2, etag: '"b"' });
  assert.equal(state.etag, '"b"');
  assert.deepEqual(state.version.assignment, { E1: "X" });
});

test("forgetting the plan clears everything that belonged to it", () => {
  holdVersion({ id: 4 }, { version: 1 }, '"a"', { listBased: true, units: { P1: "A" } });
  selectOnly(["P1"]);
  state.metrics = {};
  forgetPlan();
  assert.equal(state.plan ?? state.version ?? state.etag ?? state.metrics, null);
  assert.equal(state.selection.size + state.colours.size, 0);
  assert.equal(state.listBased, false);
});

test("the page opens the area asked for, else the first real one, the demo only when nothing real is listed", () => {
  const areas = [{ id: "Q99", synthetic: true }, { id: "QK1", synthetic: false }, { id: "QT6", synthetic: false }];
  assert.equal(chooseArea(areas, "QT6"), "QT6");
  assert.equal(chooseArea(areas, "NOPE"), "QK1");
  assert.equal(chooseArea(areas, undefined), "QK1");
  assert.equal(chooseArea([{ id: "Q99", synthetic: true }], undefined), "Q99");
  assert.equal(chooseArea([], undefined), undefined);
});

test("a version's neighbourhoods are coloured apart from their neighbours, keeping colours across versions", () => {
  const rows = (names) => names.map((name) => ({ name }));
  const pairs = [["A", "B"], ["B", "C"], ["C", "A"], ["C", "D"]];
  colourNeighbourhoods({ neighbourhoods: rows(["A", "B", "C", "D"]), neighbours: pairs });
  assert.deepEqual(clashes(state.colours, pairs), []);
  const before = new Map(state.colours);
  colourNeighbourhoods({ neighbourhoods: rows(["A", "B", "C", "D"]), neighbours: [...pairs, ["B", "D"]] });
  assert.deepEqual(clashes(state.colours, [...pairs, ["B", "D"]]), []);
  assert.deepEqual(["A", "B", "C"].map((n) => state.colours.get(n)), ["A", "B", "C"].map((n) => before.get(n)));
  assert.equal(colourOf("A"), before.get("A"));
});
