// Portal sessions under wrangler dev: what a session's token may do, its
// expiry, the page's frame policy and branding, and the portal in
// headless Chromium embedded by a page on an allowed origin (and refused
// on another).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { assertDocumented, client, eventually, newDeployment, startReceiver, startWorker, artifacts, launchChromium } from './harness.mjs';


/** A page on 127.0.0.1 (its own origin) that frames `src()`. */
async function embeddingSite(src) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>Acme dashboard</title><h1>Acme dashboard</h1>
<iframe id="portal" title="Webhooks" src="${src().replaceAll('&', '&amp;').replaceAll('"', '&quot;')}" width="1000" height="760"></iframe>`);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

let frameSrc = '';
const allowed = await embeddingSite(() => frameSrc);
const refused = await embeddingSite(() => frameSrc);
const deployment = newDeployment({
  // One malformed entry beside the origin: it is left out.
  PORTAL_FRAME_ANCESTORS: `"${allowed.origin} 'unsafe-inline' https://bad.example/path"`,
  PORTAL_TITLE: '"Acme <webhooks>"',
  PORTAL_ACCENT: '"#0a7d4f"',
});
const receiver = await startReceiver();
const worker = await startWorker(deployment);
const admin = client(worker.url, deployment.adminKey);
let browser;
// Started first: it must have expired by the last test.
const shortLived = await admin('POST', '/v1/caches/shop/portal-sessions', { body: { ttlSeconds: 60 } });

before(async () => {
  for (const name of ['orders', 'refunds', 'other']) {
    const put = await admin('PUT', `/v1/caches/shop/webhooks/${name}`, {
      body: { topicName: name, destination: { postUrl: `${receiver.base}/${name}` } },
    });
    assert.equal(put.status, 201, put.text);
  }
  await admin('PUT', '/v1/caches/elsewhere/webhooks/x', {
    body: { topicName: 't', destination: { postUrl: `${receiver.base}/x` } },
  });
});

after(async () => {
  await browser?.close();
  allowed.close();
  refused.close();
  receiver.close();
  await worker.stop();
  deployment.remove();
});

test('a session is created by the admin or a manage key, answered once, and checked', async () => {
  assert.equal(shortLived.status, 201, shortLived.text);
  assertDocumented('createPortalSession', shortLived);
  const created = await admin('POST', '/v1/caches/shop/portal-sessions', { body: { webhooks: ['orders'], readOnly: true } });
  assert.equal(created.status, 201, created.text);
  assertDocumented('createPortalSession', created);
  const { token, url, expiresAt } = created.json;
  assert.match(token, /^ehp_tok_[0-9a-f]{16}_/);
  assert.equal(url, `${worker.url}/portal#token=${encodeURIComponent(token)}&cache=shop&readOnly=1`);
  const hour = Date.now() + 3600_000;
  assert.ok(Math.abs(expiresAt - hour) < 60_000, `an hour by default: ${expiresAt}`);
  assert.deepEqual(created.json.webhooks, ['orders']);

  for (const [body, code] of [
    [{ ttlSeconds: 59 }, 'invalid_scope'],
    [{ ttlSeconds: 86401 }, 'invalid_scope'],
    [{ webhooks: [] }, 'invalid_scope'],
    [{ webhooks: ['a', 'a'] }, 'invalid_scope'],
    [{ webhooks: ['a/b'] }, 'invalid_name'],
    [{ permissions: ['publish'] }, 'invalid_json'],
  ]) {
    const refusal = await admin('POST', '/v1/caches/shop/portal-sessions', { body });
    assert.equal(refusal.status, 400, JSON.stringify(body));
    assert.equal(refusal.json.error.code, code, JSON.stringify(body));
  }

  // A key with manage on the cache may; others may not.
  const key = async (caches, permissions) => (await admin('POST', '/v1/keys', { body: { caches, permissions } })).json.key;
  const manager = client(worker.url, await key(['shop'], ['manage']));
  assert.equal((await manager('POST', '/v1/caches/shop/portal-sessions', { body: {} })).status, 201);
  for (const other of [await key(['elsewhere'], ['manage']), await key(['shop'], ['publish', 'subscribe'])]) {
    const refusal = await client(worker.url, other)('POST', '/v1/caches/shop/portal-sessions', { body: {} });
    assert.equal(refusal.status, 403);
    assert.equal(refusal.json.error.code, 'forbidden');
  }
  assert.equal((await client(worker.url, 'ehp_tok_0123456789abcdef_nope')('GET', '/v1/caches/shop/webhooks')).status, 401);
});

