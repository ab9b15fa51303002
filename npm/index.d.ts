/** A signing scheme. */
export type Scheme = 'standard' | 'standard-v1a' | 'momento' | 'github' | 'stripe' | 'commenda';

/**
 * Stable error codes of the core's `VerifyError`, shared by Rust, JS and the
 * edgehooks API (`invalid_envelope` is met only with
 * `envelopeToleranceSeconds`, for a signed body without a
 * `publish_timestamp`).
 */
export type ErrorCode =
  | 'missing_header'
  | 'invalid_header'
  | 'invalid_secret'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'invalid_signature'
  | 'payload_too_large'
  | 'invalid_scheme'
  | 'invalid_envelope';

export interface WebhookOptions {
  /** Default `'standard'`. */
  scheme?: Scheme;
  /** How far a signed timestamp may be from now, either way (default 300). */
  toleranceSeconds?: number;
  /**
   * How far the delivered envelope's `publish_timestamp` may be from now,
   * either way, in seconds, checked once the signature matched (replay
   * protection for `momento`, `github` and `commenda`, which sign no
   * timestamp). Absent or `null` (the default): not checked. A signed body
   * without a `publish_timestamp` is refused with `invalid_envelope`; an old
   * one with `timestamp_too_old`, one from the future with
   * `timestamp_too_new`. Retries and replays carry the original publish
   * time.
   */
  envelopeToleranceSeconds?: number | null;
  /** Largest body accepted (default 8 MiB). */
  maxBodyBytes?: number;
}

export interface VerifyOptions {
  /** The current time in unix seconds (default: the system clock). */
  now?: number;
}

/** Anything with a case-insensitive `get`, like Fetch `Headers`, or a plain object (Node's `req.headers`). */
export type HeadersLike =
  | { get(name: string): string | null; forEach(callback: (value: string, name: string) => void): void }
  | Record<string, string | string[] | undefined>;

/** Raw request body bytes, exactly as received. */
export type Body = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/** The body edgehooks delivers (times in ms since the epoch). */
export interface WebhookEventBase {
  cache: string;
  topic: string;
  event_timestamp: number;
  publish_timestamp: number;
  topic_sequence_number: number;
  /** Id of the API key that published, or "". */
  token_id: string;
}

/** A delivered message: `text`, or `bytes` (base64) when it is not UTF-8. */
export type WebhookEvent = WebhookEventBase & ({ text: string; bytes?: never } | { bytes: string; text?: never });

/** A request that failed verification. */
export class WebhookVerificationError extends Error {
  constructor(code: ErrorCode, message: string);
  readonly name: 'WebhookVerificationError';
  readonly code: ErrorCode;
}

export class Webhook {
  /**
   * @param secret the secret (`whsec_...`, a `whpk_`/`whsk_` key for `standard-v1a`,
   *   or the string secret of the other schemes), or several during a rotation.
   * @throws {WebhookVerificationError} `invalid_secret` or `invalid_scheme`
   * @throws {TypeError} for arguments of the wrong type
   */
  constructor(secret: string | string[], options?: WebhookOptions);

  /**
   * Verifies the raw body against the headers. Returns the parsed JSON body,
   * or the text if it is not JSON, or the bytes if they are not UTF-8.
   * @throws {WebhookVerificationError}
   */
  verify<T = WebhookEvent>(body: Body, headers: HeadersLike, options?: VerifyOptions): T;

  /** Signs a body; returns the scheme's headers (lowercase names). */
  sign(msgId: string, timestamp: number | Date, body: Body): Record<string, string>;
}

/**
 * Verifies a Fetch `Request`, reading its raw body once. A body over the
 * limit is refused by its `Content-Length` before it is read, or as soon as
 * the bytes read pass the limit.
 * @throws {WebhookVerificationError}
 */
export function verifyRequest<T = WebhookEvent>(
  request: Request,
  secret: string | string[] | Webhook,
  options?: WebhookOptions & VerifyOptions,
): Promise<T>;
