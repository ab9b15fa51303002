// Types of `edgehooks/client`. The API's own types (schemas, queries,
// bodies, responses, error codes) are generated from the OpenAPI document
// into client-schema.d.ts; this file types the client around them.
import type * as Api from './client-schema.js';
import type { WebhookEvent } from './index.js';

export * from './client-schema.js';
export type { WebhookEvent } from './index.js';

/** Codes of failures that carry no API error: no response, or one the client cannot read. */
export type ClientErrorCode = 'network_error' | 'invalid_response';

/** Every `code` an `EdgehooksApiError` may have. */
export type EdgehooksErrorCode = Api.ApiErrorCode | ClientErrorCode;

/**
 * A call that did not succeed: the API's `{"error":{"code","message"}}`
 * (`status` its HTTP status), `network_error` (no response; `status` 0,
 * the reason in `cause`) or `invalid_response` (a response without that
 * body, or a body that is not what the API sends).
 */
export class EdgehooksApiError extends Error {
  constructor(code: EdgehooksErrorCode, message: string, details?: { status?: number; retryAfter?: number; cause?: unknown });
  readonly name: 'EdgehooksApiError';
  readonly code: EdgehooksErrorCode;
  /** The HTTP status; 0 when no response arrived. */
  readonly status: number;
  /** Seconds to wait before trying again, from the response's `Retry-After`, when it had one. */
  readonly retryAfter: number | undefined;
}

export interface EdgehooksClientOptions {
  /** The API's base URL, e.g. `http://127.0.0.1:8787` (a path prefix is kept). */
  url: string | URL;
  /** The admin key or an issued `ehk_` key; sent only in the `Authorization` header. */
  apiKey: string;
  /** The Fetch implementation (default: the global `fetch`). */
  fetch?: (input: string, init: RequestInit) => Promise<Response>;
}

/** What every call accepts. */
export interface RequestOptions {
  /** Aborts the call; it rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface PutWebhookOptions extends RequestOptions {
  /** Only create: a webhook of that name is refused with 412 `already_exists` (`If-None-Match: *`). */
  createOnly?: boolean;
}

/** `putWebhook`'s answer, and whether it created the webhook (201) or replaced it (200). */
export type PutWebhookResult = Api.PutWebhookResponse & {
  /** True when created (201), false when replaced (200). Not enumerable: JSON and spreading leave it out. */
  readonly created: boolean;
};

/**
 * A message to publish: a string (sent as `text/plain; charset=utf-8`),
 * bytes (`application/octet-stream`), a `Blob` (its type), or any other
 * JSON value (`application/json`).
 */
export type PublishMessage = string | ArrayBuffer | ArrayBufferView | Blob | number | boolean | null | object;

export interface PublishOptions extends RequestOptions {
  /**
   * Publishes once per key on this topic for 24 hours: a repeat gets the
   * first answer again (`idempotentReplayed`); another body or content
   * type with the key is refused (409 `idempotency_key_reused`).
   */
  idempotencyKey?: string;
  /** The content type sent, instead of the one chosen from the message. */
  contentType?: string;
}

/** `publish`'s answer, and whether it is an earlier call's answer given again. */
export type PublishResult = Api.Published & {
  /** True when the `Idempotency-Key` was used before: nothing was published. Not enumerable. */
  readonly idempotentReplayed: boolean;
};

/** Sequence numbers the topic no longer buffers, from a `gap` event after a reconnect. */
export interface SubscriptionGap {
  from: number;
  to: number;
}

export interface SubscribeOptions {
  /** Start after this sequence number (from the topic's buffer of recent messages). */
  lastEventId?: string | number;
  /** Ends the subscription: the iterator finishes. */
  signal?: AbortSignal;
  /** Delays between reconnections: from `initialDelayMs` (500), doubling to `maxDelayMs` (30000). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Told when messages were missed because the topic no longer buffers them. */
  onGap?: (gap: SubscriptionGap) => void;
  /** Told on every connection, with the `Last-Event-ID` it sent. */
  onOpen?: (connection: { lastEventId: string | undefined }) => void;
}

/** A client of the edgehooks HTTP API; one method per operation of the OpenAPI document, named by its `operationId`. */
export class EdgehooksClient {
  constructor(options: EdgehooksClientOptions);

  /** The API's base URL, without a trailing slash. */
  readonly url: string;

  /** The OpenAPI document (public: sent without the key). */
  getOpenApi(options?: RequestOptions): Promise<Api.GetOpenApiResponse>;

  /** A page of the cache's webhooks, by name; `cursor` is null on the last page. */
  listWebhooks(cache: string, options?: Api.ListWebhooksQuery & RequestOptions): Promise<Api.ListWebhooksResponse>;

  /** A webhook's configuration, status and statistics. */
  getWebhook(cache: string, name: string, options?: RequestOptions): Promise<Api.GetWebhookResponse>;

