// The page of a cache: its webhooks in a table with an actions menu, a
// publish box and a way to watch a topic's stream.

import { webhookActions } from './actions.js';
import { listWebhooks } from './api.js';
import { SCHEMES, fill, h, labelledCell as cell, statusBadge } from './dom.js';
import { publishBox } from './publish.js';
import { routes } from './routes.js';

/** Renders the cache page into `main`. */
export async function renderList(main, ctx) {
  const tableArea = h('div', { class: 'table-area', 'aria-busy': 'true' }, h('p', { class: 'muted', text: 'Loading webhooks…' }));
  const topicsList = h('datalist', { id: 'known-topics' });
  const readOnly = ctx.portal?.readOnly;
  fill(main,
    h('div', { class: 'page-head' },
      h('h1', {}, 'Webhooks ', h('span', { class: 'muted', text: `in ${ctx.cache}` })),
      readOnly ? null : h('a', { class: 'button primary', href: routes.create(ctx.cache) }, 'Create webhook')),
    tableArea,
    topicsList,
    // A portal session neither publishes nor watches topics.
    ctx.portal ? null : h('div', { class: 'panels' },
      publishBox(ctx, { topicList: 'known-topics' }),
      watchTopic(ctx)));

  const load = async () => {
    let webhooks;
    try {
      webhooks = await listWebhooks(ctx.cache);
    } catch (err) {
      fill(tableArea, h('p', { class: 'form-error', role: 'alert', text: `Could not list webhooks: ${err.message} (${err.code})` }));
      return;
    }
    const topics = [...new Set(webhooks.flatMap((w) => w.topics))].sort();
    fill(topicsList, topics.map((t) => h('option', { value: t })));
    tableArea.removeAttribute('aria-busy');
    if (webhooks.length === 0) {
      fill(tableArea, h('div', { class: 'empty' },
        h('p', { text: 'No webhooks in this cache yet.' }),
        readOnly ? null : h('p', {}, h('a', { href: routes.create(ctx.cache) }, 'Create the first one'), ' to have messages on its topics POSTed to your endpoint.')));
      return;
    }
    fill(tableArea, table(ctx, webhooks, load));
  };
  await load();
}

function table(ctx, webhooks, reload) {
  const head = ['Name', 'Topics', 'Endpoint', 'Scheme', 'Mode', 'Status', 'Actions'];
  return h('table', { class: 'webhooks' },
    h('caption', { class: 'visually-hidden', text: `Webhooks of cache ${ctx.cache}` }),
    h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col', text: label })))),
    h('tbody', {}, webhooks.map((webhook) => row(ctx, webhook, reload))));
}

function row(ctx, webhook, reload) {
  const name = webhook.id.webhookName;
  return h('tr', { 'data-webhook': name },
    cell('Name', h('a', { href: routes.details(ctx.cache, name), class: 'strong' }, name)),
    cell('Topics', h('ul', { class: 'chips' }, webhook.topics.map((topic) =>
      h('li', {}, h('a', { href: routes.topic(ctx.cache, topic), title: `Watch ${topic}` }, topic))))),
    cell('Endpoint', h('span', { class: 'mono break', text: webhook.destination.postUrl })),
    cell('Scheme', SCHEMES[webhook.scheme] ?? webhook.scheme),
    cell('Mode', webhook.mode === 'sync' ? 'Sync' : 'Async'),
    cell('Status', statusBadge(webhook.status)),
    cell('Actions', actionsMenu(ctx, webhook, reload)));
}

/**
 * The row's menu: a disclosure (`<details>`), so Enter and Space open it and
 * Tab walks its items; Escape closes it.
 */
function actionsMenu(ctx, webhook, reload) {
  const name = webhook.id.webhookName;
  const menu = h('details', { class: 'menu' });
  const item = (label, run) => h('li', {}, h('button', {
    type: 'button',
    onclick: async () => {
      menu.open = false;
      // Focus goes back to the menu's button, where dialogs return it too.
      menu.querySelector('summary').focus();
      await run();
    },
  }, label));
  menu.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && menu.open) {
      menu.open = false;
      menu.querySelector('summary').focus();
    }
  });
  const actions = webhookActions(ctx, webhook, { changed: reload, deleted: reload });
  menu.append(
    h('summary', { 'aria-label': `Actions for ${name}` }, 'Actions'),
    h('ul', { class: 'menu-items' },
      item('View details', () => ctx.navigate(routes.details(ctx.cache, name))),
      ctx.portal?.readOnly ? null : item('Edit', () => ctx.navigate(routes.edit(ctx.cache, name))),
      actions.map(({ label, run }) => item(label, run))));
  return menu;
}

/** A small form to open a topic's live stream. */
function watchTopic(ctx) {
  const input = h('input', { id: 'watch-topic', list: 'known-topics', required: true, autocomplete: 'off', spellcheck: 'false' });
  return h('section', { class: 'panel', 'aria-labelledby': 'watch-title' },
    h('h2', { id: 'watch-title', text: 'Watch a topic' }),
    h('p', { class: 'hint', text: 'See every message published to a topic as it happens (needs the subscribe permission).' }),
    h('form', {
      onsubmit: (event) => {
        event.preventDefault();
        if (input.value) ctx.navigate(routes.topic(ctx.cache, input.value));
      },
    },
    h('label', { for: 'watch-topic', text: 'Topic' }),
    h('div', { class: 'inline' }, input, h('button', { type: 'submit' }, 'Watch'))));
}
