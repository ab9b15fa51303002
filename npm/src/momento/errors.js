// Momento's error codes, and the errors of `edgehooks/momento`: what the
// edgehooks API answers (`{"error":{"code","message"}}`), or a failure to
// reach it, as the `MomentoErrorCode` a Momento program branches on.

/** Momento's `MomentoErrorCode`, with its values (aliases included). */
export const MomentoErrorCode = Object.freeze({
  INVALID_ARGUMENT_ERROR: 'INVALID_ARGUMENT_ERROR',
  UNKNOWN_SERVICE_ERROR: 'UNKNOWN_SERVICE_ERROR',
  CACHE_ALREADY_EXISTS_ERROR: 'ALREADY_EXISTS_ERROR',
  ALREADY_EXISTS_ERROR: 'ALREADY_EXISTS_ERROR',
  STORE_ALREADY_EXISTS_ERROR: 'ALREADY_EXISTS_ERROR',
  CACHE_NOT_FOUND_ERROR: 'NOT_FOUND_ERROR',
  NOT_FOUND_ERROR: 'NOT_FOUND_ERROR',
  STORE_NOT_FOUND_ERROR: 'STORE_NOT_FOUND_ERROR',
  STORE_ITEM_NOT_FOUND_ERROR: 'STORE_ITEM_NOT_FOUND_ERROR',
  FUNCTION_NOT_FOUND_ERROR: 'FUNCTION_NOT_FOUND_ERROR',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
  PERMISSION_ERROR: 'PERMISSION_ERROR',
  AUTHENTICATION_ERROR: 'AUTHENTICATION_ERROR',
  CANCELLED_ERROR: 'CANCELLED_ERROR',
  CONNECTION_ERROR: 'CONNECTION_ERROR',
  LIMIT_EXCEEDED_ERROR: 'LIMIT_EXCEEDED_ERROR',
  BAD_REQUEST_ERROR: 'BAD_REQUEST_ERROR',
  TIMEOUT_ERROR: 'TIMEOUT_ERROR',
  SERVER_UNAVAILABLE: 'SERVER_UNAVAILABLE',
  CLIENT_RESOURCE_EXHAUSTED: 'CLIENT_RESOURCE_EXHAUSTED',
  FAILED_PRECONDITION_ERROR: 'FAILED_PRECONDITION_ERROR',
  UNKNOWN_ERROR: 'UNKNOWN_ERROR',
});

const C = MomentoErrorCode;

/**
 * Every code of the API's `Error.code` (worker/openapi.json) and the
 * `MomentoErrorCode` it is reported as. A code missing here (a newer API)
 * is mapped by its HTTP status.
 */
export const API_ERROR_CODES = Object.freeze({
  invalid_name: C.INVALID_ARGUMENT_ERROR,
  invalid_url: C.INVALID_ARGUMENT_ERROR,
  url_not_allowed: C.INVALID_ARGUMENT_ERROR,
  invalid_timeout: C.INVALID_ARGUMENT_ERROR,
  invalid_topics: C.INVALID_ARGUMENT_ERROR,
  invalid_retry: C.INVALID_ARGUMENT_ERROR,
  invalid_description: C.INVALID_ARGUMENT_ERROR,
  invalid_secret: C.INVALID_ARGUMENT_ERROR,
  invalid_scheme: C.INVALID_ARGUMENT_ERROR,
  immutable_field: C.INVALID_ARGUMENT_ERROR,
  invalid_scope: C.INVALID_ARGUMENT_ERROR,
  invalid_grace_period: C.INVALID_ARGUMENT_ERROR,
  invalid_rate: C.INVALID_ARGUMENT_ERROR,
  invalid_ordering: C.INVALID_ARGUMENT_ERROR,
  invalid_auth: C.INVALID_ARGUMENT_ERROR,
  invalid_header_name: C.INVALID_ARGUMENT_ERROR,
  invalid_headers: C.INVALID_ARGUMENT_ERROR,
  // Momento reports an item or request over its size limit so.
  payload_too_large: C.LIMIT_EXCEEDED_ERROR,
  invalid_idempotency_key: C.INVALID_ARGUMENT_ERROR,
  idempotency_key_reused: C.ALREADY_EXISTS_ERROR,
  unauthorized: C.AUTHENTICATION_ERROR,
  forbidden: C.PERMISSION_ERROR,
  reserved_topic: C.PERMISSION_ERROR,
  not_found: C.NOT_FOUND_ERROR,
  method_not_allowed: C.BAD_REQUEST_ERROR,
  invalid_json: C.INVALID_ARGUMENT_ERROR,
  invalid_limit: C.INVALID_ARGUMENT_ERROR,
  invalid_cursor: C.INVALID_ARGUMENT_ERROR,
  invalid_hours: C.INVALID_ARGUMENT_ERROR,
  invalid_filter: C.INVALID_ARGUMENT_ERROR,
  invalid_replay: C.INVALID_ARGUMENT_ERROR,
  already_exists: C.ALREADY_EXISTS_ERROR,
  rate_limited: C.LIMIT_EXCEEDED_ERROR,
  quota_exceeded: C.LIMIT_EXCEEDED_ERROR,
  not_configured: C.INTERNAL_SERVER_ERROR,
  invalid_request: C.BAD_REQUEST_ERROR,
  internal_error: C.INTERNAL_SERVER_ERROR,
});

