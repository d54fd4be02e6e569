// Sign-off: submit a draft, return a version to draft, agree a proposed one with the Health and Wellbeing Board
// meeting reference. The buttons shown follow the caller's role and what the service says about this version
// (GET /plans/{id}/signoff: its unmet rules, whether this caller may agree it); the service checks again.
// Agreeing lists every rule the version does not meet, each to be confirmed knowingly; approvers also see the
// plans awaiting their sign-off.

import { api, ApiError } from "../api.js";
import { action } from "../controls.js";
import { $, announce, el, showErrors } from "../dom.js";
import { STATE_LABEL, awaitingText, unmetLead } from "../format.js";
import { agreeRequest, confirmField } from "../requests.js";
import { can, signoffButtons, signoffText } from "../roles.js";
import { state } from "../state.js";
import { loadPlanList } from "./area.js";
import { openPlan } from "./plan.js";

/** What the service says about signing off a version (its unmet rules, whether the caller may agree it). */
export async function loadSignoff(planId, versionNumber) {
  const { data } = await api(`/plans/${planId}/signoff?version=${versionNumber}`);
  return data;
}

export function renderLifecycle() {
  const { version, me, signoff } = state;
  $("lifecycle").hidden = false;
  $("lifecycle-text").textContent = signoffText(me, version, signoff);
  const shown = signoffButtons(me, version, signoff);
  $("submit-plan").hidden = !shown.submit;
  $("return-plan").hidden = !shown.return;
  $("agree-form").hidden = !shown.agree;
  const unmet = shown.agree ? signoff.unmet : [];
  $("unmet-lead").textContent = shown.agree ? unmetLead(unmet, version.version) : "";
  $("unmet-list").replaceChildren(...unmet.map((rule) => el("div", { class: "nhsuk-checkboxes__item" },
    el("input", { class: "nhsuk-checkboxes__input", id: confirmField(rule.rule), name: "confirmed", type: "checkbox", value: rule.rule }),
    el("label", { class: "nhsuk-label nhsuk-checkboxes__label", for: confirmField(rule.rule) },
      el("strong", { text: `${rule.title}. ` }), `I confirm that ${rule.text}.`))));
}

/** The "awaiting your sign-off" list: shown to approvers only, when something waits, with a link to each plan. */
export async function loadAwaiting() {
  if (!can(state.me, "approver")) { $("awaiting").hidden = true; return; }
  const { data } = await api("/signoff/awaiting");
  $("awaiting-list").replaceChildren(...data.map((item) => el("li", {},
    el("a", { href: `#area=${encodeURIComponent(item.area)}&plan=${item.plan_id}`, text: awaitingText(item) }))));
  $("awaiting").hidden = !data.length; // shown only when something waits: a calm page otherwise
}

export const submitPlan = action(async () => {
  await transition("submit", {}, "Submitted for sign-off");
});

export const returnPlan = action(async () => {
  await transition("return", {}, "Returned to draft");
});

export const agreePlan = action(async () => {
  const ticked = new Set([...document.querySelectorAll("#unmet-list input:checked")].map((box) => box.value));
  const { errors, body } = agreeRequest($("hwb-reference").value, state.signoff?.unmet || [], ticked);
  if (errors.length) return showErrors(errors);
  await transition("agree", body, `Agreed at ${body.hwb_reference}`);
  $("hwb-reference").value = "";
});

async function transition(kind, body, done) {
  const planId = state.plan.id;
  try {
    await api(`/plans/${planId}/${kind}`, { method: "POST", body, etag: state.etag });
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      await openPlan(planId);
      return showErrors([{ text: `This plan changed since you opened it: it is now version ${state.version.version} (${STATE_LABEL[state.version.state]}). The page has reloaded it; check it and try again.` }]);
    }
    if (error instanceof ApiError && error.problem.type === "urn:nhp:problem:unconfirmed-rules") {
      await openPlan(planId); // the box lists the rules of the version as it is now
      const errors = (error.problem.unmet || []).map((rule) => ({ text: `Confirm that ${rule.text}`, field: confirmField(rule.rule) }))
        .filter(({ field }) => $(field));
      if (errors.length) return showErrors(errors);
    }
    throw error;
  }
  await openPlan(planId);
  await loadPlanList(planId);
  await loadAwaiting();
  announce(`${done}: version ${state.version.version} is now ${STATE_LABEL[state.version.state].toLowerCase()}.`);
}
