// The proposal form: run a proposal (at once, or as a background job followed to the end and cancellable), show
// it on the map, and create a plan from it.

import { api, ApiError } from "../api.js";
import { action, renderControls } from "../controls.js";
import { $, announce, el, showError, showErrors } from "../dom.js";
import { proposalSummary, validitySentence } from "../format.js";
import { checkName } from "../names.js";
import { planFromProposal, proposalRequest } from "../requests.js";
import { colourOf, state, views } from "../state.js";
import { loadPlanList } from "./area.js";
import { openPlan } from "./plan.js";

function readProposalForm() {
  return proposalRequest({
    target: $("target").value, tolerance: $("tolerance").value, nest: $("nest").value, buildFrom: $("build-from").value,
    wholePractices: $("practices").checked, background: $("background").checked, population: $("population").value,
  });
}

export const runProposal = action(async () => {
  const { errors, body } = readProposalForm();
  if (errors.length) return showErrors(errors);
  $("proposal-result").hidden = true;
  announce("Running the proposal…");
  const { data, status } = await api(`/areas/${encodeURIComponent(state.area.id)}/proposals`, { method: "POST", body });
  const proposalId = status === 202 ? await followJob(data) : data.id;
  if (!proposalId) return;
  const { data: proposal } = await api(`/proposals/${proposalId}`);
  showProposal(proposal);
});

async function followJob(job) {
  state.job = job.id;
  $("job").hidden = false;
  $("cancel-job").hidden = false;
  renderControls();
  try {
    for (;;) {
      $("job-progress").value = Math.round(job.progress * 100);
      $("job-text").textContent = `${Math.round(job.progress * 100)}% — ${job.message}`;
      if (job.status === "done") { announce("The proposal is ready."); return job.result_id; }
      if (job.status === "cancelled") { announce("The proposal was cancelled. Nothing was saved."); return null; }
      if (job.status === "failed") {
        throw new ApiError(job.error?.status || 500, job.error || { detail: "The proposal failed" });
      }
      await new Promise((resolve) => { setTimeout(resolve, 500); });
      ({ data: job } = await api(`/jobs/${job.id}`));
    }
  } finally {
    state.job = null;
    $("cancel-job").hidden = true;
    $("job").hidden = true;
  }
}

export async function cancelJob() {
  if (!state.job) return;
  try {
    await api(`/jobs/${state.job}`, { method: "DELETE" });
    $("job-text").textContent = "Cancelling…";
  } catch (error) {
    showError(error);
  }
}

function showProposal(proposal) {
  state.proposal = proposal;
  $("proposal-summary").textContent = proposalSummary(proposal);
  $("proposal-unmet").replaceChildren(...(proposal.unmet || []).map((text) => el("li", { text: `Not met: ${text}` })));
  $("proposal-result").hidden = false;
  if (!$("plan-name").value) $("plan-name").value = `${state.area.name || state.area.id} neighbourhoods`;
  if (!state.plan) {
    state.colours = new Map();
    views.planMap.setAssignment(proposal.assignment, colourOf);
  }
  announce($("proposal-summary").textContent);
}

export const createPlan = action(async () => {
  const { name, error } = checkName($("plan-name").value, state.limits, { empty: "Enter a name for the plan" });
  if (error) return showErrors([{ text: error, field: "plan-name" }]);
  const { body } = readProposalForm();
  const { data: plan } = await api("/plans", {
    method: "POST",
    body: planFromProposal({ name, area: state.area.id, proposalId: state.proposal.id, target: body.target, tolerance: body.tolerance }),
  });
  await openPlan(plan.id);
  await loadPlanList(plan.id);
  announce(`Created plan ${plan.id}, “${plan.name}”, as version 1 (draft). ${validitySentence(state.metrics)}`);
  $("proposal-result").hidden = true; // the plan replaces the proposal: go to it
  $("plan-heading").scrollIntoView({ block: "start" });
  $("plan-heading").focus({ preventScroll: true });
});

