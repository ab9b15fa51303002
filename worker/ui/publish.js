// The publish box: send a message to a topic and see what was done with it.

import { call, paths } from './api.js';
import { attemptSummary, clearErrors, field, fill, formError, h, showError } from './dom.js';

let boxes = 0;

/**
 * A form publishing to a topic of `ctx.cache`: `topics` offers a fixed
 * choice, `topicList` names a `<datalist>` of suggestions.
 */
export function publishBox(ctx, { topics, topicList } = {}) {
  const id = `publish-${++boxes}`;
  const topic = topics
    ? h('select', {}, topics.map((t) => h('option', { value: t, text: t })))
    : h('input', { list: topicList, autocomplete: 'off', spellcheck: 'false', required: true });
  const type = h('select', {},
    h('option', { value: 'text/plain', text: 'Text' }),
    h('option', { value: 'application/json', text: 'JSON' }));
  const message = h('textarea', { rows: '4', spellcheck: 'false' });
  const error = formError();
  const result = h('div', { class: 'publish-result', role: 'status', 'aria-live': 'polite' });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Publish');
  const form = h('form', {
    novalidate: true,
    onsubmit: async (event) => {
      event.preventDefault();
      clearErrors(form);
      fill(result);
      // The topic is used exactly as given: spaces are part of a name.
      if (!topic.value) {
        showError(form, { code: 'invalid_name', message: 'Give the topic to publish to' }, { invalid_name: `${id}-topic` }, error);
        return;
      }
      send.disabled = true;
      try {
        const published = await call('POST', paths.topic(ctx.cache, topic.value), {
          raw: message.value,
          headers: { 'content-type': type.value },
        });
        fill(result, ...summary(published));
        ctx.onPublished?.(published);
      } catch (err) {
        showError(form, err, {
          invalid_name: `${id}-topic`,
          invalid_json: `${id}-message`,
          payload_too_large: `${id}-message`,
        }, error);
      } finally {
        send.disabled = false;
      }
    },
  },
  h('div', { class: 'inline-fields' },
    field(`${id}-topic`, 'Topic', topic),
    field(`${id}-type`, 'Format', type)),
  field(`${id}-message`, 'Message', message),
  error,
  h('div', { class: 'buttons' }, send),
  result);
  return h('section', { class: 'panel', 'aria-labelledby': `${id}-title` },
    h('h2', { id: `${id}-title`, text: 'Publish a message' }),
    form);
}

function summary(published) {
  const sync = published.syncDeliveries;
  const total = published.asyncDeliveries + sync.length;
  const lines = [
    h('p', {}, h('strong', { text: `Published #${published.topicSequenceNumber}` }), ` to ${published.topic}: `,
      total === 0 ? 'no active webhook receives it.'
        : `${total} ${total === 1 ? 'delivery' : 'deliveries'} (${published.asyncDeliveries} in the background, ${sync.length} made now).`),
  ];
  for (const attempt of sync) {
    lines.push(h('div', { class: 'sync-delivery' }, h('p', { class: 'strong', text: attempt.webhookName }), attemptSummary(attempt)));
  }
  return lines;
}
