// Node's native (SIMD) UTF-8 check and decoder, shared by both Node entries.
import { Buffer, isUtf8 } from 'node:buffer';

/** The text of UTF-8 bytes, or `undefined` if they are not UTF-8. */
export function decodeNode(bytes) {
  if (!isUtf8(bytes)) return undefined;
  return (Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).toString('utf8');
}
