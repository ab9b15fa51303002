// The management web page, in headless Chromium against `wrangler dev`:
// sign-in, create, test, live attempt log, publish, inactivate, edit,
// rotate, disabled status, topic stream, delivery authentication and static
// headers, phone layout, delete, revoked key.
// Screenshots go to tests/e2e/artifacts/ (or $EDGEHOOKS_ARTIFACTS).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Webhook } from 'edgehooks';
import { assertDocumented, client, newDeployment, openapi, startReceiver, startWorker, artifacts, launchChromium } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));

let deployment;
let worker;
let receiver;
let api;
let browser;
let page;
/** Requests the page made to any other origin. */
const elsewhere = [];
/** Script errors, CSP violations and other console errors. */
const problems = [];
/** The bodies of the API's answers about webhooks to the page (promises). */
const answers = [];

before(async () => {
  // Webhooks failing for 2 s without a success are disabled.
  deployment = newDeployment({ AUTO_DISABLE_AFTER_SECONDS: '2' });
  worker = await startWorker(deployment);
  // `/token` is a token endpoint refusing every client.
  receiver = await startReceiver((path) => (path === '/failing' ? { status: 500 } : path === '/token' ? { status: 401 } : {}));
  api = client(worker.url, deployment.adminKey);
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: worker.url });
  page = await context.newPage();
  watch(page);
});

after(async () => {
  await browser?.close();
  receiver?.close();
  await worker?.stop();
  deployment?.remove();
  assert.deepEqual(elsewhere, [], 'the page requested other origins');
  assert.deepEqual(problems, [], 'the page reported errors');
});

function watch(p) {
  p.on('request', (r) => {
    if (!r.url().startsWith(`${worker.url}/`)) elsewhere.push(r.url());
    if (r.url().includes(deployment.adminKey)) problems.push(`key in a URL: ${r.url()}`);
  });
  p.on('response', (r) => {
    if (new URL(r.url()).pathname.includes('/webhooks')) answers.push(r.text().catch(() => ''));
  });
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Chromium logs every 4xx fetch as "Failed to load resource"; the page's
  // handling of those is asserted where they happen.
  p.on('console', (m) => {
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(m.text());
  });
}

/** Resolves once `locator`'s text matches `pattern`; fails after `ms`. */
async function waitText(locator, pattern, ms = 10_000) {
  const deadline = Date.now() + ms;
  let text = '';
  while (Date.now() < deadline) {
    text = (await locator.count()) > 0 ? await locator.first().innerText() : '';
    if (pattern.test(text)) return text;
    await page.waitForTimeout(100);
  }
  throw new Error(`text ${JSON.stringify(text)} does not match ${pattern}`);
}

const row = (name) => page.locator(`tr[data-webhook="${name}"]`);
const cell = (name, label) => row(name).locator(`td[data-label="${label}"]`);

/** Opens the row's actions menu with the keyboard and picks `item`. */
async function menu(name, item) {
  const summary = row(name).locator('summary');
  await summary.focus();
  await page.keyboard.press('Enter');
  await row(name).getByRole('button', { name: item, exact: true }).click();
}

async function publishFromPage(topic, message, format = 'Text') {
  const box = page.locator('section', { has: page.getByRole('heading', { name: 'Publish a message' }) });
  const topicControl = box.getByLabel('Topic');
  if ((await topicControl.evaluate((el) => el.tagName)) === 'SELECT') await topicControl.selectOption(topic);
  else await topicControl.fill(topic);
  await box.getByLabel('Format').selectOption({ label: format });
  await box.getByLabel('Message').fill(message);
  await box.getByRole('button', { name: 'Publish' }).click();
  return box.locator('.publish-result');
}

