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
  invalid_header_name: 'f-headers',
  invalid_headers: 'f-headers',
};

/** The ways deliveries may authenticate, beside the signature. */
const AUTH_TYPES = {
  none: 'None',
  oauth2: 'OAuth 2.0 client credentials',
  basic: 'HTTP Basic',
};

/** The hint of a secret input whose secret is held and may be kept. */
const KEEP_HINT = 'Leave empty to keep the one held.';

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
  // No `maxlength`: it counts UTF-16 units, and a name is counted in
  // characters (an emoji is one); the API checks the length.
  const name = text(editing ? w.id.webhookName : '', { readonly: editing, required: !editing });
  // One topic a line: a topic name may hold commas, never a line break.
  const topics = h('textarea', { rows: '2', spellcheck: 'false', autocomplete: 'off', required: true });
  topics.value = w.topics.join('\n');
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
  const headers = h('textarea', { rows: '3', spellcheck: 'false', autocomplete: 'off', placeholder: 'X-Tenant: acme' });
  headers.value = Object.entries(w.headers ?? {}).map(([n, v]) => `${n}: ${v}`).join('\n');
  const auth = authSection(w.auth, editing);

  const error = formError();
  const save = h('button', { type: 'submit', class: 'primary' }, editing ? 'Save changes' : 'Create webhook');
  const form = h('form', { class: 'webhook-form', novalidate: true },
    h('fieldset', {},
      h('legend', { text: 'Webhook' }),
      field('f-name', 'Name', name, editing ? 'The name identifies the webhook and cannot be changed.' : `Up to ${LIMITS.maxNameChars} characters: spaces, punctuation and emoji are fine, “/” is not; unique in the cache, used exactly as typed.`),
      field('f-topics', 'Topics (trigger)', topics, 'Messages published to any of these topics are delivered: one topic a line, exactly as published to.'),
      field('f-url', 'Endpoint URL', url, 'Where the signed POST goes. Use https in production.'),
      field('f-headers', 'Headers', headers,
        `Added to every delivery: one “Name: value” per line, at most ${LIMITS.maxCustomHeaders}. The service's own headers (webhook-*, the signature headers, content-type, content-length, user-agent, host) and, with authentication, authorization cannot be set.`),
      field('f-description', 'Description', description)),
    h('fieldset', {},
      h('legend', { text: 'Signing' }),
      field('f-scheme', 'Scheme', scheme, editing
        ? 'The scheme cannot be changed: receivers verify with it. Create another webhook for another scheme.'
        : 'How deliveries are signed; receivers verify with the matching library.'),
      editing ? null : field('f-secret', 'Secret', secret, `Generated when empty. Standard v1: whsec_ and base64 of ${LIMITS.minSecretBytes} to ${LIMITS.maxSecretBytes} bytes; v1a: a whsk_ signing key; other schemes: ${LIMITS.minStringSecretBytes} to ${LIMITS.maxStringSecretBytes} characters.`)),
    auth.fieldset,
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
    // Whatever follows, no secret stays in the page once submitted.
    const typedSecret = auth.takeSecret();
    const refuse = (err, fields = FIELDS) => {
      if (typedSecret) auth.askAgain();
      showError(form, err, fields, error);
    };
    const retrySetting = readRetry(retry.value, schedule.value);
    if (retrySetting.error) {
      refuse(retrySetting.error);
      return;
    }
    const headerSetting = readHeaders(headers.value);
    if (headerSetting.error) {
      refuse(headerSetting.error);
      return;
    }
    const postUrl = url.value.trim();
    // An edit sends the destination only when it changed, so that a URL
    // error with it left out can only be the token URL's (see `urlField`).
    const sendsDestination = !editing || postUrl !== w.destination.postUrl;
    const authSetting = auth.read(typedSecret);
    const body = {
      topics: readTopics(topics.value),
      destination: sendsDestination ? { postUrl } : undefined,
      active: active.checked,
      timeoutMs: Number(timeout.value),
      mode: mode.value,
      ignoreForApi: ignoreForApi.checked,
      retry: retrySetting.value,
      ordering: ordering.value,
      maxRatePerSecond: rate.value.trim() ? Number(rate.value) : null,
      description: description.value,
      // An edit states both: `null` removes the auth, `{}` the headers.
      auth: authSetting,
      headers: headerSetting.value,
    };
    if (!editing) {
      if (body.maxRatePerSecond === null) delete body.maxRatePerSecond;
      if (body.auth === null) delete body.auth;
      if (Object.keys(body.headers).length === 0) delete body.headers;
      body.scheme = scheme.value;
      if (secret.value) body.secret = secret.value;
      if (!name.value) {
        refuse({ code: 'invalid_name', message: 'Give the webhook a name' });
        return;
      }
    }
    const fields = {
      ...FIELDS,
      invalid_auth: auth.fieldFor(typedSecret),
      invalid_url: urlField('invalid_url', { auth: authSetting, held: w.auth, sendsDestination, postUrl }),
      url_not_allowed: urlField('url_not_allowed', { auth: authSetting, held: w.auth, sendsDestination, postUrl }),
    };
    save.disabled = true;
    try {
      if (editing) {
        await call('PATCH', paths.webhook(ctx.cache, w.id.webhookName), { body });
        ctx.toast(`${w.id.webhookName} was saved`);
        ctx.navigate(routes.details(ctx.cache, w.id.webhookName));
      } else {
        const created = await call('PUT', paths.webhook(ctx.cache, name.value), {
          body, headers: { 'if-none-match': '*' },
        });
        showCreated(main, ctx, created);
      }
    } catch (err) {
      refuse(err, fields);
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

/** The topics of the form: one a line, exactly as typed; blank lines are skipped. */
function readTopics(value) {
  return value.split('\n').filter((line) => line.trim() !== '');
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

/**
 * The static headers of the form, one `Name: value` per line, as the API
 * takes them (`{}` for none), or the error to show.
 */
function readHeaders(text) {
  const headers = new Map();
  const names = new Set();
  for (const [index, line] of text.split('\n').entries()) {
    if (!line.trim()) continue;
    const colon = line.indexOf(':');
    if (colon < 0) {
      return { error: { code: 'invalid_headers', message: `Line ${index + 1}: write each header as Name: value` } };
    }
    const name = line.slice(0, colon).trim();
    if (names.has(name.toLowerCase())) {
      return { error: { code: 'invalid_header_name', message: `${name} is given twice` } };
    }
    names.add(name.toLowerCase());
    headers.set(name, line.slice(colon + 1).trim());
  }
  // `fromEntries` makes own properties, whatever the names.
  return { value: Object.fromEntries(headers) };
}

/**
 * The Authentication fieldset: the method, and the fields of the one chosen
 * (those of the others are out of the page, their values kept in case it is
 * chosen again). On edit, the secret input of the method held starts empty:
 * left empty, the secret held is kept.
 */
function authSection(held, editing) {
  const heldType = editing ? held?.type : undefined;
  const oauth = heldType === 'oauth2' ? held : {};
  const basic = heldType === 'basic' ? held : {};
  const text = (value, attrs = {}) => h('input', { value: value ?? '', autocomplete: 'off', spellcheck: 'false', ...attrs });
  const secretInput = () => h('input', { type: 'password', autocomplete: 'off', spellcheck: 'false' });
  const type = h('select', {}, Object.entries(AUTH_TYPES).map(([value, label]) =>
    h('option', { value, text: label, selected: value === (heldType ?? 'none') })));
  const tokenUrl = text(oauth.tokenUrl, { type: 'url', inputmode: 'url', placeholder: 'https://auth.example.com/oauth/token' });
  const clientId = text(oauth.clientId);
  const clientSecret = secretInput();
  const scope = text(oauth.scope);
  const audience = text(oauth.audience);
  const clientAuth = h('select', {},
    h('option', { value: 'basic', text: 'HTTP Basic: client ID and secret in the Authorization header', selected: oauth.clientAuth !== 'body' }),
    h('option', { value: 'body', text: 'In the request body: client_id and client_secret as form fields', selected: oauth.clientAuth === 'body' }));
  const username = text(basic.username);
  const password = secretInput();
  const secrets = { oauth2: clientSecret, basic: password };
  const groups = {
    oauth2: h('div', { class: 'auth-fields' },
      field('f-auth-token-url', 'Token URL', tokenUrl, 'The authorization server\'s token endpoint, under the same rules as the endpoint URL. A token is fetched with the client credentials grant and sent as a Bearer token until it expires.'),
      field('f-auth-client-id', 'Client ID', clientId),
      field('f-auth-client-secret', 'Client secret', clientSecret, heldType === 'oauth2' ? KEEP_HINT : 'Sent to the token endpoint only; kept sealed, never shown again.'),
      field('f-auth-scope', 'Scope (optional)', scope, 'The scopes to ask for, separated by spaces.'),
      field('f-auth-audience', 'Audience (optional)', audience, 'Sent as the audience parameter, for servers that ask for one.'),
      field('f-auth-client-auth', 'Client authentication', clientAuth, 'How the client ID and secret reach the token endpoint.')),
    basic: h('div', { class: 'auth-fields' },
      field('f-auth-username', 'User name', username, 'Without a colon.'),
      field('f-auth-password', 'Password', password, heldType === 'basic' ? KEEP_HINT : 'Kept sealed, never shown again.')),
  };
  const chosen = h('div', {});
  const show = () => fill(chosen, groups[type.value] ?? null);
  type.addEventListener('change', show);
  show();

  /** A field's value as the API checks it: 1 to the limit's characters, no control characters. */
  const fits = (value) => value.length > 0 && [...value].length <= LIMITS.maxAuthFieldChars && !/\p{Cc}/u.test(value);
  /** Whether `secret` would be refused: bad, or missing with none held to keep. */
  const secretRefused = (secret) => (secret ? !fits(secret) : heldType !== type.value);
  return {
    fieldset: h('fieldset', {},
      h('legend', { text: 'Authentication' }),
      field('f-auth-type', 'Method', type, 'Credentials the endpoint can check, sent beside the signature.'),
      chosen),
    /** The secret typed for the method chosen; both secret inputs are emptied. */
    takeSecret() {
      const typed = secrets[type.value]?.value ?? '';
      clientSecret.value = '';
      password.value = '';
      return typed;
    },
    /** After a failed submit: the secret typed was not kept. */
    askAgain() {
      const input = secrets[type.value];
      if (input) input.placeholder = 'Not kept after a submit: type it again';
    },
    /** The `auth` to send, with `secret` (left out when empty), or `null` for none. */
    read(secret) {
      if (type.value === 'oauth2') {
        const auth = { type: 'oauth2', tokenUrl: tokenUrl.value.trim(), clientId: clientId.value.trim(), clientAuth: clientAuth.value };
        if (scope.value.trim()) auth.scope = scope.value.trim();
        if (audience.value.trim()) auth.audience = audience.value.trim();
        if (secret) auth.clientSecret = secret;
        return auth;
      }
      if (type.value === 'basic') {
        const auth = { type: 'basic', username: username.value.trim() };
        if (secret) auth.password = secret;
        return auth;
      }
      return null;
    },
    /**
     * The field an `invalid_auth` is about: its code covers every field, so
     * the first one the API would refuse, in the order it checks them.
     */
    fieldFor(secret) {
      if (type.value === 'basic') {
        const name = username.value.trim();
        if (!fits(name) || name.includes(':')) return 'f-auth-username';
        return secretRefused(secret) ? 'f-auth-password' : 'f-auth-username';
      }
      if (!fits(clientId.value.trim())) return 'f-auth-client-id';
      for (const [input, id] of [[scope, 'f-auth-scope'], [audience, 'f-auth-audience']]) {
        if (input.value.trim() && !fits(input.value.trim())) return id;
      }
      return secretRefused(secret) ? 'f-auth-client-secret' : 'f-auth-client-id';
    },
  };
}

/**
 * The field an `invalid_url` or `url_not_allowed` (`code`) is about. The
 * token URL of OAuth 2.0 is checked under the same rules as the
 * destination, and the API's message says "destination URL" for both; but
 * it checks the destination first, so the error is the token URL's exactly
 * when the destination passed. That is certain when the destination was not
 * sent (an edit leaves it out unless it changed) and, for `invalid_url`
 * (the URL's form, which the browser's URL parser judges alike), when the
 * destination is well-formed. `url_not_allowed` depends on the deployment's
 * policy, which the page does not know: a token URL saved before passed it,
 * so a new destination is the one refused; when both are new, the one whose
 * host is local or private (the destination if both or neither are).
 */
function urlField(code, { auth, held, sendsDestination, postUrl }) {
  if (auth?.type !== 'oauth2') return 'f-url';
  if (!sendsDestination) return 'f-auth-token-url';
  if (!wellFormedUrl(postUrl)) return 'f-url';
  if (code === 'invalid_url') return 'f-auth-token-url';
  const tokenUrlIsNew = held?.type !== 'oauth2' || held.tokenUrl !== auth.tokenUrl;
  if (!tokenUrlIsNew || localHost(postUrl) || !localHost(auth.tokenUrl)) return 'f-url';
  return 'f-auth-token-url';
}

/** Whether the API would take `raw` as a URL: absolute http(s), a host, no credentials, not too long. */
function wellFormedUrl(raw) {
  if (new TextEncoder().encode(raw).length > LIMITS.maxUrlBytes) return false;
  try {
    const parsed = new URL(raw);
    return ['http:', 'https:'].includes(parsed.protocol) && parsed.hostname !== '' && !parsed.username && !parsed.password;
  } catch {
    return false;
  }
}

/**
 * Whether the host of `raw` is one a deployment refusing private targets
 * refuses plainly: a local or single-label name, or a loopback, private or
 * link-local address. Only to tell which of two URLs an error is about.
 */
function localHost(raw) {
  let host;
  try {
    host = new URL(raw).hostname.toLowerCase().replace(/\.$/, '');
  } catch {
    return false;
  }
  if (host.startsWith('[')) return /^\[(::1?\]|f[cd]|fe[89ab]|::ffff:)/.test(host);
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    const [a, b] = host.split('.').map(Number);
    return a === 127 || a === 10 || a === 0 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31) || (a === 169 && b === 254);
  }
  return !host.includes('.') || host === 'localhost' || /\.(localhost|local|internal|home\.arpa|localdomain)$/.test(host);
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
