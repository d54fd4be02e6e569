// Neighbourhood colours never shared by neighbours (static/colours.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { clashes, extraColour, neighbourColours } from "../../static/colours.js";

const PALETTE = ["red", "blue", "green", "gold"];

/** A w x h grid of neighbourhoods, each touching its 8 surrounding cells (corners count). */
function grid(w, h) {
  const names = [];
  const pairs = [];
  for (let y = 0; y < h; y += 1) {
    for (let x = 0; x < w; x += 1) {
      names.push(`N${x},${y}`);
      for (const [dx, dy] of [[1, 0], [0, 1], [1, 1], [-1, 1]]) {
        const [u, v] = [x + dx, y + dy];
        if (u >= 0 && u < w && v < h) pairs.push([`N${x},${y}`, `N${u},${v}`]);
      }
    }
  }
  return { names, pairs };
}

test("no two neighbours share a colour, on graphs far larger than the palette", () => {
  for (const [w, h] of [[1, 1], [2, 3], [5, 5], [12, 9]]) {
    const { names, pairs } = grid(w, h);
    const colours = neighbourColours(names, pairs, PALETTE);
    assert.equal(colours.size, names.length);
    assert.deepEqual(clashes(colours, pairs), [], `${w}x${h}`);
    assert.ok(new Set(colours.values()).size <= PALETTE.length, "a king's-move grid needs exactly 4 colours");
  }
});

test("a neighbourhood touching every palette colour gets a colour beyond the palette, still unshared", () => {
  const names = ["hub", "a", "b", "c", "d"];
  const pairs = [["hub", "a"], ["hub", "b"], ["hub", "c"], ["hub", "d"], ["a", "b"], ["b", "c"], ["c", "d"], ["a", "c"], ["a", "d"], ["b", "d"]];
  const colours = neighbourColours(names, pairs, PALETTE); // K5: five colours are needed
  assert.deepEqual(clashes(colours, pairs), []);
  assert.equal(new Set(colours.values()).size, 5);
  assert.ok([...colours.values()].includes(extraColour(0)));
});

test("colours shown before are kept where they still differ from the neighbours'", () => {
  const names = ["A", "B", "C", "D"];
  const before = new Map([["A", "gold"], ["B", "green"], ["C", "red"], ["D", "blue"]]);
  const chain = [["A", "B"], ["B", "C"], ["C", "D"]];
  assert.deepEqual(neighbourColours(names, chain, PALETTE, before), before, "nothing clashes: nothing changes");
  // D now also touches... a move made D touch A and both had a colour: A keeps its own, D keeps blue (no clash).
  const moved = neighbourColours(names, [...chain, ["A", "D"]], PALETTE, before);
  assert.deepEqual(moved, before);
  // A clash after a move: the later one in the plan's order is recoloured, the first keeps its colour.
  const clash = new Map([...before, ["D", "gold"]]);
  const fixed = neighbourColours(names, [...chain, ["A", "D"]], PALETTE, clash);
  assert.equal(fixed.get("A"), "gold");
  assert.notEqual(fixed.get("D"), "gold");
  assert.deepEqual(clashes(fixed, [...chain, ["A", "D"]]), []);
});

test("pairs naming unknown or identical neighbourhoods are ignored; isolated ones take the first colour", () => {
  const colours = neighbourColours(["A", "B"], [["A", "A"], ["A", "Z"]], PALETTE);
  assert.deepEqual([...colours], [["A", "red"], ["B", "red"]]);
});
