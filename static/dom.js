// The page's DOM helpers: find and build elements, announce to screen readers, and the NHS error summary with
// links to the fields at fault.

import { ApiError, describe } from "./api.js";

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (value !== null && value !== undefined && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

export function announce(text) {
  // Clear first so that the same sentence twice is still announced.
  const status = $("status");
  status.textContent = "";
  requestAnimationFrame(() => { status.textContent = text; });
}

export function clearErrors() {
  $("error-summary").hidden = true;
  $("error-list").replaceChildren();
  for (const group of document.querySelectorAll(".nhsuk-form-group--error")) group.classList.remove("nhsuk-form-group--error");
  for (const input of document.querySelectorAll(".nhsuk-input--error, .nhsuk-select--error")) {
    input.classList.remove("nhsuk-input--error", "nhsuk-select--error");
  }
  for (const message of document.querySelectorAll(".nhsuk-error-message")) { message.hidden = true; message.textContent = ""; }
}

/** Show the error summary (focused, as the NHS design system asks) with links to the fields at fault. */
export function showErrors(errors) {
  const list = $("error-list");
  list.replaceChildren(...errors.map(({ text, field }) => {
    const item = el("li");
    if (field) {
      const link = el("a", { href: `#${field}`, text });
      link.addEventListener("click", (event) => { event.preventDefault(); $(field).focus(); });
      item.append(link);
      markField(field, text);
    } else {
      item.textContent = text;
    }
    return item;
  }));
  $("error-summary").hidden = false;
  $("error-summary").focus();
}

function markField(field, text) {
  const input = $(field);
  const message = $(`${field}-error`);
  input.closest(".nhsuk-form-group")?.classList.add("nhsuk-form-group--error");
  input.classList.add(input.tagName === "SELECT" ? "nhsuk-select--error" : "nhsuk-input--error");
  if (message) {
    message.hidden = false;
    message.replaceChildren(el("span", { class: "nhsuk-u-visually-hidden", text: "Error: " }), text);
    const described = new Set((input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean));
    described.add(message.id);
    input.setAttribute("aria-describedby", [...described].join(" "));
  }
}

export function showError(error) {
  console.warn(error); // eslint-disable-line no-console
  const field = error instanceof ApiError && error.status === 401 ? "api-key" : null;
  if (field) $("settings").open = true;
  showErrors([{ text: describe(error), field }]);
}