test('a session covers its cache and webhooks, manages or only reads, and nothing else', async () => {
  const start = async (body) => client(worker.url, (await admin('POST', '/v1/caches/shop/portal-sessions', { body })).json.token);
  const some = await start({ webhooks: ['orders', 'refunds'] });
  const listed = await some('GET', '/v1/caches/shop/webhooks');
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.json.webhooks.map((w) => w.id.webhookName).sort(), ['orders', 'refunds']);
  assert.equal((await some('GET', '/v1/caches/shop/webhooks/orders')).status, 200);
  assert.equal((await some('GET', '/v1/caches/shop/webhooks/orders/secret')).status, 200);
  const patched = await some('PATCH', '/v1/caches/shop/webhooks/orders', { body: { description: 'from the portal' } });
  assert.equal(patched.status, 200, patched.text);
  const refusals = [
    ['GET', '/v1/caches/shop/webhooks/other'],
    ['PUT', '/v1/caches/shop/webhooks/new', { body: { topicName: 'n', destination: { postUrl: `${receiver.base}/n` } } }],
    ['GET', '/v1/caches/elsewhere/webhooks'],
    ['GET', '/v1/caches/elsewhere/webhooks/x'],
    ['POST', '/v1/caches/shop/topics/orders', { raw: 'hello' }],
    ['GET', '/v1/caches/shop/topics/orders/subscribe'],
    ['POST', '/v1/keys', { body: { caches: ['shop'], permissions: ['manage'] } }],
    ['GET', '/v1/keys'],
    ['POST', '/v1/caches/shop/portal-sessions', { body: {} }],
    ['POST', '/v1/admin/reseal'],
  ];
  for (const [method, path, options] of refusals) {
    const refusal = await some(method, path, options);
    assert.equal(refusal.status, 403, `${method} ${path}: ${refusal.text}`);
    assert.equal(refusal.json.error.code, 'forbidden');
  }

  const every = await start({});
  const made = await every('PUT', '/v1/caches/shop/webhooks/made in portal', {
    body: { topicName: 'n', destination: { postUrl: `${receiver.base}/n` } },
  });
  assert.equal(made.status, 201, made.text);
  assert.equal((await every('DELETE', '/v1/caches/shop/webhooks/made%20in%20portal')).status, 204);

  const reader = await start({ readOnly: true });
  for (const path of ['/webhooks', '/webhooks/orders', '/webhooks/orders/attempts', '/webhooks/orders/undelivered']) {
    assert.equal((await reader('GET', `/v1/caches/shop${path}`)).status, 200, path);
  }
  for (const [method, path, options] of [
    ['PATCH', '/webhooks/orders', { body: { description: 'no' } }],
    ['GET', '/webhooks/orders/secret'],
    ['POST', '/webhooks/orders/secret/rotate', { body: {} }],
    ['POST', '/webhooks/orders/test'],
    ['POST', '/webhooks/orders/replay', { body: {} }],
    ['DELETE', '/webhooks/orders'],
    ['PUT', '/webhooks/new', { body: { topicName: 'n', destination: { postUrl: `${receiver.base}/n` } } }],
  ]) {
    const refusal = await reader(method, `/v1/caches/shop${path}`, options);
    assert.equal(refusal.status, 403, `${method} ${path}`);
    assert.match(refusal.json.error.message, /read-only/);
  }
});

test('only the portal page may be framed, by the configured origins, with the branding', async () => {
  const portal = await fetch(`${worker.url}/portal`);
  assert.equal(portal.status, 200);
  const policy = portal.headers.get('content-security-policy');
  assert.match(policy, new RegExp(`frame-ancestors ${allowed.origin}$`));
  assert.equal(portal.headers.get('x-frame-options'), null);
  assert.equal(portal.headers.get('cache-control'), 'no-store');
  const html = await portal.text();
  assert.ok(html.includes('<title>Acme &lt;webhooks&gt;</title>'), html);
  assert.ok(html.includes('<meta name="edgehooks-accent" content="#0a7d4f">'));
  for (const path of ['/', '/ui/app.js']) {
    const page = await fetch(worker.url + path);
    assert.match(page.headers.get('content-security-policy'), /frame-ancestors 'none'$/, path);
    assert.equal(page.headers.get('x-frame-options'), 'DENY', path);
  }
});