  /** Creates or replaces a webhook; `secretString` is what its receivers verify with. */
  putWebhook(cache: string, name: string, input: Api.WebhookInput, options?: PutWebhookOptions): Promise<PutWebhookResult>;

  /** Changes the given fields (not the scheme). */
  patchWebhook(cache: string, name: string, patch: Api.WebhookPatch, options?: RequestOptions): Promise<Api.PatchWebhookResponse>;

  /** Deletes a webhook; nothing more is sent to it. */
  deleteWebhook(cache: string, name: string, options?: RequestOptions): Promise<void>;

  /** The secret receivers verify with. */
  getWebhookSecret(cache: string, name: string, options?: RequestOptions): Promise<Api.GetWebhookSecretResponse>;

  /** A new secret (`secret`, or a generated one); the old one keeps signing for `graceSeconds`. */
  rotateWebhookSecret(cache: string, name: string, options?: Api.RotateWebhookSecretBody & RequestOptions): Promise<Api.RotateWebhookSecretResponse>;

  /** Sends a test event now and returns the attempt. */
  testWebhook(cache: string, name: string, options?: RequestOptions): Promise<Api.TestWebhookResponse>;

  /** A page of the attempt log, newest first. */
  listAttempts(cache: string, name: string, options?: Api.ListAttemptsQuery & RequestOptions): Promise<Api.ListAttemptsResponse>;

  /** Attempts delivered and failed, and latency percentiles, per UTC hour for the last `hours` (1 to 168, by default 168), oldest first. */
  getWebhookStatistics(cache: string, name: string, options?: Api.GetWebhookStatisticsQuery & RequestOptions): Promise<Api.GetWebhookStatisticsResponse>;

  /** A page of the messages not delivered, oldest first. */
  listUndelivered(cache: string, name: string, options?: Api.ListUndeliveredQuery & RequestOptions): Promise<Api.ListUndeliveredResponse>;

  /** Sends the messages published in a window again (those undelivered, or `status: 'all'`). */
  replayWebhook(cache: string, name: string, options?: Api.ReplayWebhookBody & RequestOptions): Promise<Api.ReplayWebhookResponse>;

  /** Publishes a message to a topic. */
  publish(cache: string, topic: string, message: PublishMessage, options?: PublishOptions): Promise<PublishResult>;

  /**
   * The topic's messages (delivery envelopes) as they are published. Resumes
   * by itself after a disconnect or a server error, with `Last-Event-ID`;
   * ends when `signal` aborts or the loop is left; throws `EdgehooksApiError`
   * when the API refuses (401, 403, 400).
   */
  subscribe(cache: string, topic: string, options?: SubscribeOptions): AsyncGenerator<WebhookEvent, void, undefined>;

  /** Creates an API key (admin key only); `key` is shown only here. */
  createKey(input: Api.KeyInput, options?: RequestOptions): Promise<Api.CreateKeyResponse>;

  /** A page of the API keys (admin key only). */
  listKeys(options?: Api.ListKeysQuery & RequestOptions): Promise<Api.ListKeysResponse>;

  /** Revokes an API key (admin key only). */
  deleteKey(tokenId: string, options?: RequestOptions): Promise<void>;

  /**
   * Starts a portal session for `cache` (admin key, or a key with `manage`
   * there): a token scoped to the cache (and `webhooks`), and the page's
   * `url` signed in with it, to hand to a customer or embed in a frame.
   */
  createPortalSession(cache: string, input?: Api.PortalSessionInput, options?: RequestOptions): Promise<Api.CreatePortalSessionResponse>;

  /**
   * Seals the secrets of the next webhooks (every cache, at most 20) again
   * with the current `SECRETS_KEY` (admin key only); call again with the
   * returned `cursor` until it is `null`.
   */
  resealSecrets(options?: Api.ResealSecretsQuery & RequestOptions): Promise<Api.ResealSecretsResponse>;

  /** Every webhook of the cache, by name, following the pages' cursors (`limit`: the page size). */
  iterateWebhooks(cache: string, options?: Api.ListWebhooksQuery & RequestOptions): AsyncGenerator<Api.Webhook, void, undefined>;

  /** Every attempt of the log, newest first, following the pages' cursors. */
  iterateAttempts(cache: string, name: string, options?: Api.ListAttemptsQuery & RequestOptions): AsyncGenerator<Api.Attempt, void, undefined>;

  /** Every message not delivered, oldest first, following the pages' cursors. */
  iterateUndelivered(cache: string, name: string, options?: Api.ListUndeliveredQuery & RequestOptions): AsyncGenerator<Api.UndeliveredMessage, void, undefined>;

  /** Every API key (admin key only), following the pages' cursors. */
  iterateKeys(options?: Api.ListKeysQuery & RequestOptions): AsyncGenerator<Api.Key, void, undefined>;
}
