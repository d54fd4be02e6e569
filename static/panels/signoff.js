// Sign-off: submit a draft, return a version to draft, agree a proposed one with the Health and Wellbeing Board
// meeting reference. The buttons shown follow the caller's role (roles.js); the service checks again.

import { api, ApiError } from "../api.js";
import { action } from "../controls.js";
import { $, announce, showErrors } from "../dom.js";
import { STATE_LABEL } from "../format.js";
import { signoffButtons, signoffText } from "../roles.js";
import { state } from "../state.js";
import { loadPlanList } from "./area.js";
import { openPlan } from "./plan.js";

export function renderLifecycle() {
  const { version, me } = state;
  $("lifecycle").hidden = false;
  $("lifecycle-text").textContent = signoffText(me, version);
  const shown = signoffButtons(me, version);
  $("submit-plan").hidden = !shown.submit;
  $("return-plan").hidden = !shown.return;
  $("agree-form").hidden = !shown.agree;
}

export const submitPlan = action(async () => {
  await transition("submit", {}, "Submitted for sign-off");
});

export const returnPlan = action(async () => {
  await transition("return", {}, "Returned to draft");
});

export const agreePlan = action(async () => {
  const reference = $("hwb-reference").value.trim();
  if (!reference) {
    return showErrors([{ text: "Enter the Health and Wellbeing Board meeting reference that agreed the plan", field: "hwb-reference" }]);
  }
  await transition("agree", { hwb_reference: reference }, `Agreed at ${reference}`);
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
    throw error;
  }
  await openPlan(planId);
  await loadPlanList(planId);
  announce(`${done}: version ${state.version.version} is now ${STATE_LABEL[state.version.state].toLowerCase()}.`);
}
