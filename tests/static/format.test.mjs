// Pure formatting of the page (static/format.js): what the planner reads for each figure the API gives.
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  count, fileSize, isOutside, percent, plural, populationHeading, proposalSummary, selectionSummary, tableCaption,
  deviationFrom, tallyChange, uecRate, validityItems, validitySentence, versionChange, versionState, violationText, when, awaitingText,
  unmetLead,
} from "../../static/format.js";

test("a suppressed count (null) reads suppressed, never 0; others get thousands separators", () => {
  assert.equal(count(null), "suppressed");
  assert.equal(count(undefined), "suppressed");
  assert.equal(count(0), "0");
  assert.equal(count(52415), "52,415");
  assert.equal(count(1234567.6), "1,234,568");
});

test("percentages have one decimal; signed ones show + only above zero; missing is not available", () => {
  assert.equal(percent(4.8), "4.8%");
  assert.equal(percent(4.8, true), "+4.8%");
  assert.equal(percent(-0.25, true), "-0.3%");
  assert.equal(percent(0, true), "0.0%");
  assert.equal(percent(null, true), "not available");
  assert.equal(percent(undefined), "not available");
});

test("plurals count in words and use the irregular form when given", () => {
  assert.equal(plural(1, "LSOA"), "1 LSOA");
  assert.equal(plural(0, "LSOA"), "0 LSOAs");
  assert.equal(plural(1200, "neighbourhood"), "1,200 neighbourhoods");
  assert.equal(plural(2, "practice", "practices"), "2 practices");
});

test("file sizes switch from bytes to kB at 1,024 bytes", () => {
  assert.equal(fileSize(1023), "1023 bytes");
  assert.equal(fileSize(1024), "1 kB");
  assert.equal(fileSize(1536), "1.5 kB");
});

test("a time reads as a British date and time", () => {
  const text = when("2026-12-07T04:36:00Z");
  assert.match(text, /^\d{1,2} Dec 2026, \d{2}:\d{2}$/);
});

test("a neighbourhood is outside tolerance only when its deviation exceeds it (not at the edge, not when unknown)", () => {
  assert.equal(isOutside({ deviation_pct: 10 }, 0.1), false);
  assert.equal(isOutside({ deviation_pct: 10.01 }, 0.1), true);
  assert.equal(isOutside({ deviation_pct: -23.3 }, 0.1), true);
  assert.equal(isOutside({ deviation_pct: null }, 0.1), false);
});

test("UEC cells: a missing row is not available, a suppressed rate says so, a rate has one decimal", () => {
  assert.equal(uecRate(undefined), "not available");
  assert.equal(uecRate({ rate_per_1000: null }), "suppressed");
  assert.equal(uecRate({ rate_per_1000: 424.56 }), "424.6");
});

test("the population column names the basis the plan balances", () => {
  assert.equal(populationHeading("registered"), "Registered population");
  assert.equal(populationHeading("list"), "List population");
  assert.equal(populationHeading("resident"), "Population");
});

