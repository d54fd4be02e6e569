// Who may do what on the page, from the caller's role (GET /me) and the open version's state: which buttons
// and forms show and which are enabled. Pure: the service still checks every request (these only spare the
// planner a button that would be refused).

export const ROLES = ["viewer", "planner", "approver", "admin"];

/** Whether the caller has at least `role` (roles are ordered: viewer < planner < approver < admin). */
export function can(me, role) {
  return Boolean(me) && ROLES.indexOf(me.role) >= ROLES.indexOf(role);
}

/** Only a draft can change, and only a planner (or above) changes it. */
export function canEdit(me, plan, version) {
  return Boolean(plan) && version?.state === "draft" && can(me, "planner");
}

/**
 * The sign-off buttons a caller sees for a version: submit a draft, return to draft, agree a proposed one.
 * Agree is offered only when the service says this caller may agree this very version (`signoff`, from
 * GET /plans/{id}/signoff): never to an approver who made or submitted it (four-eyes), never before that is known.
 */
export function signoffButtons(me, version, signoff) {
  return {
    submit: version.state === "draft" && can(me, "planner"),
    return: version.state !== "draft" && can(me, "planner"),
    agree: version.state === "proposed" && can(me, "approver") && Boolean(signoff?.can_agree)
      && signoff.version === version.version,
  };
}

/** The sign-off panel's sentence for a version. */
export function signoffText(me, version, signoff) {
  const authored = signoff?.authored_versions || [];
  const proposed = !can(me, "approver")
    ? "This version has been submitted for sign-off. An approver records its agreement; you can return it to draft to change it."
    : authored.length
      ? "This version has been submitted for sign-off. You made or submitted changes to it, so another approver must agree it (four-eyes sign-off); you can return it to draft."
      : "This version has been submitted for sign-off. Check the rules it does not meet, then record its agreement with the Health and Wellbeing Board meeting reference, or return it to draft.";
  const texts = {
    draft: "This version is a draft. Submit it for sign-off when it is ready; it can then no longer be edited.",
    proposed,
    agreed: `This version was agreed by ${version.agreed_by} (${version.hwb_reference}). Returning it to draft starts a new draft version.`,
  };
  return texts[version.state] || "";
}

/**
 * Which controls are disabled: everything waits while the page is busy; moves need an editable version and a
 * selection; undo and redo need something to undo or redo.
 */
export function disabledControls({ busy, me, area, plan, version, job, selectionSize, undoSize, redoSize, planChosen }) {
  const editable = canEdit(me, plan, version);
  return {
    propose: busy || !area || !can(me, "planner"),
    "cancel-job": !job,
    "plan-open": busy || !planChosen,
    move: busy || !editable || selectionSize === 0,
    undo: busy || !editable || undoSize === 0,
    redo: busy || !editable || redoSize === 0,
    "selection-clear": selectionSize === 0,
  };
}
