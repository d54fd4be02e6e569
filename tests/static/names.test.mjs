// The name rule as the page applies it (static/names.js): limits come from the service's GET /limits answer.
import assert from "node:assert/strict";
import { test } from "node:test";

import { checkName, nameHint, shortLabel } from "../../static/names.js";

const LIMITS = { name_max_length: 12, name_forbidden_start: ["=", "+", "-", "@"] };

test("the hint states the published length and forbidden first characters", () => {
  assert.equal(nameHint(LIMITS), "Up to 12 characters; not starting with = + - or @.");
  assert.equal(nameHint({ name_max_length: 5, name_forbidden_start: ["="] }), "Up to 5 characters; not starting with =.");
  assert.equal(nameHint({ name_max_length: 5, name_forbidden_start: [] }), "Up to 5 characters.");
});

test("a name is trimmed; an empty one gets the caller's sentence", () => {
  assert.deepEqual(checkName("  North  ", LIMITS, { empty: "Enter a name" }), { name: "North", error: null });
  assert.deepEqual(checkName("   ", LIMITS, { empty: "Enter a name" }), { name: "", error: "Enter a name" });
  assert.deepEqual(checkName(undefined, LIMITS, { empty: "Enter a name" }), { name: "", error: "Enter a name" });
});

test("the published maximum is allowed, one more character is not", () => {
  assert.equal(checkName("x".repeat(12), LIMITS, { empty: "e" }).error, null);
  assert.equal(checkName("x".repeat(13), LIMITS, { empty: "e" }).error, "The name is 13 characters long: use at most 12");
});

test("length is counted in characters as the service counts them, not UTF-16 units", () => {
  const emoji = "🏥".repeat(12); // 24 UTF-16 units, 12 characters
  assert.equal(emoji.length, 24);
  assert.equal(checkName(emoji, LIMITS, { empty: "e" }).error, null);
});

test("content rules stay the service's: a formula start passes here and is judged by the service", () => {
  assert.equal(checkName("=SUM(A1)", LIMITS, { empty: "e" }).error, null);
});

test("no limits yet (the answer has not arrived): only emptiness is checked", () => {
  assert.equal(checkName("x".repeat(500), null, { empty: "e" }).error, null);
});

test("map labels use the short form the map exports use (geo.plan.naming.short_label's examples)", () => {
  assert.equal(shortLabel("Loughborough Hastings and Shelthorpe"), "Loughborough Hastings");
  assert.equal(shortLabel("Charnwood: Loughborough Hastings"), "Loughborough Hastings");
  assert.equal(shortLabel("Oadby and Wigston"), "Oadby and Wigston");
  assert.equal(shortLabel("Melton, Syston and Vale PCN"), "Melton, Syston");
  const long = shortLabel("Humberstone Hamilton Thurncourt Rushey Mead");
  assert.ok([...long].length <= 24 && long.endsWith("…"), long);
  assert.equal(shortLabel("Ab"), "Ab");
});
