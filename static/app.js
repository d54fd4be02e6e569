// The planner page: pick an area, run a proposal, create a plan, move LSOAs between neighbourhoods with
// undo/redo (each move is a new version, made with If-Match), and take the plan through sign-off.
// Every number shown comes from the API; counts it suppressed (null) show as "suppressed".
//
// This module only wires the page: the state lives in state.js, the API client in api.js, the map in map.js and
// layers.js, each panel in panels/, and the pure rules (formatting, names, roles, request bodies, undo) in
// format.js, names.js, roles.js, requests.js and undo.js, which `node --test` checks (tests/static).

import { getKey, setKey } from "./api.js";
import { basisFor } from "./requests.js";
import { action, renderControls } from "./controls.js";
import { $, announce, clearErrors, showError } from "./dom.js";
import { validitySentence } from "./format.js";
import { ContextLayers } from "./layers.js";
import { PlanMap } from "./map.js";
import { loadArea, loadAreas, loadLimits, loadMe, loadPlanList } from "./panels/area.js";
import {
  NEW_HOOD, addCode, clearSelection, moveSelection, pick, pickBox, pickPractice, redo, renameHood, undo,
} from "./panels/editor.js";
import { exportFile } from "./panels/exports.js";
import { choosePlace, searchEntries } from "./panels/places.js";
import { openPlan } from "./panels/plan.js";
import { cancelJob, createPlan, runProposal } from "./panels/proposal.js";
import { agreePlan, loadAwaiting, returnPlan, submitPlan } from "./panels/signoff.js";
import { PlaceSearch } from "./search.js";
import { state, views } from "./state.js";

function readHash() {
  return Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
}

function opened() {
  return `Opened ${state.plan.name}, version ${state.version.version}. ${validitySentence(state.metrics)}`;
}

async function start() {
  clearErrors();
  const wanted = readHash();
  await loadMe();
  await loadLimits();
  await loadAwaiting();
  const area = await loadAreas(wanted.area);
  if (!area) return announce("The service offers no study areas.");
  await loadArea(area);
  if (wanted.plan && /^\d+$/.test(wanted.plan)) {
    await openPlan(Number(wanted.plan));
    await loadPlanList(wanted.plan);
  }
  renderControls();
  document.body.dataset.ready = "true";
}

function wire() {
  views.planMap = new PlanMap($("map"), { onPick: pick, onBox: pickBox });
  views.context = new ContextLayers(views.planMap, { onChange: (error) => { if (error) showError(error); } });
  views.context.onPickPractice = pickPractice;
  new PlaceSearch({ entries: searchEntries, choose: choosePlace }); // eslint-disable-line no-new
  $("rename-form").addEventListener("submit", renameHood);
  $("status-validity").addEventListener("click", (event) => { // keep the plan's address: no hash change
    event.preventDefault();
    $("validity-heading").scrollIntoView({ block: "start" });
    $("validity-heading").focus({ preventScroll: true });
  });
  for (const button of document.querySelectorAll("[data-export]")) button.addEventListener("click", exportFile);
  $("api-key").value = getKey();
  $("key-form").addEventListener("submit", action(async () => {
    setKey($("api-key").value.trim());
    await start();
    announce(`Using your API key: ${$("whoami").textContent}`);
  }));
  $("key-forget").addEventListener("click", action(async () => {
    setKey(""); $("api-key").value = "";
    announce("The API key has been forgotten.");
    await start();
  }));
  $("area").addEventListener("change", action(async () => {
    await loadArea($("area").value);
    history.replaceState(null, "", `#area=${encodeURIComponent(state.area.id)}`);
    announce(`Showing ${state.area.name || state.area.id}.`);
  }));
  $("plan-select").addEventListener("change", renderControls);
  $("plan-open").addEventListener("click", action(async () => {
    await openPlan(Number($("plan-select").value));
    announce(opened());
  }));
  // Whole practices or networks are sized on their lists; places on residents or registered patients.
  $("build-from").addEventListener("change", () => { $("population").value = basisFor($("build-from").value, $("population").value); });
  $("propose-form").addEventListener("submit", runProposal);
  $("cancel-job").addEventListener("click", cancelJob);
  $("create-form").addEventListener("submit", createPlan);
  $("code-form").addEventListener("submit", addCode);
  $("selection-clear").addEventListener("click", clearSelection);
  $("move-to").addEventListener("change", () => { $("new-name-group").hidden = $("move-to").value !== NEW_HOOD; });
  $("move-form").addEventListener("submit", moveSelection);
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  $("submit-plan").addEventListener("click", submitPlan);
  $("return-plan").addEventListener("click", returnPlan);
  $("agree-form").addEventListener("submit", agreePlan);
  window.addEventListener("hashchange", action(async () => {
    const wanted = readHash();
    if (wanted.plan && /^\d+$/.test(wanted.plan) && Number(wanted.plan) !== state.plan?.id) {
      await openPlan(Number(wanted.plan));
      await loadPlanList(wanted.plan);
      announce(opened());
      // A link (an awaiting sign-off) opened it: go to it, to its sign-off box when it awaits one.
      const target = state.version.state === "proposed" ? "lifecycle" : "plan-heading";
      $(target).scrollIntoView({ block: "start" });
    }
  }));
  action(start)();
}

if (window.L) wire(); else window.addEventListener("DOMContentLoaded", wire);
