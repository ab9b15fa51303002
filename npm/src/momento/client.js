// `TopicClient`: the webhook and topic calls of Momento's TopicClient over
// the edgehooks HTTP API, with Fetch only. Every call resolves to a response
// object (never rejects); the API key travels only in the Authorization
// header, never in a URL, a message or a property one can enumerate.
import { MomentoErrorCode, SdkError, apiError, asSdkError, invalidArgument, noAnswer } from './errors.js';
import { DeleteWebhook, GetWebhookSecret, ListWebhooks, PutWebhook, RotateWebhookSecret, TopicPublish, TopicSubscribe } from './responses.js';
import { subscribe } from './subscription.js';

/** Momento's `WebhookDestinationType`. */
export const WebhookDestinationType = Object.freeze({ PostUrl: 'post_url' });

/** A webhook's destination: the URL it POSTs to (Momento's class). */
export class PostUrlWebhookDestination {
  type = WebhookDestinationType.PostUrl;

  constructor(url) {
    this._url = url;
  }

  url() {
    return this._url;
  }

  getType() {
    return WebhookDestinationType.PostUrl;
  }
}

/** Largest page the API gives (`limit`). */
const PAGE = 100;
const DEFAULTS = { requestTimeoutMs: 60_000, reconnect: { initialDelayMs: 500, maxDelayMs: 30_000 } };

/** A name as one path segment; `.` and `..` would change the path, so they are refused. */
function segment(value, what) {
  if (typeof value !== 'string' || value === '') throw invalidArgument(`${what} must be a non-empty string`);
  if (value === '.' || value === '..') throw invalidArgument(`${what} must not be "." or ".."`);
  try {
    return encodeURIComponent(value);
  } catch {
    throw invalidArgument(`${what} must be well-formed Unicode`);
  }
}

/** The URL of a destination given as a string, `{ url }` or `{ url() }` (PostUrlWebhookDestination), or `{ postUrl }`. */
function destinationUrl(destination) {
  const url = typeof destination === 'string'
    ? destination
    : typeof destination?.url === 'function' ? destination.url() : destination?.url ?? destination?.postUrl;
  if (typeof url !== 'string' || url === '') throw invalidArgument('destination must be a URL string, { url } or a PostUrlWebhookDestination');
  return url;
}

/** Momento's Webhook object of an edgehooks webhook. */
function momentoWebhook(webhook, cacheName) {
  return {
    id: { cacheName: webhook.id?.cacheName ?? cacheName, webhookName: webhook.id?.webhookName },
    destination: new PostUrlWebhookDestination(webhook.destination?.postUrl),
    topicName: webhook.topicName ?? webhook.topics?.[0],
  };
}

/** Turns whatever `run` throws into the response `Failure` for it. */
async function answer(Failure, run) {
  try {
    return await run();
  } catch (error) {
    return new Failure(asSdkError(error));
  }
}

/**
 * Momento's TopicClient for an edgehooks deployment:
 * `new TopicClient({ endpoint: 'https://edgehooks.example.com', apiKey })`.
 */
export class TopicClient {
  #endpoint;
  #apiKey;
  #fetch;
  #timeoutMs;
  #reconnect;