test('the portal in Chromium: embedded on an allowed origin, refused on another, read-only without changes', async () => {
  browser = await launchChromium();
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const session = await admin('POST', '/v1/caches/shop/portal-sessions', { body: { webhooks: ['orders', 'refunds'] } });
  frameSrc = session.json.url;

  const page = await context.newPage();
  const problems = [];
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  page.on('pageerror', (error) => problems.push(String(error)));
  await page.goto(`${allowed.origin}/`);
  const frame = await (await page.waitForSelector('#portal')).contentFrame();
  await frame.waitForSelector('table');
  const names = await frame.$$eval('table tbody tr th, table tbody tr td:first-child', (cells) => cells.map((c) => c.textContent.trim()));
  assert.ok(names.some((n) => n.includes('orders')) && names.some((n) => n.includes('refunds')), names.join(','));
  assert.ok(!names.some((n) => n.includes('other')), 'only the session\'s webhooks');
  // The token left the address at once and stays in the frame's tab.
  assert.ok(!frame.url().includes('token='), frame.url());
  assert.equal(await frame.evaluate(() => sessionStorage.getItem('edgehooks.apiKey')), session.json.token);
  assert.equal(await frame.$('#switch-cache'), null, 'no cache switcher');
  assert.equal(await frame.$('text=Publish'), null, 'no publish box');
  assert.equal(await frame.title(), 'shop · Acme <webhooks>');
  assert.equal(await frame.$eval('.brand', (b) => b.textContent.trim()), 'Acme <webhooks>');
  const accent = await frame.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--accent').trim());
  assert.equal(accent, '#0a7d4f');
  await page.screenshot({ path: join(artifacts, 'portal-embedded.png'), fullPage: true });
  await frame.click('text=Create webhook');
  await frame.waitForSelector('form');
  assert.deepEqual(problems, []);

  // Another origin: the browser refuses to show the portal in its frame.
  const other = await context.newPage();
  const violations = [];
  other.on('console', (message) => violations.push(message.text()));
  await other.goto(`${refused.origin}/`);
  const blocked = await (await other.waitForSelector('#portal')).contentFrame();
  await eventually(() => violations.some((text) => text.includes('frame-ancestors')), 10_000, 'a frame-ancestors violation');
  assert.equal(await blocked.$('#main'), null, 'nothing of the portal is shown');

  // Read-only, opened directly: nothing that changes a webhook is offered.
  const reader = await admin('POST', '/v1/caches/shop/portal-sessions', { body: { readOnly: true } });
  const direct = await context.newPage();
  await direct.goto(reader.json.url);
  await direct.waitForSelector('table');
  assert.equal(await direct.$('text=Create webhook'), null);
  await direct.click('a:text("orders")');
  await direct.waitForSelector('#config-title');
  for (const label of ['Edit', 'Delete', 'Rotate secret', 'Send test']) {
    assert.equal(await direct.$(`.actions >> text=${label}`), null, label);
  }
  assert.match(await direct.textContent('header'), /read-only/);
  await direct.screenshot({ path: join(artifacts, 'portal-read-only.png'), fullPage: true });
  // Ending the session forgets the token.
  await direct.click('text=End session');
  await direct.waitForSelector('text=Session ended');
  assert.equal(await direct.evaluate(() => sessionStorage.getItem('edgehooks.apiKey')), null);
});

test('a session stops working at its expiry', async () => {
  const { token, expiresAt } = shortLived.json;
  const expiring = client(worker.url, token);
  if (Date.now() < expiresAt - 2000) {
    assert.equal((await expiring('GET', '/v1/caches/shop/webhooks')).status, 200, 'works before');
  }
  await eventually(async () => (await expiring('GET', '/v1/caches/shop/webhooks')).status === 401,
    Math.max(expiresAt - Date.now(), 0) + 15_000, 'refused after expiresAt');
  assert.ok(Date.now() >= expiresAt - 1000, 'not refused before expiresAt');
});
