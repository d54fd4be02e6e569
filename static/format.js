// Pure formatting of what the API answers, as the planner reads it: counts (null means suppressed by the API,
// counts of 1 to 7), percentages with their sign, plurals, dates, sizes, and the sentences the page builds from
// them (validity, version changes, tallies after a move). No DOM here, so `node --test` checks every sentence.

export const number = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
export const oneDp = new Intl.NumberFormat("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
export const upToOneDp = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 1 });

export const STATE_LABEL = { draft: "Draft", proposed: "Proposed for sign-off", agreed: "Agreed" };
export const STATE_TAG = { draft: "nhsuk-tag--grey", proposed: "nhsuk-tag--yellow", agreed: "nhsuk-tag--green" };

/** A count as the planner reads it; null (suppressed by the API, counts of 1 to 7) reads "suppressed". */
export function count(value) {
  return value === null || value === undefined ? "suppressed" : number.format(value);
}

/** A percentage to one decimal; `signed` puts "+" before a positive one; null reads "not available". */
export function percent(value, signed = false) {
  if (value === null || value === undefined) return "not available";
  const text = `${oneDp.format(value)}%`;
  return signed && value > 0 ? `+${text}` : text;
}

export function when(iso) {
  return new Date(iso).toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" });
}

/** "1 LSOA", "2 LSOAs", "1,200 LSOAs". */
export function plural(n, one, many = `${one}s`) {
  return `${number.format(n)} ${n === 1 ? one : many}`;
}

/** A downloaded file's size: bytes under 1 kB, else kB to one decimal. */
export function fileSize(size) {
  return size < 1024 ? `${size} bytes` : `${upToOneDp.format(size / 1024)} kB`;
}