  /**
   * @param {{ endpoint: string | URL, apiKey: string, fetch?: typeof fetch, requestTimeoutMs?: number,
   *   reconnect?: { initialDelayMs?: number, maxDelayMs?: number } }} props
   */
  constructor(props) {
    const { endpoint, apiKey, fetch: fetchImpl, requestTimeoutMs = DEFAULTS.requestTimeoutMs, reconnect = {} } = props ?? {};
    if (endpoint === undefined && (props?.configuration !== undefined || props?.credentialProvider !== undefined)) {
      throw new TypeError('edgehooks/momento: give new TopicClient({ endpoint, apiKey }), the URL of your edgehooks deployment and an API key, instead of configuration and credentialProvider');
    }
    if (typeof endpoint !== 'string' && !(endpoint instanceof URL)) throw new TypeError('endpoint must be the URL of an edgehooks deployment');
    const base = new URL(String(endpoint));
    if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError('endpoint must be an http: or https: URL');
    if (base.username || base.password) throw new TypeError('endpoint must not hold credentials: give apiKey');
    if (base.search || base.hash) throw new TypeError('endpoint must not have a query or fragment');
    if (typeof apiKey !== 'string' || apiKey === '') throw new TypeError('apiKey must be a non-empty string');
    if (fetchImpl !== undefined && typeof fetchImpl !== 'function') throw new TypeError('fetch must be a function');
    const positive = (value, name) => {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number of ms`);
      return value;
    };
    this.#endpoint = base.href.replace(/\/+$/, '');
    this.#apiKey = apiKey;
    // Called as a plain function: a runtime's fetch refuses another `this`.
    this.#fetch = fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
    this.#timeoutMs = positive(requestTimeoutMs, 'requestTimeoutMs');
    this.#reconnect = {
      initialDelayMs: positive(reconnect.initialDelayMs ?? DEFAULTS.reconnect.initialDelayMs, 'reconnect.initialDelayMs'),
      maxDelayMs: positive(reconnect.maxDelayMs ?? DEFAULTS.reconnect.maxDelayMs, 'reconnect.maxDelayMs'),
    };
  }

  /**
   * Sends one request. With `stream`, resolves to the Response once its
   * headers arrived (the body is the caller's to read); otherwise to
   * `{ status, text }`, the whole body. Rejects with an SdkError for no
   * answer within the timeout (which covers the body unless `stream`), or an
   * answer that is not a 2xx.
   */
  async #send(method, path, { body, contentType, headers = {}, signal, stream = false } = {}) {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    const cancel = () => controller.abort();
    signal?.addEventListener('abort', cancel, { once: true });
    const init = {
      method,
      headers: { authorization: `Bearer ${this.#apiKey}`, ...headers, ...(contentType ? { 'content-type': contentType } : {}) },
      body,
      // The API never redirects: a redirect is not followed with the key.
      redirect: 'manual',
      signal: controller.signal,
    };
    let response;
    let text;
    try {
      response = await this.#fetch(`${this.#endpoint}${path}`, init);
      if (stream && response.ok) return response;
      text = await response.text();
    } catch (error) {
      throw noAnswer(error, timedOut, this.#timeoutMs);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
    }
    if (!response.ok) {
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      throw apiError(response.status, json);
    }
    return { status: response.status, text };
  }

  /** Sends one request and resolves to its JSON body (`undefined` when empty). */
  async #call(method, path, options) {
    const { status, text } = await this.#send(method, path, options);
    if (text === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw new SdkError(MomentoErrorCode.UNKNOWN_SERVICE_ERROR, `HTTP ${status} with a body that is not JSON`, { status });
    }
  }

  #webhookPath(cacheName, webhookName) {
    return `/v1/caches/${segment(cacheName, 'cacheName')}/webhooks/${segment(webhookName, 'webhookName')}`;
  }

  /** Creates or replaces a webhook of the `momento` scheme on `topicName`; the response holds its secret. */
  putWebhook(cacheName, webhookName, options) {
    return answer(PutWebhook.Error, async () => {
      const path = this.#webhookPath(cacheName, webhookName);
      const { topicName, destination } = options ?? {};
      if (typeof topicName !== 'string' || topicName === '') throw invalidArgument('topicName must be a non-empty string');
      const input = { topicName, destination: { postUrl: destinationUrl(destination) }, scheme: 'momento' };
      const body = await this.#call('PUT', path, { body: JSON.stringify(input), contentType: 'application/json' });
      if (typeof body?.secretString !== 'string') throw new SdkError(MomentoErrorCode.UNKNOWN_SERVICE_ERROR, 'the answer has no secretString');
      return new PutWebhook.Success(body.secretString);
    });
  }

