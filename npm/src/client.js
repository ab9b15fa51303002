// `edgehooks/client`: the edgehooks HTTP API over Fetch, with no
// dependencies, for Node 18+, browsers, Workers, Deno and Bun. One method
// per operation of the OpenAPI document (named by its operationId), async
// iterators over the paginated lists, and the topic's Server-Sent Events as
// an async iterator that resumes by itself. Every failure is an
// `EdgehooksApiError` with the API's code. The key travels only in the
// Authorization header: never in a URL, a message or a property one can
// enumerate.

/** A call that failed: the API's `{"error":{"code","message"}}`, or `network_error`/`invalid_response`. */
export class EdgehooksApiError extends Error {
  /**
   * @param {string} code the API's stable code, or `network_error` / `invalid_response`
   * @param {string} message what went wrong, for people
   * @param {{ status?: number, retryAfter?: number, cause?: unknown }} [details]
   */
  constructor(code, message, { status = 0, retryAfter, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'EdgehooksApiError';
    this.code = code;
    /** The HTTP status; 0 when no response arrived. */
    this.status = status;
    /** Seconds to wait before trying again, from `Retry-After`, when the response had one. */
    this.retryAfter = retryAfter;
  }
}

const DEFAULT_RECONNECT = { initialDelayMs: 500, maxDelayMs: 30_000 };

/** A client for one edgehooks deployment. */
export class EdgehooksClient {
  #base;
  #apiKey;
  #fetch;

  /**
   * @param {{ url: string | URL, apiKey: string, fetch?: typeof fetch }} options
   */
  constructor(options) {
    const { url, apiKey, fetch: fetchImpl } = options ?? {};
    if (typeof url !== 'string' && !(url instanceof URL)) throw new TypeError('url must be a string or URL');
    const base = new URL(String(url));
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('url must be http: or https:');
    if (base.username || base.password) throw new TypeError('url must not hold credentials: give apiKey');
    if (base.search || base.hash) throw new TypeError('url must not have a query or fragment');
    if (typeof apiKey !== 'string' || apiKey === '') throw new TypeError('apiKey must be a non-empty string');
    if (fetchImpl !== undefined && typeof fetchImpl !== 'function') throw new TypeError('fetch must be a function');
    this.#base = base.href.replace(/\/+$/, '');
    this.#apiKey = apiKey;
    // Never called on this object: a runtime's fetch refuses another `this`.
    this.#fetch = fetchImpl ? (input, init) => fetchImpl(input, init) : (input, init) => globalThis.fetch(input, init);
  }

  /** The API's base URL, without a trailing slash. */
  get url() {
    return this.#base;
  }

  // Operations, in the order of the OpenAPI document.

  /** The OpenAPI document (public: sent without the key). */
  getOpenApi(options = {}) {
    return this.#call('GET', '/v1/openapi.json', { signal: options.signal, anonymous: true });
  }

  listWebhooks(cache, options = {}) {
    const { limit, cursor, signal } = options;
    return this.#call('GET', `/v1/caches/${seg(cache, 'cache')}/webhooks`, { query: { limit, cursor }, signal });
  }

  getWebhook(cache, name, options = {}) {
    return this.#call('GET', webhookPath(cache, name), { signal: options.signal });
  }

  /** Creates or replaces; `createOnly` refuses to replace (412 `already_exists`). */
  async putWebhook(cache, name, input, options = {}) {
    const { createOnly = false, signal } = options;
    const headers = createOnly ? { 'if-none-match': '*' } : {};
    const { body, response } = await this.#call('PUT', webhookPath(cache, name), { json: input, headers, signal, full: true });
    hidden(body, 'created', response.status === 201);
    return body;
  }

  patchWebhook(cache, name, patch, options = {}) {
    return this.#call('PATCH', webhookPath(cache, name), { json: patch, signal: options.signal });
  }

  async deleteWebhook(cache, name, options = {}) {
    await this.#call('DELETE', webhookPath(cache, name), { signal: options.signal });
  }

  getWebhookSecret(cache, name, options = {}) {
    return this.#call('GET', `${webhookPath(cache, name)}/secret`, { signal: options.signal });
  }

  rotateWebhookSecret(cache, name, options = {}) {
    const { graceSeconds, secret, signal } = options;
    return this.#call('POST', `${webhookPath(cache, name)}/secret/rotate`, { json: defined({ graceSeconds, secret }), signal });
  }

  testWebhook(cache, name, options = {}) {
    return this.#call('POST', `${webhookPath(cache, name)}/test`, { signal: options.signal });
  }

  listAttempts(cache, name, options = {}) {
    const { limit, cursor, status, since, until, signal } = options;
    return this.#call('GET', `${webhookPath(cache, name)}/attempts`, { query: { limit, cursor, status, since, until }, signal });
  }