/** The code of an answer whose code is not in the table, by its status. */
function codeOfStatus(status) {
  if (status === 400 || status === 422) return C.INVALID_ARGUMENT_ERROR;
  if (status === 401) return C.AUTHENTICATION_ERROR;
  if (status === 403) return C.PERMISSION_ERROR;
  if (status === 404) return C.NOT_FOUND_ERROR;
  if (status === 409 || status === 412) return C.ALREADY_EXISTS_ERROR;
  if (status === 413 || status === 429) return C.LIMIT_EXCEEDED_ERROR;
  if (status === 502 || status === 503 || status === 504) return C.SERVER_UNAVAILABLE;
  if (status >= 500) return C.INTERNAL_SERVER_ERROR;
  return C.UNKNOWN_SERVICE_ERROR;
}

/** What each code means, before the specific message (Momento's `wrappedErrorMessage`). */
const WRAPPERS = {
  [C.INVALID_ARGUMENT_ERROR]: 'Invalid argument passed to the edgehooks client',
  [C.UNKNOWN_SERVICE_ERROR]: 'edgehooks answered in a way this client does not understand',
  [C.ALREADY_EXISTS_ERROR]: 'It already exists',
  [C.NOT_FOUND_ERROR]: 'Not found',
  [C.INTERNAL_SERVER_ERROR]: 'edgehooks failed to fulfil the request',
  [C.PERMISSION_ERROR]: "The API key's scope does not allow this operation",
  [C.AUTHENTICATION_ERROR]: 'Invalid API key for this edgehooks deployment',
  [C.CONNECTION_ERROR]: 'Could not reach edgehooks',
  [C.LIMIT_EXCEEDED_ERROR]: 'A limit of the edgehooks deployment was exceeded',
  [C.BAD_REQUEST_ERROR]: 'The request was invalid',
  [C.TIMEOUT_ERROR]: 'The request did not complete in time',
  [C.SERVER_UNAVAILABLE]: 'edgehooks is unavailable',
  [C.UNKNOWN_ERROR]: 'Unknown error',
};

/**
 * A failure of a call, as a response's `innerException()`: Momento's
 * `SdkError` (`errorCode()`, `wrappedErrorMessage()`), plus what edgehooks
 * said: `apiCode` (the API's code, e.g. `not_found`, or `undefined` when no
 * answer came) and `status` (the HTTP status, 0 without an answer).
 */
export class SdkError extends Error {
  #errorCode;

  constructor(errorCode, message, { apiCode, status = 0, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'SdkError';
    this.#errorCode = errorCode;
    this.apiCode = apiCode;
    this.status = status;
  }

  /** The `MomentoErrorCode`. */
  errorCode() {
    return this.#errorCode;
  }

  /** What the code means, then the message: what `message()` of a response gives. */
  wrappedErrorMessage() {
    return `${WRAPPERS[this.#errorCode] ?? WRAPPERS[C.UNKNOWN_ERROR]}: ${this.message}`;
  }
}

/** The error of an API answer that is not a success. */
export function apiError(status, body) {
  const error = body?.error;
  const apiCode = typeof error?.code === 'string' ? error.code : undefined;
  const message = typeof error?.message === 'string' ? error.message : `HTTP ${status}`;
  const code = (apiCode !== undefined && Object.hasOwn(API_ERROR_CODES, apiCode)) ? API_ERROR_CODES[apiCode] : codeOfStatus(status);
  return new SdkError(code, message, { apiCode, status });
}

/** An argument the client refuses before any request. */
export function invalidArgument(message) {
  return new SdkError(C.INVALID_ARGUMENT_ERROR, message);
}

/** A request that got no answer: the connection failed, or it timed out after `timeoutMs`. */
export function noAnswer(error, timedOut, timeoutMs) {
  if (timedOut) return new SdkError(C.TIMEOUT_ERROR, `no answer within ${timeoutMs} ms`, { cause: error });
  return new SdkError(C.CONNECTION_ERROR, String(error?.message ?? error), { cause: error });
}

/** Any failure as an `SdkError` (what is not one already is unexpected). */
export function asSdkError(error) {
  if (error instanceof SdkError) return error;
  return new SdkError(C.UNKNOWN_ERROR, String(error?.message ?? error), { cause: error });
}
