// The error class of the package. The WebAssembly core constructs it (the glue
// imports this file as `../errors.js`) with the core's own code and message,
// and the API exports it, so `instanceof` holds for what the core throws.

/** A request that failed verification; `code` is stable across Rust, JS and the API. */
export class WebhookVerificationError extends Error {
  /**
   * @param {string} code the stable code, e.g. `invalid_signature`
   * @param {string} message what went wrong, for people
   */
  constructor(code, message) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.code = code;
  }
}
