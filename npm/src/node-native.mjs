// Node's native HMAC (OpenSSL) for the Node entries: the core checks every
// request and compares the tags; this computes them, over the signed text
// (read in place in WebAssembly memory) and then the body, without joining
// them (a string body is hashed as its UTF-8, encoded by Node as it is read).
import { Buffer } from 'node:buffer';
import { createHmac, createSecretKey } from 'node:crypto';

/** The native HMAC over the module's `memory` (a `WebAssembly.Memory`). */
export function nodeMac(memory) {
  let view = new Uint8Array(memory.buffer);
  return {
    /** How many verifications took this path. */
    verifications: 0,
    /** How many of them were of a small body, verified whole in WebAssembly. */
    verifiedWhole: 0,
    /**
     * Bodies shorter than this (bytes, or UTF-16 units of a string) are
     * verified whole in WebAssembly, where the core's HMAC, keyed once per
     * webhook, hashes them faster than node:crypto sets up an HMAC.
     */
    smallBody: 1536,
    key: (bytes) => createSecretKey(bytes),
    byteLength: (text) => Buffer.byteLength(text, 'utf8'),
    /** The module's memory as bytes (a new view once it has grown). */
    memory() {
      if (view.byteLength === 0) view = new Uint8Array(memory.buffer);
      return view;
    },
    /** Writes each key's tag of `prefix` then `body` at `tagsAt` of `memory`. */
    macs(hash, keys, prefix, body, memory, tagsAt) {
      for (let i = 0; i < keys.length; i++) {
        memory.set(createHmac(hash, keys[i]).update(prefix).update(body).digest(), tagsAt + 32 * i);
      }
    },
  };
}
