// Which buttons a role sees (static/roles.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { ROLES, can, canEdit, disabledControls, signoffButtons, signoffText } from "../../static/roles.js";

const who = (role) => ({ name: role, role });
const DRAFT = { state: "draft" };
const PROPOSED = { state: "proposed" };
const AGREED = { state: "agreed", agreed_by: "approver-key", hwb_reference: "HWB 2026-03-14 item 7" };

test("roles are ordered: each can do what the ones below it can", () => {
  for (const [i, role] of ROLES.entries()) {
    for (const [j, needed] of ROLES.entries()) assert.equal(can(who(role), needed), i >= j, `${role} as ${needed}`);
  }
  assert.equal(can(null, "viewer"), false);
  assert.equal(can(who("stranger"), "viewer"), false);
});

test("only a planner or above edits, and only a draft of an open plan", () => {
  const plan = { id: 1 };
  assert.equal(canEdit(who("viewer"), plan, DRAFT), false);
  assert.equal(canEdit(who("planner"), plan, DRAFT), true);
  assert.equal(canEdit(who("admin"), plan, PROPOSED), false);
  assert.equal(canEdit(who("admin"), null, DRAFT), false);
});

test("sign-off buttons follow the role and the state", () => {
  const table = [];
  for (const role of ROLES) {
    for (const version of [DRAFT, PROPOSED, AGREED]) {
      const signoff = { version: 1, can_agree: version.state === "proposed" && can(who(role), "approver"), authored_versions: [] };
      const b = signoffButtons(who(role), { ...version, version: 1 }, signoff);
      table.push(`${role}/${version.state}: ${["submit", "return", "agree"].filter((k) => b[k]).join(",") || "-"}`);
    }
  }
  assert.deepEqual(table, [
    "viewer/draft: -", "viewer/proposed: -", "viewer/agreed: -",
    "planner/draft: submit", "planner/proposed: return", "planner/agreed: return",
    "approver/draft: submit", "approver/proposed: return,agree", "approver/agreed: return",
    "admin/draft: submit", "admin/proposed: return,agree", "admin/agreed: return",
  ]);
});

test("Agree is never offered to an author, nor before the service has said who may agree this version", () => {
  const approver = who("approver");
  const version = { state: "proposed", version: 3 };
  const may = { version: 3, can_agree: true, authored_versions: [] };
  assert.equal(signoffButtons(approver, version, may).agree, true);
  assert.equal(signoffButtons(approver, version, { version: 3, can_agree: false, authored_versions: [2, 3] }).agree, false);
  assert.equal(signoffButtons(approver, version, null).agree, false, "not known yet: not offered");
  assert.equal(signoffButtons(approver, version, { ...may, version: 2 }).agree, false, "said of another version");
  assert.equal(signoffButtons(who("planner"), version, may).agree, false, "the service answer never raises a role");
  assert.match(signoffText(approver, version, { version: 3, can_agree: false, authored_versions: [3] }),
    /another approver must agree it \(four-eyes sign-off\)/);
});

test("the sign-off sentence tells a planner that an approver agrees, and names who agreed", () => {
  assert.match(signoffText(who("planner"), PROPOSED), /An approver records its agreement/);
  assert.match(signoffText(who("approver"), PROPOSED), /record its agreement/);
  assert.equal(signoffText(who("viewer"), AGREED),
    "This version was agreed by approver-key (HWB 2026-03-14 item 7). Returning it to draft starts a new draft version.");
  assert.equal(signoffText(who("viewer"), { state: "unknown" }), "");
});

test("controls: busy disables actions; moves need an editable draft and a selection; undo needs history", () => {
  const base = { busy: false, me: who("planner"), area: { id: "Q99" }, plan: { id: 1 }, version: DRAFT, job: null,
    selectionSize: 2, undoSize: 1, redoSize: 0, planChosen: true };
  assert.deepEqual(disabledControls(base), {
    propose: false, "cancel-job": true, "plan-open": false, move: false, undo: false, redo: true, "selection-clear": false,
  });
  const busy = disabledControls({ ...base, busy: true, job: "j1" });
  assert.equal(busy.propose && busy.move && busy.undo && busy["plan-open"], true);
  assert.equal(busy["cancel-job"], false);
  const viewer = disabledControls({ ...base, me: who("viewer") });
  assert.equal(viewer.propose && viewer.move && viewer.undo, true);
  const agreed = disabledControls({ ...base, version: AGREED });
  assert.equal(agreed.move && agreed.undo, true);
  assert.equal(agreed.propose, false);
  const empty = disabledControls({ ...base, selectionSize: 0, planChosen: false });
  assert.equal(empty.move && empty["selection-clear"] && empty["plan-open"], true);
});
