// The name rule as the page applies it (static/names.js): limits come from the service's GET /limits answer.
import assert from "node:assert/strict";
import { test } from "node:test";

import { checkName, labelLines, nameHint, shortLabel } from "../../static/names.js";

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

test("map labels use the short form the pack and map exports use (geo.plan.labels' examples)", () => {
  assert.equal(shortLabel("Loughborough Hastings and Shelthorpe"), "Loughborough Hastings");
  assert.equal(shortLabel("Charnwood: Loughborough Hastings"), "Loughborough Hastings");
  assert.equal(shortLabel("Oadby and Wigston"), "Oadby and Wigston");
  assert.equal(shortLabel("Melton, Syston and Vale PCN"), "Melton, Syston and Vale PCN");
  assert.equal(shortLabel("Ab"), "Ab");
});

test("a label is never cut inside a word nor given an ellipsis: it wraps at words", () => {
  assert.deepEqual(labelLines("Market Harborough-Welland and Thurnby & Houghton"), ["Market", "Harborough-", "Welland"]);
  assert.deepEqual(labelLines("Hinckley De Montfort and Burbage Sketchley and Stretton"), ["Hinckley", "De Montfort"]);
  assert.deepEqual(labelLines("Belgrave and Rushey Mead"), ["Belgrave and", "Rushey Mead"]);
  const long = labelLines("Humberstone Hamilton Thurncourt Rushey Mead Evington");
  assert.deepEqual(long, ["Humberstone", "Hamilton", "Thurncourt"]);
  for (const line of long) assert.ok(!line.endsWith("…"), line);
});
