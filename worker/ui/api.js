// The HTTP API as the page uses it: the session's key (this tab only), the
// paths, and errors carrying the API's stable codes.

import { LIMITS } from './limits.js';

const KEY = 'edgehooks.apiKey';

/** An API failure: HTTP status, stable code and message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** The signed-in key, kept in `sessionStorage`: gone when the tab closes. */
export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  signIn(key) {
    sessionStorage.setItem(KEY, key);
  },
  signOut() {
    sessionStorage.removeItem(KEY);
  },
};

const enc = encodeURIComponent;

/** API paths, with every name escaped. */
export const paths = {
  webhooks: (cache) => `/v1/caches/${enc(cache)}/webhooks`,
  webhook: (cache, name) => `/v1/caches/${enc(cache)}/webhooks/${enc(name)}`,
  topic: (cache, topic) => `/v1/caches/${enc(cache)}/topics/${enc(topic)}`,
};

/**
 * Calls the API with the session's key (or `key`). Resolves with the parsed
 * JSON body (or `null` for 204); rejects with an `ApiError`. A 401 on a
 * signed-in call also fires `edgehooks:unauthorized` on `window`.
 */
export async function call(method, path, { body, headers = {}, key = session.key, raw, signal } = {}) {
  const init = { method, headers: { ...headers }, signal };
  if (key) init.headers.authorization = `Bearer ${key}`;
  if (raw !== undefined) init.body = raw;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['content-type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch (err) {
    if (err.name === 'AbortError') throw err;
    throw new ApiError(0, 'network_error', 'The service could not be reached');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // not JSON: reported below
  }
  if (response.ok) return json;
  const error = json?.error ?? { code: `http_${response.status}`, message: text || response.statusText };
  if (response.status === 401 && key === session.key) {
    window.dispatchEvent(new CustomEvent('edgehooks:unauthorized', { detail: error }));
  }
  throw new ApiError(response.status, error.code, error.message);
}

/** Every webhook of `cache`, following the list's cursor. */
export async function listWebhooks(cache) {
  const webhooks = [];
  let cursor = null;
  do {
    const query = new URLSearchParams({ limit: String(LIMITS.maxPageSize) });
    if (cursor) query.set('cursor', cursor);
    const page = await call('GET', `${paths.webhooks(cache)}?${query}`);
    webhooks.push(...page.webhooks);
    cursor = page.cursor;
  } while (cursor);
  return webhooks;
}