const METRICS = {
  valid: false,
  summary: {
    neighbourhoods: 6, within_tolerance: 5 / 6, tolerance: 0.1, target: 50000, contiguous: false,
    non_contiguous: ["North"], constrained: ["Rural"], la_crossings: 0, practice_splits: null,
  },
  violations: [
    { message: "North is not contiguous", lsoas: ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8", "E9"] },
    { message: "Rural is outside tolerance", lsoas: [] },
  ],
};

test("the validity box lists each check, recounting neighbourhoods within tolerance from the share", () => {
  const items = Object.fromEntries(validityItems(METRICS));
  assert.equal(items.Overall, "Not valid: 2 problems, listed below");
  assert.equal(items["Contiguous (in one piece)"], "No: 1 of 6 neighbourhoods is in more than one part (North)");
  assert.equal(items["Within ±10% of target"],
    "5 of 6 neighbourhoods have a population within ±10% of the target of 50,000 (constrained by their area: Rural)");
  assert.equal(items["Local authority crossings"], "0 of 6 neighbourhoods span more than one local authority");
  assert.equal(items["GP practices split"], "suppressed");
  const split = Object.fromEntries(validityItems({ ...METRICS,
    summary: { ...METRICS.summary, practice_splits: 29, practices: 128, practice_split_threshold: 0.1 } }));
  assert.equal(split["GP practices split"], "29 of 128 GP practices have more than 10% of their patients living in another neighbourhood");
  const lists = Object.fromEntries(validityItems({ ...METRICS, summary: { ...METRICS.summary, built_from: "practices", practice_splits: 0 } }));
  assert.match(lists["GP practices split"], /^None: the plan keeps every GP practice/);
  const valid = Object.fromEntries(validityItems({ ...METRICS, valid: true, violations: [],
    summary: { ...METRICS.summary, contiguous: true, constrained: [] } }));
  assert.equal(valid.Overall, "Valid: every rule is met");
  const allowed = Object.fromEntries(validityItems({ ...METRICS, valid: true, violations: [] }));
  assert.equal(allowed.Overall, "Valid: every rule is met (1 of 6 neighbourhoods outside the tolerance is allowed: constrained by their area)");
  assert.equal(valid["Contiguous (in one piece)"], "Yes: all 6 neighbourhoods");
  assert.match(valid["Within ±10% of target"], /^5 of 6 neighbourhoods have/);
});

test("a violation lists at most eight LSOAs, then an ellipsis", () => {
  assert.equal(violationText(METRICS.violations[0]), "North is not contiguous (LSOAs: E1, E2, E3, E4, E5, E6, E7, E8, …)");
  assert.equal(violationText(METRICS.violations[1]), "Rural is outside tolerance");
  assert.equal(violationText({ message: "x", lsoas: ["E1"] }), "x (LSOAs: E1)");
});

test("the validity sentence counts the problems (listed in the Validity box), and is empty before metrics", () => {
  assert.equal(validitySentence(null), "");
  assert.equal(validitySentence({ valid: true, violations: [] }), "The plan is valid.");
  assert.equal(validitySentence(METRICS), "The plan is not valid: 2 problems (see Validity).");
});

test("the table caption states the count, target and tolerance", () => {
  assert.equal(tableCaption([{}, {}], { target: 50000, tolerance: 0.075 }), "2 neighbourhoods: target 50,000 ± 7.5%");
});

test("a move's tally gives the new population, the signed change and the deviation, or that it emptied", () => {
  assert.equal(tallyChange("North", { population: 50000 }, { population: 51652, deviation_pct: 3.304 }),
    "North now 51,652 (+1,652, +3.3% from target)");
  assert.equal(tallyChange("South", { population: 50000 }, { population: 48348, deviation_pct: -3.3 }),
    "South now 48,348 (−1,652, -3.3% from target)");
  assert.equal(tallyChange("New", undefined, { population: 1652, deviation_pct: -96.7 }),
    "New now 1,652 (+1,652, -96.7% from target)");
  assert.equal(tallyChange("Gone", { population: 10 }, undefined), "Gone is now empty and removed");
});

test("a counted plan's tallies and notes say its deviations are from each place's ideal, not the target", () => {
  const counted = { deviation_from: "each place's ideal (place total / its count)" };
  assert.equal(deviationFrom(counted), "from its place's ideal");
  assert.equal(deviationFrom({ deviation_from: "the target" }), "from target");
  assert.equal(deviationFrom(undefined), "from target");
  assert.equal(tallyChange("North", { population: 50000 }, { population: 51652, deviation_pct: 1.2 }, deviationFrom(counted)),
    "North now 51,652 (+1,652, +1.2% from its place's ideal)");
});

test("a version's change lists its first three moves and its state names the agreeing meeting", () => {
  const moves = { E1: "North", E2: "North", E3: "South", E4: "South" };
  assert.equal(versionChange({ source: "moves", moves }, "LSOA"), "Moved 4 LSOAs: E1 → North, E2 → North, E3 → South, …");
  assert.equal(versionChange({ source: "moves", moves: { P1: "A" } }, "practice"), "Moved 1 practice: P1 → A");
  assert.equal(versionChange({ source: "rename", moves: { Old: "New" } }, "LSOA"), "Renamed Old → New");
  assert.equal(versionChange({ source: "proposal" }, "LSOA"), "Created (proposal)");
  assert.equal(versionState({ state: "agreed", hwb_reference: "HWB 7" }), "Agreed (HWB 7)");
  assert.equal(versionState({ state: "proposed" }), "Proposed for sign-off");
  assert.equal(versionState({ state: "odd" }), "odd");
});

test("the proposal summary states the target, tolerance, algorithm and time", () => {
  const text = proposalSummary({ neighbourhoods: 6, params: { target: 50000, tolerance: 0.1, algorithm: "MIP", seconds: 0.05 } });
  assert.equal(text, "6 neighbourhoods proposed for a target of 50,000 ± 10% (MIP, under 0.1 s). "
    + "The map shows the proposal; create a plan to see its tallies and edit it.");
  assert.match(proposalSummary({ neighbourhoods: 1, params: { target: 9000, tolerance: 0.05, seconds: 12.34 } }),
    /^1 neighbourhood proposed .* ± 5% \(proposal, 12\.3 s\)/);
});

test("the selection summary counts LSOAs with residents, or practices with registered patients", () => {
  assert.equal(selectionSummary(0, 0, false), "No LSOAs selected.");
  assert.equal(selectionSummary(2, 3304, false), "2 LSOAs selected (3,304 residents).");
  assert.equal(selectionSummary(0, 0, true), "No practices selected.");
  assert.equal(selectionSummary(1, 12000, true), "1 practice selected (12,000 registered patients).");
});

test("the sign-off box leads with how many rules the version does not meet", () => {
  assert.match(unmetLead([], 4), /^Version 4 meets every rule/);
  assert.equal(unmetLead([{}, {}, {}], 4), "Version 4 does not meet 3 rules. Agreeing it means agreeing it as it is: confirm each one.");
  assert.match(unmetLead([{}], 2), /does not meet 1 rule\./);
});

test("an awaiting plan names the plan, area, version and who submitted it", () => {
  const text = awaitingText({ name: "LLR draft", area: "QK1", version: 5, submitted_by: "planner-key", submitted_at: "2026-03-14T10:00:00Z" });
  assert.match(text, /^LLR draft \(QK1\), version 5 submitted by planner-key on 14 Mar 2026/);
  assert.equal(awaitingText({ name: "X", area: "Q1", version: 1 }), "X (Q1), version 1");
});

test("an awaiting plan says how many rules it leaves unmet", () => {
  assert.equal(awaitingText({ name: "X", area: "Q1", version: 1, unmet_rules: 2 }), "X (Q1), version 1; does not meet 2 rules");
  assert.equal(awaitingText({ name: "X", area: "Q1", version: 1, unmet_rules: 1 }), "X (Q1), version 1; does not meet 1 rule");
  assert.equal(awaitingText({ name: "X", area: "Q1", version: 1, unmet_rules: 0 }), "X (Q1), version 1; meets every rule");
});