  /** Every webhook of a cache (all pages). */
  listWebhooks(cacheName) {
    return answer(ListWebhooks.Error, async () => {
      const base = `/v1/caches/${segment(cacheName, 'cacheName')}/webhooks?limit=${PAGE}`;
      const webhooks = [];
      const seen = new Set();
      for (let cursor = null; ;) {
        const page = await this.#call('GET', cursor === null ? base : `${base}&cursor=${encodeURIComponent(cursor)}`);
        if (!Array.isArray(page?.webhooks)) throw new SdkError(MomentoErrorCode.UNKNOWN_SERVICE_ERROR, 'the answer has no webhooks');
        for (const webhook of page.webhooks) webhooks.push(momentoWebhook(webhook, cacheName));
        cursor = typeof page.cursor === 'string' ? page.cursor : null;
        if (cursor === null) break;
        // A cursor given twice would never end.
        if (seen.has(cursor)) throw new SdkError(MomentoErrorCode.UNKNOWN_SERVICE_ERROR, 'the pages repeat');
        seen.add(cursor);
      }
      return new ListWebhooks.Success(webhooks);
    });
  }

  /** Deletes a webhook; nothing more is sent to it. */
  deleteWebhook(cacheName, webhookName) {
    return answer(DeleteWebhook.Error, async () => {
      await this.#call('DELETE', this.#webhookPath(cacheName, webhookName));
      return new DeleteWebhook.Success();
    });
  }

  /** The webhook's signing secret. */
  getWebhookSecret(cacheName, webhookName) {
    return answer(GetWebhookSecret.Error, async () => {
      const body = await this.#call('GET', `${this.#webhookPath(cacheName, webhookName)}/secret`);
      return new GetWebhookSecret.Success(this.#secretOf(body, cacheName, webhookName));
    });
  }

  /** A new signing secret; the old one stops signing at once (as Momento's). */
  rotateWebhookSecret(cacheName, webhookName) {
    return answer(RotateWebhookSecret.Error, async () => {
      const body = await this.#call('POST', `${this.#webhookPath(cacheName, webhookName)}/secret/rotate`);
      return new RotateWebhookSecret.Success(this.#secretOf(body, cacheName, webhookName));
    });
  }

  #secretOf(body, cacheName, webhookName) {
    if (typeof body?.secret !== 'string') throw new SdkError(MomentoErrorCode.UNKNOWN_SERVICE_ERROR, 'the answer has no secret');
    return { secret: body.secret, webhookName: body.webhookName ?? webhookName, cacheName: body.cacheName ?? cacheName };
  }

  /** Publishes `value` (a string, or bytes) to a topic. */
  publish(cacheName, topicName, value) {
    return answer(TopicPublish.Error, async () => {
      const path = `/v1/caches/${segment(cacheName, 'cacheName')}/topics/${segment(topicName, 'topicName')}`;
      let contentType;
      if (typeof value === 'string') contentType = 'text/plain; charset=utf-8';
      else if (value instanceof Uint8Array) contentType = 'application/octet-stream';
      else throw invalidArgument('value must be a string or a Uint8Array');
      await this.#call('POST', path, { body: value, contentType });
      return new TopicPublish.Success();
    });
  }

  /**
   * Subscribes to a topic: resolves to a `TopicSubscribe.Subscription` once
   * the stream is open, then `onItem` gets each message (a `TopicItem`).
   */
  async subscribe(cacheName, topicName, options = {}) {
    let path;
    let callbacks;
    try {
      path = `/v1/caches/${segment(cacheName, 'cacheName')}/topics/${segment(topicName, 'topicName')}/subscribe`;
      callbacks = {};
      for (const name of ['onItem', 'onError', 'onDiscontinuity', 'onHeartbeat', 'onConnectionLost', 'onSubscriptionEnd']) {
        const callback = options?.[name];
        if (callback !== undefined && typeof callback !== 'function') throw invalidArgument(`${name} must be a function`);
        callbacks[name] = callback ?? (() => {});
      }
    } catch (error) {
      return new TopicSubscribe.Error(asSdkError(error));
    }
    const open = (lastEventId, signal) => {
      const headers = { accept: 'text/event-stream' };
      if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
      return this.#send('GET', path, { headers, signal, stream: true });
    };
    return subscribe(open, callbacks, this.#reconnect);
  }
}
