// Node's native HMAC (OpenSSL) for the Node entries: the core checks every
// request and compares the tags; this computes them, over the signed text
// and then the body, without joining them (a string body is hashed as its
// UTF-8, encoded by Node as it is read).
import { Buffer } from 'node:buffer';
import { createHmac } from 'node:crypto';

export const nativeMac = {
  /** How many verifications computed their tags here. */
  verifications: 0,
  key: (bytes) => Buffer.from(bytes),
  byteLength: (text) => Buffer.byteLength(text, 'utf8'),
  macs(hash, keys, prefix, body) {
    if (keys.length === 1) return createHmac(hash, keys[0]).update(prefix).update(body).digest();
    return Buffer.concat(keys.map((key) => createHmac(hash, key).update(prefix).update(body).digest()));
  },
};
