// Talking to the planner API (/api/v1): the API key from session storage, JSON bodies, ETags and
// RFC 9457 problem+json errors turned into ApiError with the words the API chose for the planner.

const BASE = "/api/v1";
const KEY_STORE = "nhp-api-key";

export class ApiError extends Error {
  constructor(status, problem, etag) {
    super(problem.detail || problem.title || `The service answered ${status}`);
    this.status = status;
    this.problem = problem;
    this.etag = etag;
  }
}

export function getKey() {
  return sessionStorage.getItem(KEY_STORE) || "";
}

export function setKey(key) {
  if (key) sessionStorage.setItem(KEY_STORE, key);
  else sessionStorage.removeItem(KEY_STORE);
}

/**
 * Call the API and return {data, status, etag}; throw ApiError for any non-2xx answer.
 * `etag` becomes If-Match (every change to a plan needs the ETag of the version it was made from).
 */
export async function api(path, { method = "GET", body, etag, signal } = {}) {
  const headers = { Accept: "application/json, application/geo+json, application/problem+json" };
  const key = getKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (etag) headers["If-Match"] = etag;
  let response;
  try {
    response = await fetch(BASE + path, {
      method, headers, signal, body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { title: "No connection", detail: "The planner service cannot be reached. Check that it is running, then try again." });
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) {
    const problem = typeof data === "object" && data ? data : { title: response.statusText, detail: String(data).slice(0, 200) };
    throw new ApiError(response.status, problem, response.headers.get("ETag"));
  }
  return { data, status: response.status, etag: response.headers.get("ETag") };
}

/** The planner-facing sentence for an error, with what to do next where the status says it. */
export function describe(error) {
  if (!(error instanceof ApiError)) return `Something went wrong in this page: ${error.message}`;
  const detail = String(error.problem.detail || error.problem.title || "").replace(/\.$/, "");
  switch (error.status) {
    // The service's words are for programmers (headers to send): a person is told what to do instead.
    case 401: return "Sign in to continue: paste the access key your administrator gave you under “Sign in with your access key” at the top of the page.";
    case 403: return `You cannot do this with your API key: ${detail}.`;
    case 404: return `Not found: ${detail}.`;
    case 409: return `The plan cannot be changed in its current state: ${detail}.`;
    case 422: return `The service could not accept this: ${detail}.`;
    default: return detail ? `${detail}.` : `The service answered ${error.status}.`;
  }
}

/**
 * Download a file from the API with the same API key as every other call (a bare link could not send it):
 * fetch it, then save the blob under the name the service gives (Content-Disposition). Returns {name, size}.
 */
export async function download(path, fallbackName) {
  const headers = { Accept: "*/*" };
  const key = getKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  let response;
  try {
    response = await fetch(BASE + path, { headers });
  } catch (error) {
    throw new ApiError(0, { title: "No connection", detail: "The planner service cannot be reached. Check that it is running, then try again." });
  }
  if (!response.ok) {
    const type = response.headers.get("content-type") || "";
    const problem = type.includes("json") ? await response.json() : { title: response.statusText };
    throw new ApiError(response.status, problem, response.headers.get("ETag"));
  }
  const blob = await response.blob();
  const disposition = response.headers.get("content-disposition") || "";
  const name = (disposition.match(/filename="?([^";]+)"?/) || [])[1] || fallbackName;
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return { name, size: blob.size };
}
