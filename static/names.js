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

/** Longest label drawn on the map (geo/plan/naming.py SHORT_LABEL); the full name is in tooltips and the table. */
export const SHORT_LABEL = 24;

/**
 * The short form of a neighbourhood name drawn on the map, as geo.plan.naming.short_label makes it for the map
 * exports: without its authority prefix and, when still too long, its first place only.
 */
export function shortLabel(name, limit = SHORT_LABEL) {
  let text = String(name);
  if (text.includes(": ")) text = text.split(": ").slice(1).join(": ");
  if (text.length > limit && text.includes(" and ")) text = text.split(" and ")[0].replace(/,+$/, "");
  if (text.length > limit && text.includes(", ")) text = text.split(", ")[0];
  if (text.length <= limit) return text;
  const cut = text.slice(0, limit - 1);
  const word = cut.includes(" ") ? cut.slice(0, cut.lastIndexOf(" ")) : cut;
  return `${word.replace(/[ ,:]+$/, "")}…`;
}