export function capitalise(text) {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

/** A state's label; an agreed version also names the meeting that agreed it. */
export function versionState(version) {
  return version.state === "agreed" ? `${STATE_LABEL.agreed} (${version.hwb_reference})` : STATE_LABEL[version.state] || version.state;
}

/** What a version changed, for the versions table: its first three moves or renames, then "…". */
export function versionChange(version, unit) {
  const moved = Object.keys(version.moves || {});
  const listed = `${moved.slice(0, 3).map((c) => `${c} → ${version.moves[c]}`).join(", ")}${moved.length > 3 ? ", …" : ""}`;
  if (version.source === "moves") return `Moved ${plural(moved.length, unit)}: ${listed}`;
  if (version.source === "rename") return `Renamed ${listed}`;
  return `Created (${version.source})`;
}

/** The proposal's one-line summary under the proposal form. */
export function proposalSummary(proposal) {
  const p = proposal.params;
  return `${plural(proposal.neighbourhoods, "neighbourhood")} proposed for a target of `
    + `${number.format(p.target)} ± ${upToOneDp.format(p.tolerance * 100)}% (${p.algorithm || "proposal"}, `
    + `${(p.seconds || 0) < 0.1 ? "under 0.1" : upToOneDp.format(p.seconds)} s). The map shows the proposal; create a plan to see its tallies and edit it.`;
}

/** The heading of the population column: which population the plan balances. */
export function populationHeading(basis) {
  return { registered: "Registered population", list: "List population" }[basis] || "Population";
}

/** A neighbourhood's UEC rate cell from the plan's hotspot rows (undefined when the API has no row for it). */
export function uecRate(row) {
  if (!row) return "not available";
  return row.rate_per_1000 === null ? "suppressed" : oneDp.format(row.rate_per_1000);
}

/** Whether a neighbourhood's deviation (in %) is outside the plan's tolerance (a fraction). */
export function isOutside(row, tolerance) {
  return row.deviation_pct !== null && row.deviation_pct !== undefined && Math.abs(row.deviation_pct) > tolerance * 100 + 1e-9;
}

export function tableCaption(rows, summary) {
  return `${plural(rows.length, "neighbourhood")}: target ${count(summary.target)} ± ${upToOneDp.format(summary.tolerance * 100)}%`;
}

/**
 * The validity box: [term, description] pairs, in the order the page lists them. Every count says what it
 * counts out of what ("29 of 128 GP practices have more than 10% of their patients in another neighbourhood").
 */
export function validityItems({ summary, violations, valid }) {
  const total = summary.neighbourhoods;
  const hoods = (n) => `${number.format(n)} of ${plural(total, "neighbourhood")}`;
  const within = Math.round(summary.within_tolerance * total);
  const constrained = summary.constrained || [];
  const tolerance = upToOneDp.format(summary.tolerance * 100);
  const parts = summary.non_contiguous || [];
  const share = upToOneDp.format((summary.practice_split_threshold ?? 0.1) * 100);
  const practices = summary.practices ? ` of ${number.format(summary.practices)}` : "";
  const splits = summary.built_from === "practices"
    ? "None: the plan keeps every GP practice, and its whole list, in one neighbourhood"
    : summary.practice_splits === null || summary.practice_splits === undefined
      ? "suppressed"
      : `${number.format(summary.practice_splits)}${practices} GP practices have more than ${share}% of their patients living in another neighbourhood`;
  return [
    ["Overall", valid
      ? `Valid: every rule is met${within < total && constrained.length ? ` (${hoods(total - within)} outside the tolerance ${total - within === 1 ? "is" : "are"} allowed: constrained by their area)` : ""}`
      : `Not valid: ${plural(violations.length, "problem")}, listed below`],
    ["Contiguous (in one piece)", summary.contiguous ? `Yes: all ${plural(total, "neighbourhood")}` : `No: ${hoods(parts.length)} ${parts.length === 1 ? "is" : "are"} in more than one part (${parts.join(", ")})`],
    [`Within ±${tolerance}% of target`, `${hoods(within)} have a population within ±${tolerance}% of the target of ${count(summary.target)}${constrained.length ? ` (constrained by their area: ${constrained.join(", ")})` : ""}`],
    ["Local authority crossings", summary.la_crossings === null || summary.la_crossings === undefined ? "suppressed" : `${hoods(summary.la_crossings)} span more than one local authority`],
    ["GP practices split", splits],
  ];
}

/** A violation as listed under the validity box, with its first eight LSOAs. */
export function violationText(violation) {
  const lsoas = violation.lsoas || [];
  return lsoas.length ? `${violation.message} (LSOAs: ${lsoas.slice(0, 8).join(", ")}${lsoas.length > 8 ? ", …" : ""})` : violation.message;
}

/**
 * The sentence announced after a change: valid, or how many problems (each is listed in the Validity box, not in
 * the one-line status). Empty before metrics are known.
 */
export function validitySentence(metrics) {
  if (!metrics) return "";
  const { valid, violations } = metrics;
  return valid ? "The plan is valid." : `The plan is not valid: ${plural(violations.length, "problem")} (see Validity).`;
}

/**
 * What the plan's deviations are measured from, as its summary says (`deviation_from`, geo/metrics/balance.py):
 * "from target", or "from its place's ideal" in a plan made with a number of neighbourhoods per place.
 */
export function deviationFrom(summary) {
  return summary?.deviation_from && summary.deviation_from !== "the target" ? "from its place's ideal" : "from target";
}

/**
 * What a move did to one neighbourhood: "<name> now 52,415 (+1,652, +4.8% from target)", or that it emptied.
 * `before` and `after` are the metrics rows of the neighbourhood (undefined when it did not exist); `from` is
 * what its deviation is measured from (`deviationFrom`).
 */
export function tallyChange(name, before, after, from = "from target") {
  if (!after) return `${name} is now empty and removed`;
  const change = before ? after.population - before.population : after.population;
  return `${name} now ${count(after.population)} (${change >= 0 ? "+" : "−"}${count(Math.abs(change))}, ${percent(after.deviation_pct, true)} ${from})`;
}

/** The selection summary: how many units are selected and the people they hold. */
export function selectionSummary(n, people, listBased) {
  if (listBased) return n ? `${plural(n, "practice")} selected (${count(people)} registered patients).` : "No practices selected.";
  return n ? `${plural(n, "LSOA")} selected (${count(people)} residents).` : "No LSOAs selected.";
}

/** The sign-off box's lead sentence above the unmet rules of the version being agreed. */
export function unmetLead(unmet, version) {
  if (!unmet.length) return `Version ${version} meets every rule: contiguous, within tolerance, inside local authorities, and no GP practice split.`;
  return `Version ${version} does not meet ${plural(unmet.length, "rule")}. Agreeing it means agreeing it as it is: confirm each one.`;
}

/** One line of the "awaiting your sign-off" list, with how many rules the version leaves unmet (each to be
 * confirmed in its sign-off box). */
export function awaitingText(item) {
  const by = item.submitted_by ? ` submitted by ${item.submitted_by}` : "";
  const at = item.submitted_at ? ` on ${when(item.submitted_at)}` : "";
  const rules = Number.isInteger(item.unmet_rules)
    ? (item.unmet_rules ? `; does not meet ${plural(item.unmet_rules, "rule")}` : "; meets every rule")
    : "";
  return `${item.name} (${item.area}), version ${item.version}${by}${at}${rules}`;
}