  getWebhookStatistics(cache, name, options = {}) {
    const { hours, signal } = options;
    return this.#call('GET', `${webhookPath(cache, name)}/statistics`, { query: { hours }, signal });
  }

  listUndelivered(cache, name, options = {}) {
    const { limit, cursor, signal } = options;
    return this.#call('GET', `${webhookPath(cache, name)}/undelivered`, { query: { limit, cursor }, signal });
  }

  replayWebhook(cache, name, options = {}) {
    const { since, until, status, signal } = options;
    return this.#call('POST', `${webhookPath(cache, name)}/replay`, { json: defined({ since, until, status }), signal });
  }

  /**
   * Publishes `message`: a string (text/plain), bytes (Uint8Array, any
   * ArrayBufferView or ArrayBuffer: application/octet-stream), a Blob (its
   * type), or any other JSON value (application/json). `contentType`
   * overrides the type sent.
   */
  async publish(cache, topic, message, options = {}) {
    const { idempotencyKey, contentType, signal } = options;
    let body;
    let type;
    if (typeof message === 'string') {
      body = message;
      type = 'text/plain; charset=utf-8';
    } else if (message instanceof ArrayBuffer || ArrayBuffer.isView(message)) {
      body = message instanceof ArrayBuffer ? new Uint8Array(message) : new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      type = 'application/octet-stream';
    } else if (typeof Blob !== 'undefined' && message instanceof Blob) {
      body = message;
      type = message.type || 'application/octet-stream';
    } else {
      if (
        message === undefined || typeof message === 'function' || typeof message === 'symbol' || typeof message === 'bigint'
        || (typeof ReadableStream !== 'undefined' && message instanceof ReadableStream)
      ) {
        throw new TypeError('message must be a string, bytes, a Blob, or a JSON value');
      }
      body = JSON.stringify(message);
      type = 'application/json';
    }
    const headers = { 'content-type': contentType ?? type };
    if (idempotencyKey !== undefined) headers['idempotency-key'] = String(idempotencyKey);
    const path = `/v1/caches/${seg(cache, 'cache')}/topics/${seg(topic, 'topic')}`;
    const { body: published, response } = await this.#call('POST', path, { body, headers, signal, full: true });
    hidden(published, 'idempotentReplayed', response.headers.get('idempotent-replayed') === 'true');
    return published;
  }

  /**
   * The topic's messages as they are published, as an async iterator of
   * envelopes. After a disconnect or a server error it connects again with
   * `Last-Event-ID` (backoff from `reconnect.initialDelayMs` doubling to
   * `reconnect.maxDelayMs`, or the server's `retry`), so nothing the topic
   * still buffers is missed; `onGap` hears of numbers no longer buffered.
   * A stream the service ends with `resume` (its lifetime, or a reader
   * too slow) is resumed at once.
   * Ends when `signal` aborts or the loop breaks; a refusal (401, 403, 400,
   * 404) is thrown.
   */
  async *subscribe(cache, topic, options = {}) {
    const { lastEventId, signal, onGap, onOpen } = options;
    const reconnect = { ...DEFAULT_RECONNECT, ...options.reconnect };
    const url = `${this.#base}/v1/caches/${seg(cache, 'cache')}/topics/${seg(topic, 'topic')}/subscribe`;
    let last = lastEventId === undefined || lastEventId === null ? undefined : String(lastEventId);
    let failures = 0;
    let serverDelay;
    /** The last stream ended with `resume`: reconnect at once. */
    let resumeAsked = false;
    while (!signal?.aborted) {
      const controller = new AbortController();
      const abort = () => controller.abort(signal.reason);
      signal?.addEventListener('abort', abort, { once: true });
      let reader;
      try {
        const headers = { authorization: `Bearer ${this.#apiKey}`, accept: 'text/event-stream' };
        if (last !== undefined) headers['last-event-id'] = last;
        let response;
        try {
          response = await this.#fetch(url, { method: 'GET', headers, signal: controller.signal });
        } catch (error) {
          if (signal?.aborted) return;
          failures += 1;
          await sleep(backoff(reconnect, failures, serverDelay), signal);
          continue;
        }
        if (!response.ok) {
          const failure = await errorOf(response);
          if (!transient(response.status)) throw failure;
          failures += 1;
          await sleep(Math.max(backoff(reconnect, failures, serverDelay), (failure.retryAfter ?? 0) * 1000), signal);
          continue;
        }
        if (!/^text\/event-stream/i.test(response.headers.get('content-type') ?? '')) {
          await response.body?.cancel().catch(() => {});
          throw new EdgehooksApiError('invalid_response', `expected text/event-stream, got ${response.headers.get('content-type')}`, { status: response.status });
        }
        failures = 0;
        resumeAsked = false;
        onOpen?.({ lastEventId: last });
        reader = response.body.getReader();
        const parser = new EventStreamParser();
        const decoder = new TextDecoder();
        for (;;) {
          let chunk;
          try {
            chunk = await reader.read();
          } catch {
            break; // the connection dropped (or the signal aborted)
          }
          const text = chunk.done ? decoder.decode() : decoder.decode(chunk.value, { stream: true });
          for (const event of parser.feed(text, chunk.done)) {
            if (event.retry !== undefined) serverDelay = event.retry;
            if (event.id !== undefined) last = event.id;
            if (event.event === 'gap') {
              onGap?.(parseJson(event.data, 'gap event'));
            } else if (event.event === 'resume') {
              // The service ends the stream (its lifetime, or a reader too
              // slow for its queue) and asks for a reconnect from `last`.
              resumeAsked = true;
            } else if (event.event === 'message' && event.data !== undefined) {
              yield parseJson(event.data, 'message event');
              if (signal?.aborted) return;
            }
          }
          if (chunk.done) break;
        }
      } finally {
        signal?.removeEventListener('abort', abort);
        controller.abort();
        reader?.cancel().catch(() => {});
      }
      if (signal?.aborted) return;
      if (resumeAsked) continue;
      failures += 1;
      await sleep(backoff(reconnect, failures, serverDelay), signal);
    }
  }

