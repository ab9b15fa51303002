// The JavaScript API of edgehooks over the WebAssembly core. Every rule
// (schemes, defaults, parsing, tolerance, limits, error codes and messages)
// is the core's; this file converts JS values. The core throws its errors
// itself, already as `WebhookVerificationError`s (or `TypeError`s), so they
// pass through untouched. Each runtime's entry instantiates the module its
// own way and builds the API from it, so the exports exist only once it is
// ready (which keeps `sideEffects: false` safe for bundlers).
import { WebhookVerificationError } from './errors.js';

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/** The text of UTF-8 bytes, or `undefined` if they are not UTF-8 (portable). */
export function decodeUtf8(bytes) {
  try {
    return strictDecoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** A non-negative finite number, or `fallback` when absent; else a TypeError. */
function nonNegative(value, name, fallback) {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new TypeError(`${name} must be a non-negative number`);
  }
  return value;
}

/** The body as bytes, without copying what is already bytes. */
function bodyBytes(body) {
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  throw new TypeError('body must be a string, Uint8Array, ArrayBuffer or ArrayBufferView');
}

/** `[name, value, ...]` of just the headers the scheme reads. */
function pickHeaders(headers, names) {
  if (headers === null || typeof headers !== 'object') {
    throw new TypeError('headers must be a plain object or a Fetch Headers');
  }
  const picked = [];
  if (typeof headers.get === 'function' && typeof headers.forEach === 'function') {
    for (const name of names) {
      const value = headers.get(name);
      if (value !== null && value !== undefined) picked.push(name, String(value));
    }
    return picked;
  }
  for (const key of Object.keys(headers)) {
    const name = key.toLowerCase();
    if (!names.includes(name)) continue;
    const value = headers[key];
    if (value === undefined || value === null) continue;
    // A header given several times (an array, as in Node's `headersDistinct`)
    // is combined as HTTP combines repeated lines, which is what Fetch
    // `Headers.get` and Node's `req.headers` hand over for it.
    picked.push(name, Array.isArray(value) ? value.join(', ') : String(value));
  }
  return picked;
}

/**
 * The same headers as `pickHeaders`, as one string: names and values joined
 * with "\n" (what the core's `prepareMac` reads), or `undefined` when a
 * value holds a "\n" (never in HTTP) or there are more headers than names
 * (such requests take `verifyBytes`).
 */
function joinHeaders(headers, names) {
  if (headers === null || typeof headers !== 'object') {
    throw new TypeError('headers must be a plain object or a Fetch Headers');
  }
  let joined = '';
  let count = 0;
  const add = (name, value) => {
    // The core reads at most as many headers as the scheme names; a request
    // spelling one several ways (a plain object's keys) takes `verifyBytes`.
    if (value.includes('\n') || ++count > names.length) return false;
    joined = joined === '' ? `${name}\n${value}` : `${joined}\n${name}\n${value}`;
    return true;
  };
  if (typeof headers.get === 'function' && typeof headers.forEach === 'function') {
    for (const name of names) {
      const value = headers.get(name);
      if (value !== null && value !== undefined && !add(name, String(value))) return undefined;
    }
    return joined;
  }
  for (const key of Object.keys(headers)) {
    const name = key.toLowerCase();
    if (!names.includes(name)) continue;
    const value = headers[key];
    if (value === undefined || value === null) continue;
    if (!add(name, Array.isArray(value) ? value.join(', ') : String(value))) return undefined;
  }
  return joined;
}

/** The payload: parsed JSON, else the text. */
function payloadOf(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * The whole body of a Fetch `Request`, refused by `check(length)` as soon as
 * it is known to be too large: by its `Content-Length` before anything is
 * read, else as the chunks arrive, so it never sits whole in memory.
 */
async function readBody(request, check) {
  const declared = request.headers.get('content-length');
  if (declared !== null && /^[0-9]+$/.test(declared)) check(Number(declared));
  if (!request.body) return new Uint8Array(await request.arrayBuffer());
  const reader = request.body.getReader();
  const chunks = [];
  let length = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    length += value.byteLength;
    try {
      check(length);
    } catch (error) {
      await reader.cancel().catch(() => {});
      throw error;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(length);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/**
 * Builds the API over an initialised `WebhookCore` class. `decode` turns
 * bytes into text or `undefined` when they are not UTF-8; Node's entries pass
 * a native one. `native`, given by Node's entries, computes the HMAC tags
 * natively: `{ key(bytes), macs(hash, keys, prefix, body, memory, tagsAt),
 * byteLength(text), memory(), verifications }`. The core still decides
 * everything else: it checks the size, headers, timestamp and candidates
 * first (`prepareMac`, reading the headers from its scratch area in
 * WebAssembly memory), writes the text signed before the body there, and
 * compares the tags written beside it in constant time (`finishMac`).
 */
export function createApi(WebhookCore, decode = decodeUtf8, native = undefined) {
  /** Refuses `length` bytes for `webhook` with the core's `payload_too_large`; set below. */
  let checkBodySize;

  /** Verifies and signs webhook requests for one scheme and its secrets. */
  class Webhook {
    #core;
    #headerNames;
    /** The hash and keys of the native HMAC, when it computes the tags. */
    #hash;
    #keys;
    #checksEnvelope;
    #bodyLimit;
    /** Where the native path and the core exchange bytes: `{ at, headerBytes, prefixAt, tagsAt, bodyAt, bodyRoom }`. */
    #scratch;

    static {
      checkBodySize = (webhook, length) => webhook.#core.checkBodySize(length);
    }

    constructor(secret, options = {}) {
      const secrets = Array.isArray(secret) ? secret : [secret];
      if (!secrets.every((s) => typeof s === 'string')) {
        throw new TypeError('secret must be a string or an array of strings');
      }
      if (options === null || typeof options !== 'object') throw new TypeError('options must be an object');
      const { scheme } = options;
      if (scheme !== undefined && typeof scheme !== 'string') throw new TypeError('scheme must be a string');
      const tolerance = nonNegative(options.toleranceSeconds, 'toleranceSeconds', undefined);
      // `null` turns the envelope check off, as leaving it out does.
      const envelopeTolerance = nonNegative(options.envelopeToleranceSeconds ?? undefined, 'envelopeToleranceSeconds', undefined);
      const maxBodyBytes = nonNegative(options.maxBodyBytes, 'maxBodyBytes', undefined);
      // What is absent (scheme, limits) takes the core's default.
      this.#core = new WebhookCore(scheme, secrets, tolerance, envelopeTolerance, maxBodyBytes);
      this.#headerNames = this.#core.headerNames();
      this.#hash = native ? this.#core.macHash() : undefined;
      if (this.#hash !== undefined) {
        this.#keys = [];
        for (let i = 0; i < this.#core.macKeyCount(); i++) this.#keys.push(native.key(this.#core.macKey(i)));
        this.#checksEnvelope = this.#core.checksEnvelope();
        this.#bodyLimit = this.#core.bodyLimit();
        const [at, headerBytes, prefixAt, tagsAt, bodyAt, bodyRoom] = this.#core.macScratch();
        this.#scratch = { at, headerBytes, prefixAt, tagsAt, bodyAt, bodyRoom };
      }
    }

    /**
     * `verify` on the native path: the same checks, in the core, with no
     * copy of the headers or body through JS strings. A small body is
     * verified whole in WebAssembly (setting up a node:crypto HMAC costs
     * more than hashing it there); a larger one has its tags computed
     * natively. Returns `undefined`, having checked nothing, when the
     * headers do not fit in the scratch area (the caller takes the general
     * path).
     */
    #verifyNative(body, joined, now) {
      const scratch = this.#scratch;
      const memory = native.memory();
      const { read, written } = encoder.encodeInto(joined, memory.subarray(scratch.at, scratch.at + scratch.headerBytes));
      if (read < joined.length) return undefined;
      const bytes = typeof body === 'string' ? undefined : bodyBytes(body);
      if (this.#writeSmallBody(body, bytes, memory)) {
        this.#core.verifyScratch(written, this.#smallBodyLength, now);
        native.verifiedWhole++;
      } else {
        this.#verifyWithNativeTags(body, bytes, written, now);
      }
      native.verifications++;
      if (bytes === undefined) return payloadOf(body);
      const text = decode(bytes);
      return text === undefined ? bytes : payloadOf(text);
    }

    /**
     * Verifies `body` (`bytes` unless a string) with `headersLength` bytes
     * of headers in the scratch area, the tags computed by node:crypto.
     */
    #verifyWithNativeTags(body, bytes, headersLength, now) {
      const core = this.#core;
      const scratch = this.#scratch;
      let length = bytes === undefined ? body.length : bytes.byteLength;
      // A string's UTF-8 form has 1 to 3 bytes per UTF-16 unit: while
      // three times its length is within the limit, its length gets the
      // same answer from the core's limit check as its UTF-8 length, which
      // is measured only past that.
      if (bytes === undefined && length * 3 > this.#bodyLimit) {
        core.checkBodySize(length);
        length = native.byteLength(body);
      }
      // Size, headers, timestamp, candidates: throws as verifyBytes would.
      const prefixLength = core.prepareMac(headersLength, length, now);
      if (prefixLength >= 0) {
        const memory = native.memory();
        const prefixAt = scratch.at + scratch.prefixAt;
        const prefix = memory.subarray(prefixAt, prefixAt + prefixLength);
        native.macs(this.#hash, this.#keys, prefix, bytes ?? body, memory, scratch.at + scratch.tagsAt);
      }
      // No candidate decoded: no tag can match, and the core says so.
      core.finishMac(prefixLength >= 0 ? this.#keys.length : 0);
      if (this.#checksEnvelope) core.checkEnvelope(bytes ?? encoder.encode(body), now);
    }

    /** The length of the body `#writeSmallBody` wrote. */
    #smallBodyLength = 0;

    /**
     * Writes `body` (`bytes` unless a string) into the scratch area when it
     * is small enough to verify whole in WebAssembly; returns whether it did.
     */
    #writeSmallBody(body, bytes, memory) {
      const scratch = this.#scratch;
      const at = scratch.at + scratch.bodyAt;
      if (bytes !== undefined) {
        if (bytes.byteLength >= native.smallBody || bytes.byteLength > scratch.bodyRoom) return false;
        memory.set(bytes, at);
        this.#smallBodyLength = bytes.byteLength;
        return true;
      }
      if (body.length >= native.smallBody) return false;
      const { read, written } = encoder.encodeInto(body, memory.subarray(at, at + scratch.bodyRoom));
      this.#smallBodyLength = written;
      return read === body.length;
    }

    /**
     * Verifies `body` (exactly as received) against `headers`; returns the
     * payload or throws a WebhookVerificationError.
     */
    verify(body, headers, options = {}) {
      const now = nonNegative(options?.now, 'now', Math.floor(Date.now() / 1000));
      if (this.#keys !== undefined) {
        const joined = joinHeaders(headers, this.#headerNames);
        const payload = joined === undefined ? undefined : this.#verifyNative(body, joined, now);
        if (payload !== undefined) return payload;
      }
      const picked = pickHeaders(headers, this.#headerNames);
      if (typeof body === 'string') {
        // A string's UTF-8 form is at least as long as the string: a string
        // that is too long is refused before it is encoded.
        this.#core.checkBodySize(body.length);
        // Native encoding, then one copy into WebAssembly memory.
        this.#core.verifyBytes(encoder.encode(body), picked, now);
        return payloadOf(body);
      }
      const bytes = bodyBytes(body);
      // Refused before it is copied into WebAssembly memory.
      this.#core.checkBodySize(bytes.byteLength);
      this.#core.verifyBytes(bytes, picked, now);
      const text = decode(bytes);
      return text === undefined ? bytes : payloadOf(text);
    }

    /** Signs `body` as message `msgId` at `timestamp` (unix seconds); returns the scheme's headers. */
    sign(msgId, timestamp, body) {
      if (typeof msgId !== 'string') throw new TypeError('msgId must be a string');
      const ts = timestamp instanceof Date ? Math.floor(timestamp.getTime() / 1000) : nonNegative(timestamp, 'timestamp');
      if (ts === undefined) throw new TypeError('timestamp must be unix seconds or a Date');
      const bytes = typeof body === 'string' ? encoder.encode(body) : bodyBytes(body);
      const flat = this.#core.sign(msgId, ts, bytes);
      const headers = {};
      for (let i = 0; i < flat.length; i += 2) headers[flat[i]] = flat[i + 1];
      return headers;
    }
  }

  /**
   * Verifies a Fetch `Request` (Workers, Deno, Bun, Node 18+): reads the raw
   * body once, never more than the limit, and returns the payload. `secret`
   * may be a `Webhook`.
   */
  async function verifyRequest(request, secret, options = {}) {
    const webhook = secret instanceof Webhook ? secret : new Webhook(secret, options);
    const body = await readBody(request, (length) => checkBodySize(webhook, length));
    return webhook.verify(body, request.headers, options);
  }

  return { Webhook, WebhookVerificationError, verifyRequest };
}