test('the page is served by the Worker with a same-origin policy', async () => {
  const res = await fetch(`${worker.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/html/);
  const csp = res.headers.get('content-security-policy');
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /script-src 'self'/);
  assert.match(csp, /connect-src 'self'/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  const html = await res.text();
  assert.doesNotMatch(html, /https?:\/\//, 'the page references no other host');
  const again = await fetch(`${worker.url}/`, { headers: { 'if-none-match': res.headers.get('etag') } });
  assert.equal(again.status, 304);
  const script = await fetch(`${worker.url}/ui/app.js`);
  assert.match(script.headers.get('content-type'), /^text\/javascript/);
  assert.equal((await fetch(`${worker.url}/`, { method: 'POST' })).status, 405);
  assert.equal((await fetch(`${worker.url}/ui/missing.js`)).status, 404);
  // The limits module is made by the Worker and served like the other files.
  const limits = await fetch(`${worker.url}/ui/limits.js`);
  assert.equal(limits.status, 200);
  assert.match(limits.headers.get('content-type'), /^text\/javascript/);
  assert.equal(limits.headers.get('content-security-policy'), csp);
  assert.equal(limits.headers.get('x-content-type-options'), 'nosniff');
  const limitsAgain = await fetch(`${worker.url}/ui/limits.js`, { headers: { 'if-none-match': limits.headers.get('etag') } });
  assert.equal(limitsAgain.status, 304);
  // The vendored SSE parser is the published package, byte for byte.
  for (const file of ['parse.js', 'errors.js']) {
    const served = await (await fetch(`${worker.url}/ui/vendor/eventsource-parser/${file}`)).text();
    assert.equal(served, readFileSync(join(here, 'node_modules/eventsource-parser/dist', file), 'utf8'), file);
  }
});

test('a wrong key is refused with a clear message and nothing is kept', async () => {
  await page.goto(`${worker.url}/`);
  await page.getByLabel('API key').fill('');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitText(page.locator('#s-key-error'), /Enter an API key/);
  await page.getByLabel('API key').fill('ehk_tok_0123456789abcdef_not-a-real-secret-at-all-000000000000');
  await page.getByLabel('Cache').fill('shop');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitText(page.locator('#s-key-error'), /not accepted.*\(unauthorized\)/);
  assert.equal(await page.locator('#s-key').getAttribute('aria-invalid'), 'true');
  await page.getByLabel('API key').fill(deployment.adminKey);
  // Spaces and punctuation are fine in a name; `/` is not.
  await page.getByLabel('Cache').fill('not/a cache');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await waitText(page.locator('#s-cache-error'), /\(invalid_name\)/);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.equal(await page.locator('table').count(), 0);
});

let secret;

/** The page's `limits.js`, as the Worker serves it. */
async function servedLimits() {
  const source = await (await fetch(`${worker.url}/ui/limits.js`)).text();
  return (await import(`data:text/javascript,${encodeURIComponent(source)}`)).LIMITS;
}

test('the page states the limits the API documents', async () => {
  const LIMITS = await servedLimits();
  assert.ok(Object.isFrozen(LIMITS) && Object.isFrozen(LIMITS.defaultRetryScheduleSeconds));
  const input = openapi.components.schemas.WebhookInput.properties;
  const grace = openapi.paths['/v1/caches/{cache}/webhooks/{name}/secret/rotate'].post
    .requestBody.content['application/json'].schema.properties.graceSeconds;
  assert.deepEqual(
    [LIMITS.minTimeoutMs, LIMITS.maxTimeoutMs, LIMITS.defaultTimeoutMs, LIMITS.minRatePerSecond, LIMITS.maxRatePerSecond,
      LIMITS.maxDescriptionChars, LIMITS.maxTopicsPerWebhook, LIMITS.minGraceSeconds, LIMITS.maxGraceSeconds],
    [input.timeoutMs.minimum, input.timeoutMs.maximum, input.timeoutMs.default, input.maxRatePerSecond.minimum,
      input.maxRatePerSecond.maximum, input.description.maxLength, input.topics.maxItems, grace.minimum, grace.maximum],
  );
  assert.deepEqual([input.topicName.minLength, input.topicName.maxLength], [1, LIMITS.maxNameChars]);
});

test('sign in with the keyboard, create a webhook with inline errors, see the secret once', async () => {
  await page.locator('#s-key').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(deployment.adminKey);
  await page.keyboard.press('Tab');
  await page.keyboard.press('Control+A');
  await page.keyboard.type('shop');
  await page.keyboard.press('Enter');
  await waitText(page.locator('main'), /No webhooks in this cache yet/);
  assert.equal(new URL(page.url()).hash, '#/c/shop');
  const stored = await page.evaluate(() => ({ session: JSON.stringify(sessionStorage), local: JSON.stringify(localStorage) }));
  assert.ok(stored.session.includes(deployment.adminKey));
  assert.ok(!stored.local.includes(deployment.adminKey), 'the key is not kept beyond the session');

  await page.getByRole('link', { name: 'Create webhook' }).click();
  // The form's bounds and hints are the service's limits.
  const LIMITS = await servedLimits();
  const attributes = (label, ...names) => page.getByLabel(label, { exact: true })
    .evaluate((el, list) => list.map((n) => el.getAttribute(n)), names);
  // A name is counted in characters, which `maxlength` (UTF-16 units) cannot do: the hint says it.
  assert.deepEqual(await attributes('Name', 'maxlength'), [null]);
  assert.match(await page.locator('#f-name-hint').innerText(), new RegExp(`^Up to ${LIMITS.maxNameChars} characters`));
  assert.deepEqual(await attributes('Description', 'maxlength'), [String(LIMITS.maxDescriptionChars)]);
  assert.deepEqual(await attributes('Timeout (milliseconds)', 'min', 'max'), [String(LIMITS.minTimeoutMs), String(LIMITS.maxTimeoutMs)]);
  assert.equal(await page.getByLabel('Timeout (milliseconds)').inputValue(), String(LIMITS.defaultTimeoutMs));
  assert.deepEqual(await attributes('Most deliveries per second', 'min', 'max'), [String(LIMITS.minRatePerSecond), String(LIMITS.maxRatePerSecond)]);
  assert.match(await page.locator('#f-timeout-hint').innerText(), new RegExp(`: ${LIMITS.minTimeoutMs} to ${LIMITS.maxTimeoutMs}\\.$`));
  assert.match(await page.locator('#f-secret-hint').innerText(), new RegExp(`of ${LIMITS.minSecretBytes} to ${LIMITS.maxSecretBytes} bytes;.*: ${LIMITS.minStringSecretBytes} to ${LIMITS.maxStringSecretBytes} characters\\.$`));
  const schedule = await page.locator('#f-retry option[value="default"]').innerText();
  assert.match(schedule, /^Default schedule \((\d+ (s|min|h), )*\d+ (s|min|h)\)$/);
  assert.equal(schedule.split(',').length, LIMITS.defaultRetryScheduleSeconds.length);
  await page.getByLabel('Name').fill('bad/name');
  await page.getByLabel('Topics (trigger)').fill('orders');
  await page.getByLabel('Endpoint URL').fill('ftp://example.com/hook');
  const create = page.getByRole('button', { name: 'Create webhook' });
  await create.click();
  await waitText(page.locator('#f-name-error'), /\(invalid_name\)/);
  await page.getByLabel('Name').fill('orders-hook');
  await create.click();
  await waitText(page.locator('#f-url-error'), /\(invalid_url\)/);
  assert.equal(await page.locator('#f-name-error').isHidden(), true, 'the fixed field loses its error');
  await page.getByLabel('Endpoint URL').fill(`${receiver.base}/orders`);
  await page.getByLabel('Timeout (milliseconds)').fill('100');
  await create.click();
  await waitText(page.locator('#f-timeout-error'), /\(invalid_timeout\)/);
  await page.getByLabel('Timeout (milliseconds)').fill('3000');
  await page.getByLabel('Retries').selectOption('custom');
  await page.getByLabel('Retry delays (seconds, comma-separated)').fill('1, soon');
  await create.click();
  await waitText(page.locator('#f-retry-schedule-error'), /\(invalid_retry\)/);
  await page.getByLabel('Retry delays (seconds, comma-separated)').fill('1, 1');
  await page.getByLabel('Secret').fill('whsec_short');
  await create.click();
  await waitText(page.locator('#f-secret-error'), /\(invalid_secret\)/);
  await page.getByLabel('Secret').fill('');
  await page.getByLabel('Description').fill('Order events');
  assert.equal((await api('GET', '/v1/caches/shop/webhooks')).json.webhooks.length, 0, 'no bad request created anything');
  await create.click();

  await waitText(page.locator('main h1'), /orders-hook was created/);
  secret = await page.locator('#new-secret').inputValue();
  assert.match(secret, /^whsec_/);
  assert.equal((await api('GET', '/v1/caches/shop/webhooks/orders-hook/secret')).json.secret, secret);
  await page.getByRole('button', { name: 'Copy' }).click();
  await waitText(page.locator('.copy-feedback'), /Copied/);
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);
  const saved = (await api('GET', '/v1/caches/shop/webhooks/orders-hook')).json;
  assert.deepEqual(
    [saved.topics, saved.timeoutMs, saved.retry, saved.description, saved.scheme, saved.mode],
    [['orders'], 3000, { scheduleSeconds: [1, 1] }, 'Order events', 'standard', 'async'],
  );

  await page.getByRole('link', { name: 'Done' }).click();
  await row('orders-hook').waitFor();
  assert.equal(await page.locator('#new-secret').count(), 0, 'the secret is not shown again');
  assert.equal(await cell('orders-hook', 'Topics').innerText(), 'orders');
  assert.equal(await cell('orders-hook', 'Endpoint').innerText(), `${receiver.base}/orders`);
  assert.equal(await cell('orders-hook', 'Scheme').innerText(), 'Standard Webhooks v1 (HMAC)');
  assert.equal(await cell('orders-hook', 'Mode').innerText(), 'Async');
  assert.equal(await cell('orders-hook', 'Status').innerText(), 'Active');
});

test('creating over an existing name is refused next to the name', async () => {
  await page.getByRole('link', { name: 'Create webhook' }).click();
  await page.getByLabel('Name').fill('orders-hook');
  await page.getByLabel('Topics (trigger)').fill('elsewhere');
  await page.getByLabel('Endpoint URL').fill(`${receiver.base}/elsewhere`);
  await page.getByRole('button', { name: 'Create webhook' }).click();
  await waitText(page.locator('#f-name-error'), /\(already_exists\)/);
  assert.deepEqual((await api('GET', '/v1/caches/shop/webhooks/orders-hook')).json.topics, ['orders']);
  const direct = await api('PUT', '/v1/caches/shop/webhooks/orders-hook', {
    body: { topics: ['x'], destination: { postUrl: `${receiver.base}/x` } }, headers: { 'if-none-match': '*' },
  });
  assert.equal(direct.status, 412);
  assertDocumented('putWebhook', direct);
  await page.getByRole('link', { name: 'Cancel' }).click();
  await row('orders-hook').waitFor();
});

test('send a test from the actions menu and see the attempt', async () => {
  await menu('orders-hook', 'Send test');
  const dialog = page.getByRole('dialog', { name: 'Test sent to orders-hook' });
  await waitText(dialog, /Delivered[\s\S]*HTTP 204/);
  const [request] = await receiver.waitFor('/orders', 1);
  const verified = new Webhook(secret).verify(request.body, request.headers);
  assert.match(verified.text, /edgehooks\.test/);
  assert.ok((await dialog.innerText()).includes(request.headers['webhook-id']), 'the dialog names the delivery');
  await page.keyboard.press('Escape');
  assert.equal(await dialog.count(), 0);
  // The keyboard user is back on the row's menu button.
  assert.equal(await page.evaluate(() => document.activeElement.getAttribute('aria-label')), 'Actions for orders-hook');
});

test('details: configuration, statistics, and the attempt log refreshed live', async () => {
  await row('orders-hook').getByRole('link', { name: 'orders-hook' }).click();
  await waitText(page.locator('.config'), /Order events/);
  const log = page.locator('table.attempts');
  await waitText(log, /orders \(test\)[\s\S]*Delivered[\s\S]*204/);
  const result = await publishFromPage('orders', '{"order":1}', 'JSON');
  await waitText(result, /Published #1 to orders: 1 delivery \(1 in the background/);
  const [, delivered] = await receiver.waitFor('/orders', 2);
  assert.equal(new Webhook(secret).verify(delivered.body, delivered.headers).text, '{"order":1}');
  // No reload: the log and the statistics catch up by themselves.
  await waitText(log.locator('tbody tr').first(), /orders #1\s+1\s+Delivered[\s\S]*204/);
  await waitText(page.locator('.stats'), /Delivered\s+1\s/);
  await page.screenshot({ path: join(artifacts, 'details.png'), fullPage: true });
});

test('inactivate: a publish does not reach the receiver', async () => {
  await page.getByRole('button', { name: 'Inactivate' }).click();
  await waitText(page.locator('main h1'), /Inactive/);
  assert.equal((await api('GET', '/v1/caches/shop/webhooks/orders-hook')).json.active, false);
  const result = await publishFromPage('orders', 'while inactive');
  await waitText(result, /Published #2 to orders: no active webhook receives it/);
  await page.waitForTimeout(1500);
  assert.equal(receiver.at('/orders').length, 2);
  await page.getByRole('link', { name: 'Webhooks in shop' }).click();
  await waitText(cell('orders-hook', 'Status'), /^Inactive$/);
});

test('edit: the scheme is read-only, errors are inline, changes are saved', async () => {
  await menu('orders-hook', 'Edit');
  const scheme = page.getByLabel('Scheme');
  assert.equal(await scheme.getAttribute('readonly'), '');
  assert.equal(await scheme.inputValue(), 'Standard Webhooks v1 (HMAC)');
  assert.equal(await page.getByLabel('Name').getAttribute('readonly'), '');
  assert.equal(await page.getByLabel('Retry delays (seconds, comma-separated)').inputValue(), '1, 1');
  await page.getByLabel('Timeout (milliseconds)').fill('50');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await waitText(page.locator('#f-timeout-error'), /\(invalid_timeout\)/);
  await page.getByLabel('Timeout (milliseconds)').fill('4000');
  await page.getByLabel('Endpoint URL').fill(`${receiver.base}/orders-v2`);
  await page.getByLabel('Mode').selectOption('sync');
  await page.getByLabel('Ordering').selectOption('fifo');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await waitText(page.locator('#f-ordering-error'), /\(invalid_ordering\)/);
  await page.getByLabel('Ordering').selectOption('none');
  await page.getByLabel('Most deliveries per second').fill('5');
  await page.getByLabel('Description').fill('Order events, edited');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await waitText(page.locator('.config'), /Order events, edited/);
  const saved = (await api('GET', '/v1/caches/shop/webhooks/orders-hook')).json;
  assert.deepEqual(
    [saved.destination.postUrl, saved.mode, saved.timeoutMs, saved.scheme, saved.active, saved.ordering, saved.maxRatePerSecond],
    [`${receiver.base}/orders-v2`, 'sync', 4000, 'standard', false, 'none', 5],
  );
  assert.match(await page.locator('.config').innerText(), /Most deliveries per second\s+5/);
});

test('rotate the secret, then activate: deliveries use the new secret', async () => {
  await page.getByRole('button', { name: 'Rotate secret' }).click();
  const dialog = page.getByRole('dialog');
  const LIMITS = await servedLimits();
  const grace = dialog.getByLabel('Grace period (seconds)');
  assert.deepEqual(
    [await grace.getAttribute('min'), await grace.getAttribute('max'), await grace.inputValue()],
    [String(LIMITS.minGraceSeconds), String(LIMITS.maxGraceSeconds), '0'],
  );
  assert.match(await dialog.locator('#rotate-grace-hint').innerText(), new RegExp(`\\(${LIMITS.minGraceSeconds} to ${LIMITS.maxGraceSeconds}\\)\\.$`));
  await dialog.getByLabel('Grace period (seconds)').fill('999999999');
  await dialog.getByRole('button', { name: 'Rotate secret' }).click();
  await waitText(dialog.locator('#rotate-grace-error'), /\(invalid_grace_period\)/);
  assert.equal((await api('GET', '/v1/caches/shop/webhooks/orders-hook/secret')).json.secret, secret);
  await dialog.getByLabel('Grace period (seconds)').fill('0');
  await dialog.getByRole('button', { name: 'Rotate secret' }).click();
  const rotated = await dialog.locator('#new-secret').inputValue();
  assert.match(rotated, /^whsec_/);
  assert.notEqual(rotated, secret);
  assert.equal((await api('GET', '/v1/caches/shop/webhooks/orders-hook/secret')).json.secret, rotated);
  await dialog.getByRole('button', { name: 'Done' }).click();

  await page.getByRole('button', { name: 'Activate' }).click();
  await waitText(page.locator('main h1'), /Active/);
  const result = await publishFromPage('orders', 'after the rotation');
  await waitText(result, /Published #3[\s\S]*orders-hook[\s\S]*Delivered[\s\S]*HTTP 204/);
  const [request] = await receiver.waitFor('/orders-v2', 1);
  assert.equal(new Webhook(rotated).verify(request.body, request.headers).text, 'after the rotation');
  assert.throws(() => new Webhook(secret).verify(request.body, request.headers), { code: 'invalid_signature' });
});

test('a disabled webhook shows why', async () => {
  const created = await api('PUT', '/v1/caches/shop/webhooks/failing-hook', {
    body: { topics: ['payments'], destination: { postUrl: `${receiver.base}/failing` }, retry: { scheduleSeconds: [1, 1, 1] } },
  });
  assert.equal(created.status, 201);
  await api('POST', '/v1/caches/shop/topics/payments', { raw: 'will fail' });
  const deadline = Date.now() + 20_000;
  let status;
  do {
    await page.waitForTimeout(500);
    status = (await api('GET', '/v1/caches/shop/webhooks/failing-hook')).json.status;
  } while (status.state !== 'disabled' && Date.now() < deadline);
  assert.equal(status.state, 'disabled');
  await page.getByRole('link', { name: 'Webhooks in shop' }).click();
  const shown = await waitText(cell('failing-hook', 'Status'), /^Disabled/);
  assert.ok(shown.includes(status.reason), `${shown} names the reason ${status.reason}`);
  await page.screenshot({ path: join(artifacts, 'list.png'), fullPage: true });
});

test('a topic stream shows messages live, as text', async () => {
  await cell('orders-hook', 'Topics').getByRole('link', { name: 'orders' }).click();
  await waitText(page.locator('.stream-state'), /^Live/);
  const hostile = '<img src=x onerror="window.injected=1">';
  const published = await api('POST', '/v1/caches/shop/topics/orders', { raw: hostile });
  assert.equal(published.status, 200);
  const item = page.locator(`.events li[data-sequence="${published.json.topicSequenceNumber}"]`);
  await waitText(item.locator('pre'), /onerror/);
  assert.equal(await item.locator('pre').innerText(), hostile);
  assert.equal(await page.locator('.events img').count(), 0);
  assert.equal(await page.evaluate(() => window.injected), undefined);
  await publishFromPage('orders', 'from the stream page');
  await waitText(page.locator('.events li').first(), /from the stream page/);
  assert.match(await page.locator('.events li').first().innerText(), /published by the operator/);
});

const PASSWORD = 'basic-password-f00d-7731';
const NEW_PASSWORD = 'typed-then-refused-4242';
const CLIENT_SECRET = 'oauth-client-secret-0b5e-1187';

/** Presses Tab until the element with `id` has the focus; fails if it never does. */
async function tabTo(id, most = 40) {
  for (let i = 0; i < most; i += 1) {
    if ((await page.evaluate(() => document.activeElement?.id)) === id) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`#${id} is not reached with Tab`);
}

/** The `user:password` of a Basic `Authorization` header. */
const basicPair = (header) => Buffer.from(String(header).replace(/^Basic /, ''), 'base64').toString();

/** Fails if `secret` is in the page (text, markup, inputs, storage) or in any answer it got. */
async function assertNowhere(secret) {
  const shown = await page.evaluate(() => [
    document.documentElement.outerHTML,
    document.body.innerText,
    ...[...document.querySelectorAll('input, textarea')].map((el) => el.value),
    JSON.stringify(sessionStorage),
    JSON.stringify(localStorage),
  ].join('\n'));
  assert.ok(!shown.includes(secret), 'the page holds the secret');
  for (const text of await Promise.all(answers)) assert.ok(!text.includes(secret), `an answer holds the secret: ${text}`);
}

test('create with HTTP Basic and two headers, with the keyboard; no answer holds the password', async () => {
  await page.getByRole('link', { name: 'Webhooks in shop' }).click();
  await page.getByRole('link', { name: 'Create webhook' }).click();
  await page.locator('#f-name').waitFor();
  assert.equal(await page.locator('#f-auth-username').count(), 0, 'no auth fields for None');
  await tabTo('f-name');
  await page.keyboard.type('invoices-hook');
  await tabTo('f-topics');
  await page.keyboard.type('invoices');
  await tabTo('f-url');
  await page.keyboard.type(`${receiver.base}/invoices`);
  await tabTo('f-headers');
  await page.keyboard.type('X-Tenant: acme');
  await page.keyboard.press('Enter');
  await page.keyboard.type('X-Api-Key : k-123');
  await tabTo('f-auth-type');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  assert.equal(await page.locator('#f-auth-type').inputValue(), 'basic');
  assert.equal(await page.locator('#f-auth-token-url').count(), 0, 'only the chosen method\'s fields');
  await tabTo('f-auth-username');
  await page.keyboard.type('edge');
  await tabTo('f-auth-password');
  assert.deepEqual(
    await page.locator('#f-auth-password').evaluate((el) => [el.type, el.autocomplete]),
    ['password', 'off'],
  );
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await waitText(page.locator('main h1'), /invoices-hook was created/);
  await assertNowhere(PASSWORD);

  const saved = await api('GET', '/v1/caches/shop/webhooks/invoices-hook');
  assert.deepEqual(saved.json.auth, { type: 'basic', username: 'edge', passwordSet: true });
  assert.deepEqual(saved.json.headers, { 'x-api-key': 'k-123', 'x-tenant': 'acme' });
  for (const path of ['/v1/caches/shop/webhooks/invoices-hook', '/v1/caches/shop/webhooks', '/v1/caches/shop/webhooks/invoices-hook/secret']) {
    assert.ok(!(await api('GET', path)).text.includes(PASSWORD), path);
  }
  const secretString = (await api('GET', '/v1/caches/shop/webhooks/invoices-hook/secret')).json.secret;
  await api('POST', '/v1/caches/shop/topics/invoices', { raw: 'invoice 1' });
  const [delivered] = await receiver.waitFor('/invoices', 1);
  assert.equal(basicPair(delivered.headers.authorization), `edge:${PASSWORD}`);
  assert.deepEqual([delivered.headers['x-tenant'], delivered.headers['x-api-key']], ['acme', 'k-123']);
  assert.equal(new Webhook(secretString).verify(delivered.body, delivered.headers).text, 'invoice 1');
});

test('details show the authentication and the headers, never the password', async () => {
  await page.getByRole('link', { name: 'View details' }).click();
  const config = page.locator('.config');
  await waitText(config, /Authentication\s+Method\s+HTTP Basic\s+User name\s+edge\s+Password\s+held/);
  assert.match(await config.innerText(), /Headers\s+x-api-key: k-123\s+x-tenant: acme\s/);
  await assertNowhere(PASSWORD);
});

test('edit: the password input starts empty, is cleared after a refused save, and left empty keeps the password', async () => {
  await page.getByRole('link', { name: 'Edit' }).click();
  const password = page.locator('#f-auth-password');
  await password.waitFor();
  assert.equal(await page.locator('#f-auth-type').inputValue(), 'basic');
  assert.equal(await page.locator('#f-auth-username').inputValue(), 'edge');
  assert.equal(await password.inputValue(), '');
  assert.equal(await page.locator('#f-auth-password-hint').innerText(), 'Leave empty to keep the one held.');
  const headers = page.locator('#f-headers');
  assert.equal(await headers.inputValue(), 'x-api-key: k-123\nx-tenant: acme');
  const save = page.getByRole('button', { name: 'Save changes' });

  // A line that is not a header is refused before anything is sent.
  await headers.fill('x-api-key k-456');
  await save.click();
  await waitText(page.locator('#f-headers-error'), /Line 1.*\(invalid_headers\)/);
  // A name the service sets is refused by the API, next to the headers;
  // the password typed meanwhile is not kept in the page.
  await headers.fill('x-api-key: k-456\nContent-Type: text/plain');
  await password.fill(NEW_PASSWORD);
  await save.click();
  await waitText(page.locator('#f-headers-error'), /\(invalid_header_name\)/);
  assert.equal(await headers.getAttribute('aria-invalid'), 'true');
  assert.equal(await password.inputValue(), '');
  assert.match(await password.getAttribute('placeholder'), /type it again/);
  await assertNowhere(NEW_PASSWORD);
  assert.deepEqual((await api('GET', '/v1/caches/shop/webhooks/invoices-hook')).json.headers, { 'x-api-key': 'k-123', 'x-tenant': 'acme' });

  await headers.fill('x-api-key: k-456\nx-tenant: acme');
  await page.getByLabel('Description').fill('Invoices, edited');
  await save.click();
  await waitText(page.locator('.config'), /Invoices, edited/);
  const saved = (await api('GET', '/v1/caches/shop/webhooks/invoices-hook')).json;
  assert.deepEqual(saved.auth, { type: 'basic', username: 'edge', passwordSet: true });
  assert.deepEqual(saved.headers, { 'x-api-key': 'k-456', 'x-tenant': 'acme' });
  await api('POST', '/v1/caches/shop/topics/invoices', { raw: 'invoice 2' });
  const [, delivered] = await receiver.waitFor('/invoices', 2);
  assert.equal(basicPair(delivered.headers.authorization), `edge:${PASSWORD}`, 'the password held is kept');
  assert.equal(delivered.headers['x-api-key'], 'k-456');
  await assertNowhere(PASSWORD);
});

test('edit: choosing None removes the authentication', async () => {
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.locator('#f-auth-type').selectOption('none');
  assert.equal(await page.locator('#f-auth-password').count(), 0);
  await page.getByRole('button', { name: 'Save changes' }).click();
  await waitText(page.locator('.config'), /Authentication\s+none/);
  const saved = (await api('GET', '/v1/caches/shop/webhooks/invoices-hook')).json;
  assert.equal(saved.auth, undefined);
  assert.deepEqual(saved.headers, { 'x-api-key': 'k-456', 'x-tenant': 'acme' });
  await api('POST', '/v1/caches/shop/topics/invoices', { raw: 'invoice 3' });
  const [, , delivered] = await receiver.waitFor('/invoices', 3);
  assert.equal(delivered.headers.authorization, undefined);
});

test('OAuth 2.0: URL errors at the URL they are about; a refused token shows as auth_failed', async () => {
  await page.getByRole('link', { name: 'Webhooks in shop' }).click();
  await page.getByRole('link', { name: 'Create webhook' }).click();
  await page.getByLabel('Name', { exact: true }).fill('tokens-hook');
  await page.getByLabel('Topics (trigger)').fill('tokens');
  await page.getByLabel('Endpoint URL').fill('ftp://example.com/tokens');
  await page.locator('#f-auth-type').selectOption('oauth2');
  await page.getByLabel('Token URL').fill('ftp://auth.example.com/token');
  await page.getByLabel('Client ID').fill('client-1');
  await page.getByLabel('Client secret').fill(CLIENT_SECRET);
  await page.getByLabel('Scope (optional)').fill('deliveries');
  await page.locator('#f-headers').fill('X-Tenant: acme');
  await page.screenshot({ path: join(artifacts, 'form-auth.png'), fullPage: true });
  const create = page.getByRole('button', { name: 'Create webhook' });
  // Both malformed: the API names the destination, which it checks first.
  await create.click();
  await waitText(page.locator('#f-url-error'), /\(invalid_url\)/);
  assert.equal(await page.locator('#f-auth-token-url-error').isHidden(), true);
  // The destination fixed: the error is the token URL's.
  await page.getByLabel('Endpoint URL').fill(`${receiver.base}/tokens`);
  await page.getByLabel('Client secret').fill(CLIENT_SECRET);
  await create.click();
  await waitText(page.locator('#f-auth-token-url-error'), /\(invalid_url\)/);
  assert.equal(await page.locator('#f-url-error').isHidden(), true);
  assert.equal(await page.getByLabel('Client secret').inputValue(), '', 'the secret is not kept after a submit');
  // A secret is needed for a new OAuth 2.0 client.
  await page.getByLabel('Token URL').fill(`${receiver.base}/token`);
  await create.click();
  await waitText(page.locator('#f-auth-client-secret-error'), /\(invalid_auth\)/);
  await page.getByLabel('Client secret').fill(CLIENT_SECRET);
  await create.click();
  await waitText(page.locator('main h1'), /tokens-hook was created/);
  await assertNowhere(CLIENT_SECRET);
  assert.deepEqual((await api('GET', '/v1/caches/shop/webhooks/tokens-hook')).json.auth, {
    type: 'oauth2', tokenUrl: `${receiver.base}/token`, clientId: 'client-1', scope: 'deliveries', clientAuth: 'basic', clientSecretSet: true,
  });

  await page.getByRole('link', { name: 'View details' }).click();
  await waitText(page.locator('.config'), new RegExp(`OAuth 2.0 client credentials\\s+Token URL\\s+${receiver.base}/token\\s+Client ID\\s+client-1\\s+Scope\\s+deliveries\\s+Audience\\s+none\\s+Client authentication\\s+HTTP Basic\\s+Client secret\\s+held`));
  // The token endpoint refuses: nothing reaches the endpoint, and the
  // attempt says why.
  const tokenRequests = receiver.at('/token').length;
  await page.getByRole('button', { name: 'Send test' }).click();
  const dialog = page.getByRole('dialog', { name: 'Test sent to tokens-hook' });
  const expected = /No access token: the token endpoint answered HTTP 401; nothing was sent to the endpoint \(auth_failed\)/;
  await waitText(dialog, /Failed[\s\S]*not sent/);
  assert.match(await dialog.innerText(), expected);
  await page.keyboard.press('Escape');
  const [tokenRequest] = (await receiver.waitFor('/token', tokenRequests + 1)).slice(tokenRequests);
  assert.equal(basicPair(tokenRequest.headers.authorization), `client-1:${CLIENT_SECRET}`);
  assert.match(tokenRequest.body.toString(), /grant_type=client_credentials/);
  assert.equal(receiver.at('/tokens').length, 0);
  await waitText(page.locator('table.attempts tbody tr').first(), expected);
  await page.screenshot({ path: join(artifacts, 'details-auth.png'), fullPage: true });

  // Edit with the destination unchanged: a URL error is the token URL's.
  await page.getByRole('link', { name: 'Edit' }).click();
  assert.equal(await page.getByLabel('Client secret').inputValue(), '');
  assert.equal(await page.locator('#f-auth-client-secret-hint').innerText(), 'Leave empty to keep the one held.');
  await page.getByLabel('Token URL').fill('not a url');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await waitText(page.locator('#f-auth-token-url-error'), /\(invalid_url\)/);
  await page.getByRole('link', { name: 'Cancel' }).click();
  await page.locator('.config').waitFor();
  await assertNowhere(CLIENT_SECRET);
});

test('where private targets are refused, url_not_allowed is shown at the URL it is about', async () => {
  const strict = newDeployment({ ALLOW_PRIVATE_URLS: 'false' });
  const other = await startWorker(strict);
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const p = await context.newPage();
    const errors = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.goto(`${other.url}/#/c/shop/new`);
    await p.getByLabel('API key').fill(strict.adminKey);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('link', { name: 'Create webhook' }).click();
    await p.getByLabel('Name', { exact: true }).fill('strict-hook');
    await p.getByLabel('Topics (trigger)').fill('orders');
    await p.locator('#f-auth-type').selectOption('oauth2');
    await p.getByLabel('Client ID').fill('client-1');
    const create = p.getByRole('button', { name: 'Create webhook' });
    const fieldError = async (id) => {
      await p.locator(`#${id}-error`).waitFor();
      return p.locator(`#${id}-error`).innerText();
    };
    // A public destination and a private token endpoint: the token URL's.
    await p.getByLabel('Endpoint URL').fill('https://hooks.example.com/orders');
    await p.getByLabel('Token URL').fill('http://127.0.0.1:9/token');
    await p.getByLabel('Client secret').fill(CLIENT_SECRET);
    await create.click();
    assert.match(await fieldError('f-auth-token-url'), /\(url_not_allowed\)/);
    assert.equal(await p.locator('#f-url-error').isHidden(), true);
    // A private destination is refused first, whatever the token URL.
    await p.getByLabel('Endpoint URL').fill('http://localhost:3000/orders');
    await p.getByLabel('Client secret').fill(CLIENT_SECRET);
    await create.click();
    assert.match(await fieldError('f-url'), /\(url_not_allowed\)/);
    assert.equal(await p.locator('#f-auth-token-url-error').isHidden(), true);
    assert.equal((await client(other.url, strict.adminKey)('GET', '/v1/caches/shop/webhooks')).json.webhooks.length, 0);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    await other.stop();
    strict.remove();
  }
});

test('on a phone-sized screen nothing overflows and rows become cards', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.getByRole('link', { name: 'Webhooks in shop' }).click();
  await row('orders-hook').waitFor();
  const layout = await page.evaluate(() => ({
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
    rowDisplay: getComputedStyle(document.querySelector('tr[data-webhook]')).display,
    label: getComputedStyle(document.querySelector('td[data-label="Endpoint"]'), '::before').content,
  }));
  assert.deepEqual(layout, { overflow: 0, rowDisplay: 'block', label: '"Endpoint"' });
  await page.screenshot({ path: join(artifacts, 'list-phone.png'), fullPage: true });
  await row('orders-hook').getByRole('link', { name: 'orders-hook' }).click();
  await page.locator('table.attempts').waitFor();
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
  await page.screenshot({ path: join(artifacts, 'details-phone.png'), fullPage: true });
  // Authentication and headers, in the details and in the form.
  await page.getByRole('link', { name: 'Webhooks in shop' }).click();
  await row('tokens-hook').getByRole('link', { name: 'tokens-hook' }).click();
  await waitText(page.locator('.config'), /Token URL/);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
  await page.getByRole('link', { name: 'Edit' }).click();
  await page.locator('#f-auth-token-url').waitFor();
  await page.locator('#f-headers').fill('x-a-rather-long-header-name-for-a-phone: and-a-value-that-goes-on-and-on-without-any-space');
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth), 0);
  await page.screenshot({ path: join(artifacts, 'form-phone.png'), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole('link', { name: 'Webhooks in shop' }).click();
  await row('orders-hook').waitFor();
});