  createKey(input, options = {}) {
    return this.#call('POST', '/v1/keys', { json: input, signal: options.signal });
  }

  listKeys(options = {}) {
    const { limit, cursor, signal } = options;
    return this.#call('GET', '/v1/keys', { query: { limit, cursor }, signal });
  }

  async deleteKey(tokenId, options = {}) {
    await this.#call('DELETE', `/v1/keys/${seg(tokenId, 'tokenId')}`, { signal: options.signal });
  }

  createPortalSession(cache, input = {}, options = {}) {
    return this.#call('POST', `/v1/caches/${seg(cache, 'cache')}/portal-sessions`, { json: input, signal: options.signal });
  }

  resealSecrets(options = {}) {
    const { limit, cursor, signal } = options;
    return this.#call('POST', '/v1/admin/reseal', { query: { limit, cursor }, signal });
  }

  // Every item of the paginated lists, a page at a time, following `cursor`.

  /** Every webhook of `cache`, by name. */
  iterateWebhooks(cache, options = {}) {
    return this.#pages((query) => this.listWebhooks(cache, query), 'webhooks', options);
  }

  /** Every attempt of the log (newest first), narrowed by `status`, `since`, `until`. */
  iterateAttempts(cache, name, options = {}) {
    return this.#pages((query) => this.listAttempts(cache, name, query), 'attempts', options);
  }

  /** Every message not delivered (oldest first). */
  iterateUndelivered(cache, name, options = {}) {
    return this.#pages((query) => this.listUndelivered(cache, name, query), 'messages', options);
  }

  /** Every API key. */
  iterateKeys(options = {}) {
    return this.#pages((query) => this.listKeys(query), 'keys', options);
  }

  async *#pages(list, field, options) {
    let cursor = options.cursor;
    for (;;) {
      const page = await list({ ...options, cursor });
      if (!Array.isArray(page?.[field])) throw new EdgehooksApiError('invalid_response', `the page has no ${field} list`, { status: 200 });
      yield* page[field];
      if (page.cursor === null || page.cursor === undefined) return;
      if (page.cursor === cursor) throw new EdgehooksApiError('invalid_response', 'the next page has the same cursor', { status: 200 });
      cursor = page.cursor;
    }
  }

  /**
   * One request: the parsed JSON answer (undefined for 204), or with `full`
   * `{ body, response }`; throws EdgehooksApiError for what is not a 2xx.
   */
  async #call(method, path, { query, json, body, headers = {}, signal, anonymous = false, full = false }) {
    let url = this.#base + path;
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries(query ?? {})) {
      if (value !== undefined && value !== null) search.set(key, String(value));
    }
    const queryString = String(search);
    if (queryString !== '') url += `?${queryString}`;
    const init = { method, headers: { accept: 'application/json', ...headers }, signal };
    if (!anonymous) init.headers.authorization = `Bearer ${this.#apiKey}`;
    if (json !== undefined) {
      init.body = JSON.stringify(json);
      init.headers['content-type'] = 'application/json';
    } else if (body !== undefined) {
      init.body = body;
    }
    let response;
    try {
      response = await this.#fetch(url, init);
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      throw new EdgehooksApiError('network_error', `${method} ${path}: ${error?.message ?? error}`, { cause: error });
    }
    if (!response.ok) throw await errorOf(response);
    let text;
    try {
      text = await response.text();
    } catch (error) {
      if (signal?.aborted) throw signal.reason ?? error;
      throw new EdgehooksApiError('network_error', `${method} ${path}: reading the response: ${error?.message ?? error}`, { status: response.status, cause: error });
    }
    let parsed;
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new EdgehooksApiError('invalid_response', `${method} ${path}: HTTP ${response.status} answered with a body that is not JSON`, { status: response.status, cause: error });
      }
    } else if (response.status !== 204) {
      throw new EdgehooksApiError('invalid_response', `${method} ${path}: HTTP ${response.status} answered with an empty body`, { status: response.status });
    }
    return full ? { body: parsed, response } : parsed;
  }
}

