// The details page of one webhook: configuration, statistics, actions, a
// publish box, and the attempt log refreshed live.

import { replayUndelivered, webhookActions } from './actions.js';
import { call, paths } from './api.js';
import { renderCharts } from './charts.js';
import { attemptError, backToList, fill, h, labelledCell as cell, retryText, SCHEMES, statusBadge, time } from './dom.js';
import { publishBox } from './publish.js';
import { routes } from './routes.js';

/** How often the statistics and the attempt log are refreshed. */
const REFRESH_MS = 2000;
/** How many attempts the log shows. */
const LOG_LIMIT = 50;
/**
 * The hourly statistics are read again when the attempt counters changed,
 * and at least this often (a new hour starts).
 */
const CHARTS_REFRESH_MS = 30_000;

/**
 * Renders the details of `name` into `main`; returns the function that
 * stops its refreshing.
 */
export async function renderDetails(main, ctx, name) {
  let webhook;
  try {
    webhook = await call('GET', paths.webhook(ctx.cache, name));
  } catch (err) {
    fill(main,
      backToList(ctx.cache),
      h('p', { class: 'form-error', role: 'alert', text: `${err.message} (${err.code})` }));
    return () => {};
  }
  const head = h('div', { class: 'page-head' });
  const config = h('dl', { class: 'config' });
  const stats = h('dl', { class: 'stats' });
  const logBody = h('div', { class: 'log', 'aria-live': 'off' });
  const refreshed = h('span', { class: 'muted live', role: 'status' });
  const charts = h('div', { class: 'chart-area' }, h('p', { class: 'muted', text: 'Loading…' }));
  const show = (w) => {
    fill(head, h('h1', {}, w.id.webhookName, ' ', statusBadge(w.status, w.statistics?.failingSince)), actionBar(ctx, w, reload));
    fill(config, ...configuration(ctx, w));
    if (w.statistics) fill(stats, ...statistics(w.statistics));
  };
  // The counters the charts were drawn for, and when.
  let chartsFor = null;
  let chartsAt = 0;
  const refreshCharts = async (w) => {
    const counted = w?.statistics ? `${w.statistics.delivered}/${w.statistics.failed}` : chartsFor;
    if (chartsFor !== null && counted === chartsFor && Date.now() - chartsAt < CHARTS_REFRESH_MS) return;
    const answer = await call('GET', `${paths.webhook(ctx.cache, name)}/statistics`);
    chartsFor = counted;
    chartsAt = Date.now();
    renderCharts(charts, answer);
  };
  let lastLog = '';
  const refreshLog = async () => {
    const page = await call('GET', `${paths.webhook(ctx.cache, name)}/attempts?limit=${LOG_LIMIT}`);
    const text = JSON.stringify(page.attempts);
    if (text !== lastLog) {
      lastLog = text;
      fill(logBody, attemptTable(page.attempts));
    }
  };
  const refresh = async (withWebhook) => {
    let current = webhook;
    if (withWebhook) {
      current = await call('GET', paths.webhook(ctx.cache, name));
      show(current);
    }
    await refreshLog();
    await refreshCharts(current);
    fill(refreshed, 'Live · updated ', new Date().toLocaleTimeString());
  };
  const reload = () => refresh(true);

  const publishCtx = { ...ctx, onPublished: () => reload().catch(() => {}) };
  fill(main,
    backToList(ctx.cache),
    head,
    h('div', { class: 'panels' },
      h('section', { class: 'panel', 'aria-labelledby': 'config-title' }, h('h2', { id: 'config-title', text: 'Configuration' }), config),
      h('section', { class: 'panel', 'aria-labelledby': 'stats-title' }, h('h2', { id: 'stats-title', text: 'Statistics' }), stats)),
    h('section', { class: 'panel', 'aria-labelledby': 'charts-title' }, h('h2', { id: 'charts-title', text: 'Deliveries in the last 7 days' }), charts),
    ctx.portal ? null : publishBox(publishCtx, { topics: webhook.topics }),
    h('section', { class: 'panel', 'aria-labelledby': 'log-title' },
      h('div', { class: 'section-head' }, h('h2', { id: 'log-title', text: 'Attempt log' }), refreshed),
      logBody));
  show(webhook);

  let stopped = false;
  let timer;
  // The first round only needs the log: the webhook was just read.
  const tick = async (withWebhook = true) => {
    if (stopped) return;
    if (!document.hidden) {
      try {
        await refresh(withWebhook);
      } catch (err) {
        if (err.status === 404) {
          fill(refreshed, 'This webhook no longer exists');
          return;
        }
        fill(refreshed, `Not refreshed: ${err.message} (${err.code})`);
      }
    }
    if (!stopped) timer = setTimeout(tick, REFRESH_MS);
  };
  await tick(false);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

function actionBar(ctx, webhook, reload) {
  const name = webhook.id.webhookName;
  const actions = webhookActions(ctx, webhook, { changed: reload, deleted: () => ctx.navigate(routes.list(ctx.cache)) });
  if (actions.length === 0) return h('div', { class: 'buttons actions' });
  const deletion = actions.pop();
  actions.push({ label: 'Replay undelivered', run: () => replayUndelivered(ctx, webhook) }, deletion);
  return h('div', { class: 'buttons actions' },
    h('a', { class: 'button', href: routes.edit(ctx.cache, name) }, 'Edit'),
    actions.map(({ label, run, danger }) => h('button', { type: 'button', class: danger ? 'danger' : null, onclick: run }, label)));
}

function pairs(entries) {
  return entries.flatMap(([term, value]) => [h('dt', { text: term }), h('dd', {}, value)]);
}

function configuration(ctx, w) {
  return pairs([
    // One chip a topic: a topic name may hold commas.
    ['Topics', h('ul', { class: 'chips' }, w.topics.map((topic) =>
      h('li', {}, ctx.portal ? topic : h('a', { href: routes.topic(ctx.cache, topic), title: `Watch ${topic}` }, topic))))],
    ['Endpoint', h('span', { class: 'mono break', text: w.destination.postUrl })],
    ['Headers', staticHeaders(w.headers)],
    ['Scheme', SCHEMES[w.scheme] ?? w.scheme],
    ['Authentication', authentication(w.auth)],
    ['Mode', w.mode === 'sync' ? 'Sync' : 'Async'],
    ['Timeout', `${w.timeoutMs} ms`],
    ['Retries', retryText(w.retry)],
    ['Ordering', w.ordering === 'fifo' ? 'In order (fifo)' : 'Any order'],
    ['Most deliveries per second', w.maxRatePerSecond ? String(w.maxRatePerSecond) : h('span', { class: 'muted', text: 'no limit' })],
    ['Ignore for API', w.ignoreForApi ? 'Yes' : 'No'],
    ['Description', w.description || none()],
    ['Created', time(w.createdAt)],
    ['Updated', time(w.updatedAt)],
  ]);
}

const none = () => h('span', { class: 'muted', text: 'none' });

/** How deliveries authenticate, as the API shows it: never a secret, only whether one is held. */
function authentication(auth) {
  if (!auth) return none();
  const held = (set) => (set ? 'held (never shown)' : none());
  const facts = auth.type === 'oauth2'
    ? [
      ['Method', 'OAuth 2.0 client credentials'],
      ['Token URL', h('span', { class: 'mono break', text: auth.tokenUrl })],
      ['Client ID', h('span', { class: 'mono break', text: auth.clientId })],
      ['Scope', auth.scope ? h('span', { class: 'mono break', text: auth.scope }) : none()],
      ['Audience', auth.audience ? h('span', { class: 'mono break', text: auth.audience }) : none()],
      ['Client authentication', auth.clientAuth === 'body' ? 'In the request body' : 'HTTP Basic'],
      ['Client secret', held(auth.clientSecretSet)],
    ]
    : auth.type === 'basic'
      ? [
        ['Method', 'HTTP Basic'],
        ['User name', h('span', { class: 'mono break', text: auth.username })],
        ['Password', held(auth.passwordSet)],
      ]
      : [['Method', auth.type]];
  // Each pair on its own line, the value beside its term while it fits.
  return h('dl', { class: 'sub' }, facts.map(([term, value]) => h('div', {}, h('dt', { text: term }), h('dd', {}, value))));
}

/** The static headers, one `name: value` a line. */
function staticHeaders(headers) {
  const entries = Object.entries(headers ?? {});
  if (entries.length === 0) return none();
  return h('ul', { class: 'plain' }, entries.map(([name, value]) => h('li', { class: 'mono break', text: `${name}: ${value}` })));
}

function statistics(s) {
  return pairs([
    ['Delivered', String(s.delivered)],
    ['Failed attempts', String(s.failed)],
    ['Undelivered messages', `${s.undelivered} (${s.pending} waiting, ${s.givenUp} given up)`],
    ['Last success', time(s.lastSuccessAt)],
    ['Last failure', time(s.lastFailureAt)],
    ['Failing since', s.failingSince === null ? h('span', { class: 'muted', text: 'not failing' }) : time(s.failingSince)],
  ]);
}

const OUTCOMES = {
  delivered: 'Delivered',
  retrying: 'Retrying',
  dead_lettered: 'Dead-lettered',
  timed_out: 'Gave up',
  gone: 'Gone (410)',
};

function attemptTable(attempts) {
  if (attempts.length === 0) return h('p', { class: 'muted', text: 'No attempts yet. Send a test or publish a message.' });
  const head = ['Time', 'Message', 'Attempt', 'Result', 'Status', 'Latency', 'Error', 'Next'];
  return h('table', { class: 'attempts' },
    h('caption', { class: 'visually-hidden', text: 'Delivery attempts, newest first' }),
    h('thead', {}, h('tr', {}, head.map((label) => h('th', { scope: 'col', text: label })))),
    h('tbody', {}, attempts.map((a) => {
      const outcome = a.outcome ? OUTCOMES[a.outcome] ?? a.outcome : 'Test';
      return h('tr', { class: a.delivered ? 'ok' : 'failed' },
        cell('Time', time(a.sentAt)),
        cell('Message', a.topicSequenceNumber === 0 ? `${a.topic} (test)` : `${a.topic} #${a.topicSequenceNumber}`),
        cell('Attempt', String(a.attempt)),
        cell('Result', h('span', { class: `badge ${a.delivered ? 'badge-active' : 'badge-disabled'}`, text: a.delivered ? 'Delivered' : 'Failed' }), ' ', a.outcome === 'delivered' ? null : h('span', { class: 'muted', text: outcome })),
        cell('Status', a.statusCode === null ? '—' : String(a.statusCode)),
        cell('Latency', `${a.latencyMs} ms`),
        cell('Error', a.error ? attemptError(a.error) : null),
        cell('Next', a.nextRetryAt ? time(a.nextRetryAt) : null));
    })));
}
