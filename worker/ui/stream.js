// A topic's subscription stream, live: the API's Server-Sent Events read
// with `fetch` (so the key travels in a header, never in the URL), parsed
// by eventsource-parser, resumed with `Last-Event-ID` after a drop.

import { ApiError, paths, session } from './api.js';
import { backToList, fill, h, time } from './dom.js';
import { publishBox } from './publish.js';
import { createParser } from './vendor/eventsource-parser/parse.js';

/** How many messages stay on screen. */
const SHOWN = 200;
/** Waits before reconnecting after a drop, growing to the last. */
const BACKOFF_MS = [500, 1000, 2000, 5000];

/** Renders the stream of `topic` into `main`; returns the function that closes it. */
export function renderStream(main, ctx, topic) {
  const state = h('p', { class: 'stream-state', role: 'status' });
  const list = h('ol', { class: 'events', reversed: true, 'aria-label': `Messages on ${topic}, newest first` });
  const empty = h('p', { class: 'muted', text: 'Waiting for messages…' });
  fill(main,
    backToList(ctx.cache),
    h('h1', {}, 'Topic ', h('span', { class: 'mono', text: topic })),
    state,
    h('div', { class: 'panels' },
      publishBox(ctx, { topics: [topic] }),
      h('section', { class: 'panel', 'aria-labelledby': 'stream-title' },
        h('h2', { id: 'stream-title', text: 'Stream' }), empty, list)));

  const controller = new AbortController();
  let lastEventId = null;
  let failures = 0;
  const setState = (text, kind) => {
    state.textContent = text;
    state.dataset.kind = kind;
  };
  const show = (item) => {
    empty.hidden = true;
    list.prepend(item);
    while (list.children.length > SHOWN) list.lastElementChild.remove();
  };
  const parser = createParser({
    onEvent(event) {
      if (event.id) lastEventId = event.id;
      if (event.event === 'gap') {
        const gap = JSON.parse(event.data);
        show(h('li', { class: 'gap' }, `Messages #${gap.from} to #${gap.to} are no longer available to this stream.`));
        return;
      }
      show(messageItem(JSON.parse(event.data)));
    },
  });

  const connect = async () => {
    while (!controller.signal.aborted) {
      setState(failures === 0 ? 'Connecting…' : 'Reconnecting…', 'connecting');
      try {
        const headers = { authorization: `Bearer ${session.key}`, accept: 'text/event-stream' };
        if (lastEventId) headers['last-event-id'] = lastEventId;
        const response = await fetch(paths.topic(ctx.cache, topic) + '/subscribe', { headers, signal: controller.signal });
        if (!response.ok) {
          const body = await response.json().catch(() => null);
          const error = body?.error ?? { code: `http_${response.status}`, message: response.statusText };
          throw new ApiError(response.status, error.code, error.message);
        }
        setState('Live: new messages appear as they are published', 'live');
        failures = 0;
        parser.reset();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          parser.feed(value);
        }
      } catch (err) {
        if (controller.signal.aborted) return;
        if (err instanceof ApiError && err.status >= 400 && err.status < 500) {
          setState(`Cannot watch this topic: ${err.message} (${err.code})`, 'error');
          if (err.status === 401) window.dispatchEvent(new CustomEvent('edgehooks:unauthorized', { detail: err }));
          return;
        }
      }
      const wait = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
      failures += 1;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
  connect();
  return () => controller.abort();
}

function messageItem(envelope) {
  const value = 'text' in envelope
    ? h('pre', { class: 'message', text: envelope.text })
    : h('pre', { class: 'message' }, h('span', { class: 'muted', text: 'bytes (base64) ' }), envelope.bytes);
  return h('li', { 'data-sequence': String(envelope.topic_sequence_number) },
    h('p', { class: 'event-head' },
      h('strong', { text: `#${envelope.topic_sequence_number}` }), ' ',
      time(envelope.publish_timestamp), ' · ',
      envelope.token_id ? `published with key ${envelope.token_id}` : 'published by the operator'),
    value);
}
