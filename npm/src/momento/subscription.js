// A topic subscription over the API's Server-Sent Events, as Momento's:
// the call resolves once the stream is open (or to an Error), then the
// callbacks get each message; a stream that ends or breaks is opened again
// after the last message seen (`Last-Event-ID`), with a growing pause while
// it keeps failing; an error that will not pass (a key refused, say)
// unsubscribes and goes to `onError`.
import { createParser } from 'eventsource-parser';
import { MomentoErrorCode, asSdkError } from './errors.js';
import { TopicSubscribe } from './responses.js';
import { TopicDiscontinuity, TopicHeartbeat, itemOfEnvelope } from './topic-item.js';

/** Errors a new connection may get past. */
const PASSING = new Set([
  MomentoErrorCode.CONNECTION_ERROR,
  MomentoErrorCode.TIMEOUT_ERROR,
  MomentoErrorCode.SERVER_UNAVAILABLE,
  MomentoErrorCode.INTERNAL_SERVER_ERROR,
  MomentoErrorCode.LIMIT_EXCEEDED_ERROR,
  MomentoErrorCode.UNKNOWN_SERVICE_ERROR,
]);

/** A stream open at least this long was healthy: the next opens at once. */
const HEALTHY_MS = 10_000;

/** Whether a subscription goes on, and the signal that ends its requests. */
class SubscriptionState {
  #controller = new AbortController();

  get isSubscribed() {
    return !this.#controller.signal.aborted;
  }

  get signal() {
    return this.#controller.signal;
  }

  unsubscribe() {
    this.#controller.abort();
  }
}

/**
 * Calls a user's callback; what it throws is rethrown on its own, as an
 * event listener's exception would be, and the subscription goes on.
 */
function notify(callback, ...args) {
  try {
    callback(...args);
  } catch (error) {
    queueMicrotask(() => {
      throw error;
    });
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms, signal) {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Opens a subscription with `open(lastEventId, signal)` (a Response whose
 * body is the event stream, or a rejection with an SdkError) and resolves to
 * a `TopicSubscribe.Subscription` or `TopicSubscribe.Error`.
 */
export async function subscribe(open, callbacks, { initialDelayMs, maxDelayMs }) {
  const state = new SubscriptionState();
  let response;
  try {
    response = await open(undefined, state.signal);
  } catch (error) {
    state.unsubscribe();
    return new TopicSubscribe.Error(asSdkError(error));
  }
  const subscription = new TopicSubscribe.Subscription(state);
  const position = { lastEventId: undefined };
  // Runs on its own; it never rejects.
  void (async () => {
    let delay = initialDelayMs;
    follow: for (;;) {
      const openedAt = Date.now();
      await read(response, state.signal, callbacks, position);
      if (!state.isSubscribed) break;
      notify(callbacks.onConnectionLost);
      let wait;
      if (Date.now() - openedAt >= HEALTHY_MS) {
        delay = initialDelayMs;
        wait = 0;
      } else {
        // Streams that keep ending early are opened less and less often.
        wait = delay;
        delay = Math.min(delay * 2, maxDelayMs);
      }
      for (;;) {
        await pause(wait, state.signal);
        if (!state.isSubscribed) break follow;
        try {
          response = await open(position.lastEventId, state.signal);
          break;
        } catch (error) {
          if (!state.isSubscribed) break follow;
          const failure = asSdkError(error);
          if (!PASSING.has(failure.errorCode())) {
            state.unsubscribe();
            notify(callbacks.onError, new TopicSubscribe.Error(failure), subscription);
            break follow;
          }
          wait = delay;
          delay = Math.min(delay * 2, maxDelayMs);
        }
      }
    }
    notify(callbacks.onSubscriptionEnd);
  })();
  return subscription;
}

/** Reads one event stream to its end (or until the subscription ends), handing out what it holds. */
async function read(response, signal, callbacks, position) {
  const parser = createParser({
    onEvent(event) {
      if (signal.aborted) return;
      if ((event.event ?? 'message') === 'message') {
        const item = itemOfEnvelope(event.data);
        if (item === undefined) return;
        if (event.id !== undefined) position.lastEventId = event.id;
        notify(callbacks.onItem, item);
      } else if (event.event === 'gap') {
        const gap = gapOf(event.data);
        if (gap) notify(callbacks.onDiscontinuity, new TopicDiscontinuity(gap.from - 1, gap.to + 1, 0));
      }
    },
    onComment() {
      if (!signal.aborted) notify(callbacks.onHeartbeat, new TopicHeartbeat());
    },
  });
  if (!response.body || signal.aborted) return;
  const decoder = new TextDecoder();
  const reader = response.body.getReader();
  // Unsubscribing cancels the body, which closes the connection.
  const cancel = () => reader.cancel().catch(() => {});
  signal.addEventListener('abort', cancel, { once: true });
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.feed(decoder.decode(value, { stream: true }));
    }
  } catch {
    // The connection broke, or the subscription ended (an abort): the caller decides.
  } finally {
    signal.removeEventListener('abort', cancel);
    reader.cancel().catch(() => {});
  }
}

/** `{ from, to }` of a `gap` event: the numbers no longer available. */
function gapOf(data) {
  try {
    const { from, to } = JSON.parse(data);
    return Number.isSafeInteger(from) && Number.isSafeInteger(to) ? { from, to } : undefined;
  } catch {
    return undefined;
  }
}
