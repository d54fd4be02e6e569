// The page's buttons: enabled or not from the caller's role, the open version and the page's state; and
// `action`, which runs a handler with the page marked busy and its errors shown in the error summary.

import { $, clearErrors, showError } from "./dom.js";
import { disabledControls } from "./roles.js";
import { state } from "./state.js";

export function renderControls() {
  const disabled = disabledControls({
    busy: state.busy, me: state.me, area: state.area, plan: state.plan, version: state.version, job: state.job,
    selectionSize: state.selection.size, undoSize: state.history.undos.length, redoSize: state.history.redos.length,
    planChosen: Boolean($("plan-select").value),
  });
  for (const [id, off] of Object.entries(disabled)) $(id).disabled = off;
  $("undo").textContent = state.history.undoText;
  $("redo").textContent = state.history.redoText;
}

/** Run an action with the page marked busy; errors go to the error summary. */
export function action(fn) {
  return async (event) => {
    event?.preventDefault();
    if (state.busy) return;
    state.busy = true;
    document.body.setAttribute("aria-busy", "true");
    try {
      clearErrors();
      await fn(event);
    } catch (error) {
      if (error.name !== "AbortError") showError(error);
    } finally {
      state.busy = false;
      document.body.removeAttribute("aria-busy");
      renderControls();
    }
  };
}
