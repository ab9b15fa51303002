// What a subscription hands to its callbacks, as Momento's classes.

/** A message received on a topic: its value (text, or bytes), sequence number and publisher's token id. */
export class TopicItem {
  #value;
  #sequenceNumber;
  #tokenId;

  constructor(value, sequenceNumber, options = {}) {
    this.#value = value;
    this.#sequenceNumber = sequenceNumber;
    this.#tokenId = options.tokenId;
  }

  /** The message: a string, or a `Uint8Array` for bytes that are not UTF-8. */
  value() {
    return this.#value;
  }

  valueString() {
    return typeof this.#value === 'string' ? this.#value : new TextDecoder().decode(this.#value);
  }

  valueUint8Array() {
    return typeof this.#value === 'string' ? new TextEncoder().encode(this.#value) : this.#value;
  }

  /** The id of the API key that published, when it had one. */
  tokenId() {
    return this.#tokenId;
  }

  /** The message's number in its topic. */
  sequenceNumber() {
    return this.#sequenceNumber;
  }

  toString() {
    const text = this.valueString();
    const shown = text.length > 32 ? `${text.slice(0, 32)}...` : text;
    return `${this.constructor.name}: ${shown}${this.#tokenId === undefined ? '' : `; Token Id: ${this.#tokenId}`}`;
  }
}

/** Messages a subscription missed: after `lastSequenceNumber()`, it resumes at `newSequenceNumber()`. */
export class TopicDiscontinuity {
  #last;
  #next;
  #page;

  constructor(lastSequenceNumber, newSequenceNumber, newSequencePage = 0) {
    this.#last = lastSequenceNumber;
    this.#next = newSequenceNumber;
    this.#page = newSequencePage;
  }

  lastSequenceNumber() {
    return this.#last;
  }

  newSequenceNumber() {
    return this.#next;
  }

  newSequencePage() {
    return this.#page;
  }

  toString() {
    return `${this.constructor.name}: ${this.#last} to ${this.#next}`;
  }
}

/** The stream is alive (edgehooks sends one when a subscription opens). */
export class TopicHeartbeat {
  toString() {
    return this.constructor.name;
  }
}

/**
 * The `TopicItem` of a delivery envelope (`{"topic_sequence_number", "token_id",
 * "text" | "bytes"}`); `undefined` for anything else.
 */
export function itemOfEnvelope(data) {
  let envelope;
  try {
    envelope = JSON.parse(data);
  } catch {
    return undefined;
  }
  const sequence = envelope?.topic_sequence_number;
  if (typeof sequence !== 'number') return undefined;
  let value;
  if (typeof envelope.text === 'string') value = envelope.text;
  else if (typeof envelope.bytes === 'string') value = base64Bytes(envelope.bytes);
  if (value === undefined) return undefined;
  const tokenId = typeof envelope.token_id === 'string' && envelope.token_id !== '' ? envelope.token_id : undefined;
  return new TopicItem(value, sequence, { tokenId });
}

/** Bytes of standard base64 (`atob` is in every runtime this package supports). */
function base64Bytes(encoded) {
  try {
    const binary = atob(encoded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
    return bytes;
  } catch {
    return undefined;
  }
}
