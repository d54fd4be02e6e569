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
