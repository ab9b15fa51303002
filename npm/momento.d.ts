/**
 * `edgehooks/momento`: the webhook and topic calls of `@gomomento/sdk`'s
 * `TopicClient` against an edgehooks deployment, with the same response
 * objects, and Momento's `WebhookUtils.validateWebhookRequest`.
 */

/** Momento's error codes (some names share a value, as in Momento's SDK). */
export declare const MomentoErrorCode: {
  readonly INVALID_ARGUMENT_ERROR: 'INVALID_ARGUMENT_ERROR';
  readonly UNKNOWN_SERVICE_ERROR: 'UNKNOWN_SERVICE_ERROR';
  readonly CACHE_ALREADY_EXISTS_ERROR: 'ALREADY_EXISTS_ERROR';
  readonly ALREADY_EXISTS_ERROR: 'ALREADY_EXISTS_ERROR';
  readonly STORE_ALREADY_EXISTS_ERROR: 'ALREADY_EXISTS_ERROR';
  readonly CACHE_NOT_FOUND_ERROR: 'NOT_FOUND_ERROR';
  readonly NOT_FOUND_ERROR: 'NOT_FOUND_ERROR';
  readonly STORE_NOT_FOUND_ERROR: 'STORE_NOT_FOUND_ERROR';
  readonly STORE_ITEM_NOT_FOUND_ERROR: 'STORE_ITEM_NOT_FOUND_ERROR';
  readonly FUNCTION_NOT_FOUND_ERROR: 'FUNCTION_NOT_FOUND_ERROR';
  readonly INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR';
  readonly PERMISSION_ERROR: 'PERMISSION_ERROR';
  readonly AUTHENTICATION_ERROR: 'AUTHENTICATION_ERROR';
  readonly CANCELLED_ERROR: 'CANCELLED_ERROR';
  readonly CONNECTION_ERROR: 'CONNECTION_ERROR';
  readonly LIMIT_EXCEEDED_ERROR: 'LIMIT_EXCEEDED_ERROR';
  readonly BAD_REQUEST_ERROR: 'BAD_REQUEST_ERROR';
  readonly TIMEOUT_ERROR: 'TIMEOUT_ERROR';
  readonly SERVER_UNAVAILABLE: 'SERVER_UNAVAILABLE';
  readonly CLIENT_RESOURCE_EXHAUSTED: 'CLIENT_RESOURCE_EXHAUSTED';
  readonly FAILED_PRECONDITION_ERROR: 'FAILED_PRECONDITION_ERROR';
  readonly UNKNOWN_ERROR: 'UNKNOWN_ERROR';
};
export type MomentoErrorCode = (typeof MomentoErrorCode)[keyof typeof MomentoErrorCode];

/** Why a call failed: a response's `innerException()`. */
export declare class SdkError extends Error {
  constructor(errorCode: MomentoErrorCode, message: string, details?: { apiCode?: string; status?: number; cause?: unknown });
  /** The `MomentoErrorCode`. */
  errorCode(): MomentoErrorCode;
  /** What the code means, then the message. */
  wrappedErrorMessage(): string;
  /** The edgehooks API's code (e.g. `not_found`); `undefined` when no answer came or the client refused the call. */
  readonly apiCode: string | undefined;
  /** The HTTP status; 0 when no answer came. */
  readonly status: number;
}

/** What every failed call resolves to. */
declare abstract class ResponseError {
  /** The `MomentoErrorCode`. */
  errorCode(): MomentoErrorCode;
  /** What the code means, then what edgehooks said. */
  message(): string;
  /** The `SdkError`, to throw or inspect. */
  innerException(): SdkError;
  toString(): string;
}

declare abstract class ResponseSuccess {
  readonly is_success: boolean;
  toString(): string;
}

export declare enum PutWebhookResponse {
  Success = 'Success',
  Error = 'Error',
}
export declare enum ListWebhooksResponse {
  Success = 'Success',
  Error = 'Error',
}
export declare enum DeleteWebhookResponse {
  Success = 'Success',
  Error = 'Error',
}
export declare enum GetWebhookSecretResponse {
  Success = 'Success',
  Error = 'Error',
}
export declare enum RotateWebhookSecretResponse {
  Success = 'Success',
  Error = 'Error',
}
export declare enum TopicPublishResponse {
  Success = 'Success',
  Error = 'Error',
}
export declare enum TopicSubscribeResponse {
  Subscription = 'Subscription',
  Error = 'Error',
}

