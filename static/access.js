// Pure formatting of GET /plans/{id}/access for the planner page: the access and need table (mean km to a GP
// practice, share beyond the distance threshold, modelled road minutes to a hospital with a stroke unit, need
// index) and a line per figure naming its source and method, modelled figures labelled modelled. No DOM here,
// so `node --test` checks every heading and cell (tests/static/access.test.mjs).

const oneDp = new Intl.NumberFormat("en-GB", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const twoDp = new Intl.NumberFormat("en-GB", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const whole = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 0 });
const GONE = "not available";
const missing = (value) => value === null || value === undefined || Number.isNaN(value);

/** Kilometres to one decimal ("1.2 km"); null reads "not available". */
export function km(value) {
  return missing(value) ? GONE : `${oneDp.format(value)} km`;
}

/** Minutes, whole ("14 min"); null reads "not available". */
export function minutes(value) {
  return missing(value) ? GONE : `${whole.format(value)} min`;
}

/** A share of people as a percentage to one decimal; null reads "not available". */
export function share(value) {
  return missing(value) ? GONE : `${oneDp.format(value)}%`;
}

/** The need index (0 = the study area's average, higher = more need), signed to two decimals. */
export function needIndex(value) {
  if (missing(value)) return GONE;
  const text = twoDp.format(value);
  return value > 0 && text !== "0.00" ? `+${text}` : text.replace(/^-(0\.00)$/, "$1");
}

/** A figure's kind as the planner reads it: modelled figures are never shown as observed. */
function kindWord(note) {
  return note?.kind === "modelled" ? " (modelled)" : "";
}

/**
 * The table's columns for an access document: `[key, heading, format]`, headings carrying the thresholds the
 * service used and "(modelled)" for every modelled figure.
 */
export function accessColumns(doc) {
  const notes = doc?.notes || {};
  const access = notes.access || {};
  const limits = notes.thresholds || {};
  const km2 = limits.practice_km ?? 2;
  const min30 = limits.hospital_minutes ?? 30;
  return [
    ["practice_km_mean", "Km to GP practice (mean, straight line)", (row) => km(row.practice_km_mean)],
    ["beyond_practice_km_pct", `Beyond ${whole.format(km2)} km`, (row) => share(row.beyond_practice_km_pct)],
    ["hospital_minutes_mean", `Minutes to stroke-unit hospital${kindWord(access.hospital_minutes)}`,
      (row) => minutes(row.hospital_minutes_mean)],
    ["beyond_hospital_minutes_pct", `Beyond ${whole.format(min30)} min${kindWord(access.hospital_minutes)}`,
      (row) => share(row.beyond_hospital_minutes_pct)],
    ["need_index", "Need index", (row) => needIndex(row.need_index)],
  ];
}

/** The rows as text, in the API's order (least healthy life first, then most need): `{name, cells}` each. */
export function accessRows(doc) {
  const columns = accessColumns(doc);
  return (doc?.neighbourhoods || []).map((row) => ({ name: row.neighbourhood, cells: columns.map(([, , f]) => f(row)) }));
}

/** The caption: how the rows are ordered, in the words the API's ranks support. */
export function accessCaption(doc) {
  const rows = doc?.neighbourhoods || [];
  const ranked = rows.some((row) => !missing(row.healthy_life_rank));
  return `Access and need by neighbourhood, ${ranked ? "least healthy life first (health proxy, not healthy life expectancy)" : "most need first"}`;
}

/** One line per figure: what it is, its kind (computed, modelled, published), source and method; then the index. */
export function accessNotes(doc) {
  const notes = doc?.notes || {};
  const lines = [];
  for (const key of ["practice_km", "hospital_minutes", "connectivity_score"]) {
    const note = notes.access?.[key];
    if (!note) continue;
    const vintage = note.vintage ? `, ${note.vintage}` : "";
    lines.push(`${note.label} [${note.kind || "computed"}]: ${note.source}${vintage}; ${note.method}.`);
  }
  if (notes.need_index) lines.push(`Need index: ${notes.need_index}.`);
  const used = Object.values(notes.need?.indicators || {});
  if (used.length) lines.push(`Need indicators: ${used.join("; ")}.`);
  if (notes.weights) lines.push(`Weighted by ${notes.weights}.`);
  return lines;
}
