// The API client (static/api.js) against a recorded fetch: headers, ETag/If-Match, problem+json errors.
import assert from "node:assert/strict";
import { beforeEach, test } from "node:test";

import { api, ApiError, describe, getKey, setKey } from "../../static/api.js";

const calls = [];
let answer;

function respond(status, body, headers = {}) {
  answer = () => new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers });
}

beforeEach(() => {
  calls.length = 0;
  const store = new Map();
  globalThis.sessionStorage = {
    getItem: (k) => (store.has(k) ? store.get(k) : null), setItem: (k, v) => store.set(k, String(v)), removeItem: (k) => store.delete(k),
  };
  globalThis.fetch = async (url, init) => { calls.push({ url, init }); return answer(); };
});

test("a GET goes under /api/v1 with no key, no body and no If-Match", async () => {
  respond(200, { ok: 1 }, { "content-type": "application/json", ETag: '"v1"' });
  const { data, status, etag } = await api("/me");
  assert.deepEqual(data, { ok: 1 });
  assert.equal(status, 200);
  assert.equal(etag, '"v1"');
  const [{ url, init }] = calls;
  assert.equal(url, "/api/v1/me");
  assert.equal(init.method, "GET");
  assert.equal(init.body, undefined);
  assert.equal(init.headers.Authorization, undefined);
  assert.equal(init.headers["If-Match"], undefined);
});

test("a change sends JSON, the key as a bearer token and the ETag as If-Match", async () => {
  setKey("nhp_secret");
  respond(201, { version: 2 }, { "content-type": "application/json" });
  await api("/plans/1/moves", { method: "POST", body: { moves: { E1: "A" }, note: "" }, etag: '"v1"' });
  const { init } = calls[0];
  assert.equal(init.headers.Authorization, "Bearer nhp_secret");
  assert.equal(init.headers["If-Match"], '"v1"');
  assert.equal(init.headers["Content-Type"], "application/json");
  assert.deepEqual(JSON.parse(init.body), { moves: { E1: "A" }, note: "" });
  setKey("");
  assert.equal(getKey(), "");
});

test("a problem+json answer becomes an ApiError with the service's words and the current ETag", async () => {
  respond(412, { title: "Precondition Failed", detail: "The plan changed: version 3." },
    { "content-type": "application/problem+json", ETag: '"v3"' });
  const error = await api("/plans/1/moves", { method: "POST", body: {} }).then(() => null, (e) => e);
  assert.ok(error instanceof ApiError);
  assert.equal(error.status, 412);
  assert.equal(error.message, "The plan changed: version 3.");
  assert.equal(error.etag, '"v3"');
});

test("a non-JSON error keeps at most 200 characters of the body", async () => {
  respond(502, "x".repeat(500), { "content-type": "text/plain" });
  const error = await api("/areas").then(() => null, (e) => e);
  assert.equal(error.status, 502);
  assert.equal(error.problem.detail.length, 200);
});

test("an unreachable service is a status-0 error that says so", async () => {
  globalThis.fetch = async () => { throw new TypeError("Failed to fetch"); };
  const error = await api("/areas").then(() => null, (e) => e);
  assert.equal(error.status, 0);
  assert.match(describe(error), /cannot be reached/);
});

test("each status gets the planner's next step", () => {
  const e = (status, detail) => new ApiError(status, { detail });
  assert.equal(describe(e(401, "an API key is required: send 'Authorization: Bearer <key>'")),
    "Sign in to continue: paste the access key your administrator gave you under “Sign in with your access key” at the top of the page.");
  assert.equal(describe(e(403, "planners only")), "You cannot do this with your API key: planners only.");
  assert.equal(describe(e(404, "no plan 9")), "Not found: no plan 9.");
  assert.equal(describe(e(409, "it is agreed")), "The plan cannot be changed in its current state: it is agreed.");
  assert.equal(describe(e(422, "bad name")), "The service could not accept this: bad name.");
  assert.equal(describe(new ApiError(500, {})), "The service answered 500.");
  assert.equal(describe(new Error("boom")), "Something went wrong in this page: boom");
});