export declare enum WebhookDestinationType {
  PostUrl = 'post_url',
}

/** Where a webhook POSTs (Momento's class). */
export declare class PostUrlWebhookDestination {
  constructor(url: string);
  readonly _url: string;
  readonly type: WebhookDestinationType.PostUrl;
  url(): string;
  getType(): WebhookDestinationType.PostUrl;
}
export type WebhookDestination = PostUrlWebhookDestination;

export interface WebhookId {
  cacheName: string;
  webhookName: string;
}

/** A webhook as Momento describes it (edgehooks' first topic as `topicName`). */
export interface Webhook {
  id: WebhookId;
  destination: WebhookDestination;
  topicName: string;
}

export interface PutWebhookCallOptions {
  /** The URL the webhook POSTs to: a string, `{ url }`, or a `PostUrlWebhookDestination`. */
  destination: string | { url: string } | WebhookDestination;
  /** The topic whose messages it receives. */
  topicName: string;
}

export declare namespace PutWebhook {
  class Success extends ResponseSuccess {
    readonly type: PutWebhookResponse.Success;
    constructor(secretString: string);
    /** The webhook's signing secret. */
    secretString(): string;
  }
  class Error extends ResponseError {
    readonly type: PutWebhookResponse.Error;
    constructor(error: SdkError);
  }
  type Response = Success | Error;
}

export declare namespace ListWebhooks {
  class Success extends ResponseSuccess {
    readonly type: ListWebhooksResponse.Success;
    constructor(webhooks: Webhook[]);
    getWebhooks(): Webhook[];
  }
  class Error extends ResponseError {
    readonly type: ListWebhooksResponse.Error;
    constructor(error: SdkError);
  }
  type Response = Success | Error;
}

export declare namespace DeleteWebhook {
  class Success extends ResponseSuccess {
    readonly type: DeleteWebhookResponse.Success;
  }
  class Error extends ResponseError {
    readonly type: DeleteWebhookResponse.Error;
    constructor(error: SdkError);
  }
  type Response = Success | Error;
}

interface SecretProps {
  secret: string;
  cacheName: string;
  webhookName: string;
}

export declare namespace GetWebhookSecret {
  class Success extends ResponseSuccess {
    readonly type: GetWebhookSecretResponse.Success;
    constructor(props: SecretProps);
    secret(): string;
    webhookName(): string;
    cacheName(): string;
  }
  class Error extends ResponseError {
    readonly type: GetWebhookSecretResponse.Error;
    constructor(error: SdkError);
  }
  type Response = Success | Error;
}

export declare namespace RotateWebhookSecret {
  class Success extends ResponseSuccess {
    readonly type: RotateWebhookSecretResponse.Success;
    constructor(props: SecretProps);
    secret(): string;
    webhookName(): string;
    cacheName(): string;
  }
  class Error extends ResponseError {
    readonly type: RotateWebhookSecretResponse.Error;
    constructor(error: SdkError);
  }
  type Response = Success | Error;
}

export declare namespace TopicPublish {
  class Success extends ResponseSuccess {
    readonly type: TopicPublishResponse.Success;
  }
  class Error extends ResponseError {
    readonly type: TopicPublishResponse.Error;
    constructor(error: SdkError);
  }
  type Response = Success | Error;
}

export declare namespace TopicSubscribe {
  class Subscription {
    readonly type: TopicSubscribeResponse.Subscription;
    /** Ends the subscription: no more callbacks but `onSubscriptionEnd`. */
    unsubscribe(): void;
    get isSubscribed(): boolean;
    get is_subscribed(): boolean;
    toString(): string;
  }
  class Error extends ResponseError {
    readonly type: TopicSubscribeResponse.Error;
    constructor(error: SdkError);
  }
  type Response = Subscription | Error;
}

