// The undo stack of moves (static/undo.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { UndoStack } from "../../static/undo.js";

const entry = (n) => ({ undo: { E1: `from${n}` }, redo: { E1: `to${n}` }, label: `move ${n}` });

test("undo takes the latest change, redo gives it back, in order", () => {
  const stack = new UndoStack();
  assert.equal(stack.canUndo, false);
  assert.equal(stack.undoText, "Undo");
  stack.record(entry(1));
  stack.record(entry(2));
  assert.equal(stack.undoText, "Undo move 2");
  const second = stack.takeUndo();
  assert.equal(second.label, "move 2");
  stack.undone(second);
  assert.equal(stack.redoText, "Redo move 2");
  assert.equal(stack.undoText, "Undo move 1");
  const again = stack.takeRedo();
  stack.redone(again);
  assert.equal(stack.undoText, "Undo move 2");
  assert.equal(stack.canRedo, false);
});

test("a new change after an undo drops what could be redone", () => {
  const stack = new UndoStack();
  stack.record(entry(1));
  stack.undone(stack.takeUndo());
  assert.equal(stack.canRedo, true);
  stack.record(entry(3));
  assert.equal(stack.canRedo, false);
  assert.equal(stack.redoText, "Redo");
  assert.deepEqual(stack.undos.map((e) => e.label), ["move 3"]);
});

test("a failed undo (not reported back) loses the entry rather than repeating it; clear empties both", () => {
  const stack = new UndoStack();
  stack.record(entry(1));
  assert.equal(stack.takeUndo().label, "move 1");
  assert.equal(stack.takeUndo(), undefined);
  assert.equal(stack.takeRedo(), undefined);
  stack.record(entry(2));
  stack.undone(stack.takeUndo());
  stack.clear();
  assert.equal(stack.canUndo || stack.canRedo, false);
});

test("a rename carries undo and redo across: remembered moves and labels follow the new name", () => {
  const stack = new UndoStack();
  stack.record({ undo: { E1: "North" }, redo: { E1: "South (old)" }, label: "move of E1 to South (old)" });
  stack.record({ undo: { E2: "South (old)" }, redo: { E2: "North" }, label: "move of E2 to North" });
  stack.undone(stack.takeUndo());
  stack.rename("South (old)", "Southfields");
  assert.equal(stack.undoText, "Undo move of E1 to Southfields");
  assert.equal(stack.redoText, "Redo move of E2 to North");
  assert.deepEqual(stack.undos[0].redo, { E1: "Southfields" });
  assert.deepEqual(stack.redos[0].undo, { E2: "Southfields" }, "undoing the redo would send E2 back to the new name");
  stack.rename("Nowhere", "Elsewhere");
  assert.equal(stack.undoText, "Undo move of E1 to Southfields", "a rename of another neighbourhood changes nothing");
});
