// The validity box beside the neighbourhood table: overall validity, contiguity, tolerance, crossings and
// splits, then each violation with its first LSOAs.

import { $, el } from "../dom.js";
import { plural, validityItems, violationText } from "../format.js";
import { state } from "../state.js";

export function renderValidity() {
  $("validity").replaceChildren(...validityItems(state.metrics).map(([key, value]) => el("div", { class: "nhsuk-summary-list__row" },
    el("dt", { class: "nhsuk-summary-list__key", text: key }),
    el("dd", { class: "nhsuk-summary-list__value", text: value }))));
  $("violations").replaceChildren(...state.metrics.violations.map((v) => el("li", { text: violationText(v) })));
  // The one-line status names how many problems and links here; the box lists them.
  const { valid, violations } = state.metrics;
  $("status-validity").hidden = false;
  $("status-validity").textContent = valid ? "Validity: every rule met" : `Validity: ${plural(violations.length, "problem")}`;
  $("status-validity").classList.toggle("app-status-link--invalid", !valid);
}

export function hideValidityLink() {
  $("status-validity").hidden = true;
}
