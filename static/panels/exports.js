// Download buttons: each file of the open version, fetched with the API key and saved under the service's name.

import { download } from "../api.js";
import { announce, clearErrors, showError } from "../dom.js";
import { fileSize } from "../format.js";
import { state } from "../state.js";

export async function exportFile(event) {
  const button = event.currentTarget;
  const what = button.dataset.export;
  if (!state.plan || state.busy) return;
  clearErrors();
  button.disabled = true;
  try {
    announce(`Preparing ${button.textContent}…`);
    const { name, size } = await download(`/plans/${state.plan.id}/${what}?version=${state.version.version}`,
      `plan-${state.plan.id}-v${state.version.version}-${what}`);
    announce(`Downloaded ${name} (${fileSize(size)}).`);
  } catch (error) {
    showError(error);
  } finally {
    button.disabled = false;
  }
}

