// The one client of /api/v1: signs every request with `Authorization: tma <initData>` and
// turns `{"error": {"code", "message"}}` into an ApiError whose message can be shown as is.
import { t, locale } from "./i18n.js";
import { initData } from "./telegram.js";

const base = document.getElementById("app").dataset.api;

export class ApiError extends Error {
  constructor(status, code, message, field = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
}

async function request(method, path, body, headers = {}, binary = false) {
  const init = {
    method,
    headers: { Authorization: `tma ${initData()}`, "Accept-Language": locale, ...headers },
    cache: "no-store",
    credentials: "omit",
  };
  if (body instanceof FormData) {
    init.body = body; // multipart: the browser writes the Content-Type with its boundary
  } else if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(base + path, init);
  } catch (error) {
    throw new ApiError(0, "network", t("network_error"));
  }
  if (binary && response.ok) {
    return response.blob();
  }
  let payload = null;
  try {
    payload = await response.json();
  } catch (error) {
    payload = null;
  }
  if (!response.ok) {
    const detail = payload && payload.error;
    if (response.status === 401) {
      throw new ApiError(401, (detail && detail.code) || "unauthorized", t("session_expired"));
    }
    const fallback = response.status >= 500 ? t("server_error") : t("network_error");
    throw new ApiError(
      response.status,
      (detail && detail.code) || "http_" + response.status,
      (detail && detail.message) || fallback,
      (detail && detail.field) || null,
    );
  }
  if (payload === null) {
    throw new ApiError(response.status, "bad_response", t("server_error"));
  }
  return payload;
}

/** A query string of the defined values of `params`. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") {
      search.set(key, String(value));
    }
  }
  const text = search.toString();
  return text ? "?" + text : "";
}

export const api = {
  get: (path) => request("GET", path),
  /** A binary answer (an image) as a Blob; errors are JSON like everywhere. */
  blob: (path) => request("GET", path, undefined, {}, true),
  post: (path, body, headers) => request("POST", path, body, headers),
  /** A file sent as multipart form data (`form` is a FormData). */
  upload: (path, form) => request("POST", path, form),
  patch: (path, body) => request("PATCH", path, body),
  delete: (path) => request("DELETE", path),
};