/** A message received on a topic. */
export declare class TopicItem {
  constructor(value: string | Uint8Array, sequenceNumber: number, options?: { tokenId?: string });
  /** A string, or a `Uint8Array` for a message that is not UTF-8. */
  value(): string | Uint8Array;
  valueString(): string;
  valueUint8Array(): Uint8Array;
  /** The id of the API key that published, when it had one. */
  tokenId(): string | undefined;
  sequenceNumber(): number;
  toString(): string;
}

/** Messages a subscription missed (older than the topic's buffer). */
export declare class TopicDiscontinuity {
  constructor(lastSequenceNumber: number, newSequenceNumber: number, newSequencePage?: number);
  lastSequenceNumber(): number;
  newSequenceNumber(): number;
  newSequencePage(): number;
  toString(): string;
}

/** The stream is alive. */
export declare class TopicHeartbeat {
  toString(): string;
}

export interface SubscribeCallOptions {
  onItem?: (item: TopicItem) => void;
  /** An error the subscription cannot get past (it is over): a refused key, a deleted topic's cache... */
  onError?: (error: TopicSubscribe.Error, subscription: TopicSubscribe.Subscription) => void;
  onDiscontinuity?: (discontinuity: TopicDiscontinuity) => void;
  onHeartbeat?: (heartbeat: TopicHeartbeat) => void;
  /** The stream broke or ended; it is opened again after the last message received. */
  onConnectionLost?: () => void;
  /** The subscription is over (unsubscribed, or after `onError`). */
  onSubscriptionEnd?: () => void;
}

export interface TopicClientProps {
  /** The URL of the edgehooks deployment, e.g. `https://edgehooks.example.com`. */
  endpoint: string | URL;
  /** An API key (the admin key, or an issued key with `manage`, `publish` and `subscribe` as the calls need). */
  apiKey: string;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** How long a call waits for an answer before `TIMEOUT_ERROR` (default 60000). */
  requestTimeoutMs?: number;
  /** The pause before a broken subscription is opened again: doubling from `initialDelayMs` (500) to `maxDelayMs` (30000). */
  reconnect?: { initialDelayMs?: number; maxDelayMs?: number };
}

/** Momento's TopicClient, for an edgehooks deployment. Calls resolve to responses; they never reject. */
export declare class TopicClient {
  /** @throws {TypeError} for an endpoint or key that cannot be used */
  constructor(props: TopicClientProps);
  /** Creates or replaces a webhook (scheme `momento`). */
  putWebhook(cacheName: string, webhookName: string, options: PutWebhookCallOptions): Promise<PutWebhook.Response>;
  listWebhooks(cacheName: string): Promise<ListWebhooks.Response>;
  deleteWebhook(cacheName: string, webhookName: string): Promise<DeleteWebhook.Response>;
  getWebhookSecret(cacheName: string, webhookName: string): Promise<GetWebhookSecret.Response>;
  rotateWebhookSecret(cacheName: string, webhookName: string): Promise<RotateWebhookSecret.Response>;
  publish(cacheName: string, topicName: string, value: string | Uint8Array): Promise<TopicPublish.Response>;
  subscribe(cacheName: string, topicName: string, options?: SubscribeCallOptions): Promise<TopicSubscribe.Response>;
}

export declare enum RequestValidation {
  VALID = 'valid',
  INVALID = 'invalid',
}

export interface ValidateWebhookRequestProps {
  /** The raw body, exactly as received: a string or bytes (never re-serialised JSON). */
  body: string | Uint8Array | ArrayBuffer | ArrayBufferView;
  /** The `momento-signature` header (absent, or given several times: INVALID). */
  signature: string | string[] | undefined | null;
  /** The webhook's secret (`secretString()` of putWebhook, `secret()` of getWebhookSecret). */
  signingSecret: string;
  /**
   * edgehooks' addition: INVALID too when the body's `publish_timestamp` is
   * further than this from now, either way (absent: not checked).
   */
  envelopeToleranceSeconds?: number | null;
}

export declare const WebhookUtils: {
  /**
   * Checks the signature of a webhook request in constant time, logging nothing.
   * @throws {TypeError} when `signingSecret` is not a string or `body` neither a string nor bytes
   */
  validateWebhookRequest(props: ValidateWebhookRequestProps): RequestValidation;
  readonly RequestValidation: typeof RequestValidation;
};
