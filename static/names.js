// The name rule as the service publishes it (GET /api/v1/limits, written once in geo/names.py): the hint and
// maxlength of the page's name fields, and the check for an empty or over-long name before a request is sent.
// The content rules (control characters, formula starts) are judged by the service, whose answer names the reason.

/** "Up to 80 characters; not starting with = + - or @." from the published limits. */
export function nameHint(limits) {
  const starts = limits.name_forbidden_start || [];
  const listed = starts.length > 1 ? `${starts.slice(0, -1).join(" ")} or ${starts.at(-1)}` : starts.join("");
  return `Up to ${limits.name_max_length} characters${starts.length ? `; not starting with ${listed}` : ""}.`;
}

/**
 * The trimmed name and the error to show, if any: `empty` when there is nothing, or a sentence when it is longer
 * than the service allows (counted in characters, as the service counts them, not UTF-16 units).
 * @returns {{name: string, error: string|null}}
 */
export function checkName(raw, limits, { empty }) {
  const name = String(raw ?? "").trim();
  if (!name) return { name, error: empty };
  const length = [...name].length;
  const most = limits?.name_max_length;
  if (most && length > most) return { name, error: `The name is ${length} characters long: use at most ${most}` };
  return { name, error: null };
}

// The map label rule, mirrored from geo/plan/labels.py (short_label, label_lines), which the pack's cover and the
// map exports use; tests/static/test_label_parity.py checks the two give the same lines for the same names.
// A label is never cut inside a word nor given an ellipsis: the full name is in tooltips and the table.

/** Characters on one line of a map label (geo/plan/labels.py LABEL_WIDTH). */
export const LABEL_WIDTH = 16;
/** Lines of a map label (LABEL_LINES); a place whose name alone needs more gets LABEL_MOST. */
export const LABEL_LINES = 2;
export const LABEL_MOST = 3;

const SHORTER = [
  (text) => (text.endsWith(" PCN") ? text.slice(0, -4) : text),
  ...[" and ", ", ", " & "].map((joiner) => (text) => text.split(joiner)[0].replace(/[ ,&]+$/, "")),
];

const length = (text) => [...text].length;

/**
 * The short form of a neighbourhood name drawn on the map: without its authority prefix; kept whole when it wraps
 * onto LABEL_LINES lines, else shortened step by step while it does not fit (a trailing " PCN"; then the first of
 * the places joined by " and ", ", ", " & "); a first place that still needs more lines keeps up to LABEL_MOST,
 * and only a longer run of words is cut, after its last whole word (or part of a hyphenated word) that fits.
 */
export function shortLabel(name) {
  let text = String(name).split(/\s+/).filter(Boolean).join(" ");
  if (text.includes(": ")) text = text.slice(text.indexOf(": ") + 2) || text;
  for (const shorten of SHORTER) {
    if (wrap(text, LABEL_LINES)) return text;
    text = shorten(text) || text;
  }
  if (wrap(text, LABEL_MOST)) return text;
  // Cut after the last whole piece that fits: pieces are words and the parts of a hyphenated word, as wrapped.
  const parts = pieces(text);
  let keep = 1;
  for (let k = 2; k <= parts.length; k += 1) if (wrap(parts.slice(0, k).join("").trim(), LABEL_MOST)) keep = k;
  return keep < parts.length ? parts.slice(0, keep).join("").trim().replace(/-+$/, "") : text;
}

/** The lines of a neighbourhood's map label: shortLabel wrapped, balanced, as geo.plan.labels.label_lines. */
export function labelLines(name) {
  const text = shortLabel(name);
  return wrap(text, LABEL_MOST) || [text];
}

function* combinations(n, k, start = 1) {
  // k cut positions from start..n-1, in lexicographic order (as Python's itertools.combinations)
  if (k === 0) { yield []; return; }
  for (let i = start; i <= n - k; i += 1) for (const rest of combinations(n, k - 1, i + 1)) yield [i, ...rest];
}

/** Text on the fewest lines (up to most) of LABEL_WIDTH characters, balanced; null when it needs more. */
/** The pieces a label may break between: each word with its trailing space, a hyphenated word's parts. */
function pieces(text) {
  return text.split(/(?<=\p{L}-)(?=\p{L})|(?<= )/u).filter(Boolean);
}

function wrap(text, most) {
  const tokens = pieces(text);
  for (let count = 1; count <= Math.min(most, tokens.length); count += 1) {
    let best = null;
    for (const cuts of combinations(tokens.length, count - 1)) {
      const bounds = [0, ...cuts, tokens.length];
      const lines = bounds.slice(1).map((b, i) => tokens.slice(bounds[i], b).join("").trim());
      const fits = lines.every((line, i) => length(line) <= LABEL_WIDTH || bounds[i + 1] - bounds[i] === 1);
      if (fits && (best === null || Math.max(...lines.map(length)) < Math.max(...best.map(length)))) best = lines;
    }
    if (best) return best;
  }
  return null;
}
