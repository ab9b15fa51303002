// Momento's `WebhookUtils.validateWebhookRequest`, on the package's own
// `Webhook` (the Rust core): HMAC-SHA3-256 of the body compared in constant
// time, the body as a string or as bytes, nothing logged.

/** What `validateWebhookRequest` returns (Momento's values). */
export const RequestValidation = Object.freeze({ VALID: 'valid', INVALID: 'invalid' });

/** `WebhookUtils` over a runtime's `Webhook` class. */
export function webhookUtils(Webhook) {
  // The last secret's parsed key, reused while it stays the same (a
  // receiver validates every request with one secret).
  let last;

  /**
   * `'valid'` when `signature` (the `momento-signature` header) is the
   * webhook's signature of `body` (the raw body: a string or bytes) with
   * `signingSecret`; `'invalid'` otherwise, a missing signature included.
   * `envelopeToleranceSeconds` (edgehooks' addition) also refuses a body
   * whose `publish_timestamp` is further than that from now.
   * @throws {TypeError} when `signingSecret` is not a string or `body` neither a string nor bytes
   */
  function validateWebhookRequest(props) {
    if (props === null || typeof props !== 'object') throw new TypeError('validateWebhookRequest takes { body, signature, signingSecret }');
    const { body, signature, signingSecret, envelopeToleranceSeconds } = props;
    if (typeof signingSecret !== 'string') throw new TypeError('signingSecret must be a string');
    if (typeof body !== 'string' && !ArrayBuffer.isView(body) && !(body instanceof ArrayBuffer)) {
      throw new TypeError('body must be the raw body: a string, Uint8Array (Buffer) or ArrayBuffer');
    }
    if (typeof signature !== 'string') return RequestValidation.INVALID;
    let webhook;
    try {
      if (last?.secret !== signingSecret || last?.tolerance !== envelopeToleranceSeconds) {
        last = undefined;
        last = { secret: signingSecret, tolerance: envelopeToleranceSeconds, webhook: new Webhook(signingSecret, { scheme: 'momento', envelopeToleranceSeconds }) };
      }
      webhook = last.webhook;
    } catch (error) {
      // A secret the scheme cannot use (empty) validates nothing.
      if (error instanceof TypeError) throw error;
      return RequestValidation.INVALID;
    }
    try {
      webhook.verify(body, { 'momento-signature': signature });
      return RequestValidation.VALID;
    } catch (error) {
      if (error instanceof TypeError) throw error;
      return RequestValidation.INVALID;
    }
  }

  return { WebhookUtils: Object.freeze({ validateWebhookRequest, RequestValidation }) };
}