test('delete asks first; cancel keeps the webhook, confirm removes it', async () => {
  await menu('orders-hook', 'Delete');
  const dialog = page.getByRole('dialog', { name: 'Delete orders-hook?' });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  assert.equal((await api('GET', '/v1/caches/shop/webhooks/orders-hook')).status, 200);
  await menu('orders-hook', 'Delete');
  await dialog.getByRole('button', { name: 'Delete webhook' }).click();
  await row('orders-hook').waitFor({ state: 'detached' });
  assert.equal((await api('GET', '/v1/caches/shop/webhooks/orders-hook')).status, 404);
  await row('failing-hook').waitFor();
});

test('a key revoked during the session sends the page back to sign-in', async () => {
  const key = (await api('POST', '/v1/keys', { body: { caches: ['shop'], permissions: ['manage', 'publish'] } })).json;
  const context = await browser.newContext();
  const other = await context.newPage();
  watch(other);
  await other.goto(`${worker.url}/#/c/shop`);
  await other.getByLabel('API key').fill(key.key);
  await other.getByRole('button', { name: 'Sign in' }).click();
  await other.locator('tr[data-webhook="failing-hook"]').waitFor();
  assert.equal((await api('DELETE', `/v1/keys/${key.tokenId}`)).status, 204);
  await other.reload();
  await other.getByText('Your API key is no longer accepted. Sign in again.').waitFor();
  assert.equal(await other.evaluate(() => sessionStorage.length), 0);
  await context.close();
});
