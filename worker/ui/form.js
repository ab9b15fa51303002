// The create and edit forms: every field of the webhook model, checked by
// the API, whose error codes are shown next to the field they are about.

import { call, paths } from './api.js';
import { backToList, clearErrors, duration, field, fill, formError, h, SCHEMES, secretPanel, showError } from './dom.js';
import { LIMITS } from './limits.js';
import { routes } from './routes.js';

/** Which field each API error code is about. */
const FIELDS = {
  invalid_name: 'f-name',
  already_exists: 'f-name',
  invalid_topics: 'f-topics',
  invalid_url: 'f-url',
  url_not_allowed: 'f-url',
  invalid_scheme: 'f-scheme',
  immutable_field: 'f-scheme',
  invalid_timeout: 'f-timeout',
  invalid_retry: 'f-retry-schedule',
  invalid_ordering: 'f-ordering',
  invalid_rate: 'f-rate',
  invalid_description: 'f-description',
  invalid_secret: 'f-secret',
};

/**
 * Renders the form into `main`: creating when `webhook` is absent, editing
 * it otherwise (name and scheme are then read-only).
 */
export function renderForm(main, ctx, webhook) {
  const editing = Boolean(webhook);
  const w = webhook ?? {
    topics: [], destination: { postUrl: '' }, scheme: 'standard', active: true, timeoutMs: LIMITS.defaultTimeoutMs,
    mode: 'async', ignoreForApi: false, retry: 'default', ordering: 'none', description: '',
  };
  const text = (value, attrs = {}) => h('input', { value, autocomplete: 'off', spellcheck: 'false', ...attrs });
  const name = text(editing ? w.id.webhookName : '', { readonly: editing, required: !editing, maxlength: LIMITS.maxNameChars });
  const topics = text(w.topics.join(', '), { required: true });
  const url = text(w.destination.postUrl, { type: 'url', inputmode: 'url', required: true, placeholder: 'https://example.com/webhooks' });
  const scheme = editing
    ? text(SCHEMES[w.scheme] ?? w.scheme, { readonly: true })
    : h('select', {}, Object.entries(SCHEMES).map(([value, label]) => h('option', { value, text: label, selected: value === w.scheme })));
  const mode = h('select', {},
    h('option', { value: 'async', text: 'Async: stored, delivered and retried in the background; does not hold up the publisher', selected: w.mode === 'async' }),
    h('option', { value: 'sync', text: 'Sync: made during the publish call, result returned to the publisher', selected: w.mode === 'sync' }));
  const timeout = text(String(w.timeoutMs), { type: 'number', inputmode: 'numeric', min: LIMITS.minTimeoutMs, max: LIMITS.maxTimeoutMs, step: '1' });
  const ordering = h('select', {},
    h('option', { value: 'none', text: 'Any order: several at once, a retry does not hold up the rest', selected: w.ordering !== 'fifo' }),
    h('option', { value: 'fifo', text: 'In order (fifo): one at a time, each after the previous was delivered or given up', selected: w.ordering === 'fifo' }));
  const rate = text(w.maxRatePerSecond ? String(w.maxRatePerSecond) : '', { type: 'number', inputmode: 'numeric', min: LIMITS.minRatePerSecond, max: LIMITS.maxRatePerSecond, step: '1', placeholder: 'No limit' });
  const retryKind = typeof w.retry === 'string' ? w.retry : 'custom';
  const retry = h('select', {},
    h('option', { value: 'default', text: `Default schedule (${LIMITS.defaultRetryScheduleSeconds.map(duration).join(', ')})`, selected: retryKind === 'default' }),
    h('option', { value: 'none', text: 'No retries: one attempt', selected: retryKind === 'none' }),
    h('option', { value: 'custom', text: 'My own schedule', selected: retryKind === 'custom' }));
  const schedule = text(retryKind === 'custom' ? w.retry.scheduleSeconds.join(', ') : '', { placeholder: '10, 60, 600' });
  const scheduleField = field('f-retry-schedule', 'Retry delays (seconds, comma-separated)', schedule,
    'Each failed attempt waits the next delay; after the last one the message is dead-lettered.');
  const showSchedule = () => { scheduleField.hidden = retry.value !== 'custom'; };
  retry.addEventListener('change', showSchedule);
  showSchedule();
  const active = h('input', { type: 'checkbox', checked: w.active });
  const ignoreForApi = h('input', { type: 'checkbox', checked: w.ignoreForApi });
  const description = h('textarea', { rows: '2', maxlength: LIMITS.maxDescriptionChars });
  description.value = w.description;
  const secret = h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false', placeholder: 'Leave empty to generate one' });

  const error = formError();
  const save = h('button', { type: 'submit', class: 'primary' }, editing ? 'Save changes' : 'Create webhook');
  const form = h('form', { class: 'webhook-form', novalidate: true },
    h('fieldset', {},
      h('legend', { text: 'Webhook' }),
      field('f-name', 'Name', name, editing ? 'The name identifies the webhook and cannot be changed.' : 'Letters, digits, dot, dash and underscore; unique in the cache.'),
      field('f-topics', 'Topics (trigger)', topics, 'Messages published to any of these topics are delivered (comma-separated).'),
      field('f-url', 'Endpoint URL', url, 'Where the signed POST goes. Use https in production.'),
      field('f-description', 'Description', description)),
    h('fieldset', {},
      h('legend', { text: 'Signing' }),
      field('f-scheme', 'Scheme', scheme, editing
        ? 'The scheme cannot be changed: receivers verify with it. Create another webhook for another scheme.'
        : 'How deliveries are signed; receivers verify with the matching library.'),
      editing ? null : field('f-secret', 'Secret', secret, `Generated when empty. Standard v1: whsec_ and base64 of ${LIMITS.minSecretBytes} to ${LIMITS.maxSecretBytes} bytes; v1a: a whsk_ signing key; other schemes: ${LIMITS.minStringSecretBytes} to ${LIMITS.maxStringSecretBytes} characters.`)),
    h('fieldset', {},
      h('legend', { text: 'Delivery' }),
      field('f-mode', 'Mode', mode),
      field('f-timeout', 'Timeout (milliseconds)', timeout, `How long to wait for the endpoint to answer: ${LIMITS.minTimeoutMs} to ${LIMITS.maxTimeoutMs}.`),
      field('f-ordering', 'Ordering', ordering, 'In order keeps each topic\'s sequence for the receiver; a sync webhook cannot be in order.'),
      field('f-rate', 'Most deliveries per second', rate, `Paces deliveries to this endpoint (${LIMITS.minRatePerSecond} to ${LIMITS.maxRatePerSecond}); none are dropped. Empty: no limit.`),
      field('f-retry', 'Retries', retry),
      scheduleField,
      h('div', { class: 'check' }, active, h('label', { for: 'f-active', text: 'Active: deliver messages to this webhook' })),
      h('div', { class: 'check' }, ignoreForApi, h('label', { for: 'f-ignore', text: 'Ignore for API: skip messages published with an issued API key (prevents loops when your handler calls the API)' }))),
    error,
    h('div', { class: 'buttons' },
      h('a', { class: 'button', href: editing ? routes.details(ctx.cache, w.id.webhookName) : routes.list(ctx.cache) }, 'Cancel'),
      save));
  active.id = 'f-active';
  ignoreForApi.id = 'f-ignore';

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const retrySetting = readRetry(retry.value, schedule.value);
    if (retrySetting.error) {
      showError(form, retrySetting.error, FIELDS, error);
      return;
    }
    const body = {
      topics: topics.value.split(',').map((t) => t.trim()).filter(Boolean),
      destination: { postUrl: url.value.trim() },
      active: active.checked,
      timeoutMs: Number(timeout.value),
      mode: mode.value,
      ignoreForApi: ignoreForApi.checked,
      retry: retrySetting.value,
      ordering: ordering.value,
      maxRatePerSecond: rate.value.trim() ? Number(rate.value) : null,
      description: description.value,
    };
    if (!editing && body.maxRatePerSecond === null) delete body.maxRatePerSecond;
    if (!editing) {
      body.scheme = scheme.value;
      if (secret.value) body.secret = secret.value;
      if (!name.value.trim()) {
        showError(form, { code: 'invalid_name', message: 'Give the webhook a name' }, FIELDS, error);
        return;
      }
    }
    save.disabled = true;
    try {
      if (editing) {
        await call('PATCH', paths.webhook(ctx.cache, w.id.webhookName), { body });
        ctx.toast(`${w.id.webhookName} was saved`);
        ctx.navigate(routes.details(ctx.cache, w.id.webhookName));
      } else {
        const created = await call('PUT', paths.webhook(ctx.cache, name.value.trim()), {
          body, headers: { 'if-none-match': '*' },
        });
        showCreated(main, ctx, created);
      }
    } catch (err) {
      showError(form, err, FIELDS, error);
    } finally {
      save.disabled = false;
    }
  });

  fill(main,
    backToList(ctx.cache),
    h('h1', { text: editing ? `Edit ${w.id.webhookName}` : 'Create webhook' }),
    form);
  (editing ? topics : name).focus();
}

/** The retry setting of the form, or the error to show. */
function readRetry(kind, schedule) {
  if (kind !== 'custom') return { value: kind };
  const parts = schedule.split(',').map((s) => s.trim()).filter(Boolean);
  const seconds = parts.map(Number);
  if (parts.length === 0 || !seconds.every((s) => Number.isInteger(s))) {
    return { error: { code: 'invalid_retry', message: 'Give whole numbers of seconds, separated by commas' } };
  }
  return { value: { scheduleSeconds: seconds } };
}

/** After creation: the secret, once, then on to the list. */
function showCreated(main, ctx, created) {
  const name = created.webhook.id.webhookName;
  const done = h('a', { class: 'button primary', href: routes.list(ctx.cache) }, 'Done');
  fill(main,
    h('h1', { text: `${name} was created` }),
    h('section', { class: 'panel' },
      secretPanel(created.secretString, created.webhook.scheme === 'standard-v1a' ? 'Public key (whpk_) receivers verify with' : 'Signing secret'),
      h('div', { class: 'buttons' },
        h('a', { class: 'button', href: routes.details(ctx.cache, name) }, 'View details'),
        done)));
  main.querySelector('.secret-panel button').focus();
}