/** The error of a response that is not a 2xx, from its `{"error":{"code","message"}}` when it has one. */
async function errorOf(response) {
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  let text = '';
  try {
    text = await response.text();
  } catch {
    /* no body after all */
  }
  let error;
  try {
    error = JSON.parse(text)?.error;
  } catch {
    /* not JSON */
  }
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    return new EdgehooksApiError(error.code, error.message, { status: response.status, retryAfter });
  }
  const reason = response.statusText ? ` ${response.statusText}` : '';
  return new EdgehooksApiError('invalid_response', `HTTP ${response.status}${reason} without an edgehooks error body`, { status: response.status, retryAfter });
}

/** `Retry-After` in seconds (delta-seconds or an HTTP date), or undefined. */
function parseRetryAfter(value) {
  if (value === null || value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** Statuses a subscription retries: the server or something on the way is unwell. */
const transient = (status) => status === 408 || status === 425 || status === 429 || status >= 500;

function backoff({ initialDelayMs, maxDelayMs }, failures, serverDelay) {
  if (serverDelay !== undefined && failures <= 1) return serverDelay;
  const base = Math.min(maxDelayMs, initialDelayMs * 2 ** Math.max(0, failures - 1));
  // Up to 20% less, so reconnecting clients spread out.
  return Math.round(base * (0.8 + Math.random() * 0.2));
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function sleep(ms, signal) {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

function parseJson(text, what) {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new EdgehooksApiError('invalid_response', `the ${what} is not JSON`, { status: 200, cause: error });
  }
}

/** A path segment: any string, percent-encoded. */
function seg(value, name) {
  if (typeof value !== 'string' || value === '') throw new TypeError(`${name} must be a non-empty string`);
  return encodeURIComponent(value);
}

const webhookPath = (cache, name) => `/v1/caches/${seg(cache, 'cache')}/webhooks/${seg(name, 'name')}`;

/** `object` without its undefined values. */
function defined(object) {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined));
}

/** Adds a property that JSON and spreading leave out, so the body stays the API's. */
function hidden(object, name, value) {
  if (object && typeof object === 'object') Object.defineProperty(object, name, { value, enumerable: false });
}

/**
 * Server-Sent Events, as the HTML standard parses them: lines ended by
 * CRLF, LF or CR, `field: value`, comments, events dispatched at a blank
 * line.
 */
class EventStreamParser {
  #buffer = '';
  #first = true;
  #data = undefined;
  #event = '';
  #id = undefined;
  #retry = undefined;

  /** The events complete after `text`; `end` flushes a last line. */
  feed(text, end = false) {
    if (this.#first && text.length) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.#first = false;
    }
    this.#buffer += text;
    const events = [];
    let start = 0;
    for (;;) {
      const cr = this.#buffer.indexOf('\r', start);
      const lf = this.#buffer.indexOf('\n', start);
      if (cr === -1 && lf === -1) break;
      let endOfLine;
      let next;
      if (cr !== -1 && (lf === -1 || cr < lf)) {
        // A CR at the end may be the first half of a CRLF: wait for more.
        if (cr === this.#buffer.length - 1 && !end) break;
        endOfLine = cr;
        next = this.#buffer[cr + 1] === '\n' ? cr + 2 : cr + 1;
      } else {
        endOfLine = lf;
        next = lf + 1;
      }
      const event = this.#line(this.#buffer.slice(start, endOfLine));
      if (event) events.push(event);
      start = next;
    }
    this.#buffer = this.#buffer.slice(start);
    return events;
  }

  #line(line) {
    if (line === '') {
      const event = { id: this.#id, event: this.#event || 'message', data: this.#data, retry: this.#retry };
      this.#data = undefined;
      this.#event = '';
      this.#retry = undefined;
      return event.data === undefined && event.retry === undefined ? undefined : event;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    let value = colon === -1 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.#data = this.#data === undefined ? value : `${this.#data}\n${value}`;
    else if (field === 'event') this.#event = value;
    else if (field === 'id' && !value.includes('\0')) this.#id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.#retry = Number(value);
    return undefined;
  }
}
